// The RSS backend: the Recorder's timeline of the process tree (pidusage, or /proc on Linux) and
// nothing more: no instrumentation, no lines. The only backend that can follow a running process.
import type { Tracker, TrackerFactory } from './tracker';

export class RssTracker implements Tracker {
  readonly id = 'rss';
  readonly linesBy = undefined;
  readonly snapshotCount = 0;

  launch(argv: string[], env: NodeJS.ProcessEnv): { argv: string[]; env: NodeJS.ProcessEnv } {
    return { argv, env };
  }

  poll(): void {}

  attribution(): undefined {
    return undefined;
  }

  async finish(): Promise<string[]> {
    return [];
  }
}

export const rssFactory: TrackerFactory = {
  id: 'rss',
  description: 'RSS and CPU of the process tree (every platform; also for --pid)',
  check: () => ({ available: true, create: () => new RssTracker() }),
  attach: () => new RssTracker(),
};
