/** A profiling request that cannot run at all (bad command, missing PID…): a usage error. */
export class ProfileError extends Error {}
