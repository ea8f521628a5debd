// Public API of the profiler, shared by the CLI (src/cli/profile.ts) and the VS Code extension.
export { ProfileSession, type ProfileOptions, type ProfileFiles, type EndReason } from './session';
export { ProfileError } from './errors';
export { Recorder, type RecorderFiles, type RecorderOptions } from './recorder';
export { chooseTracker, trackerAvailability, trackerFactory, trackerIds, type TrackerChoice } from './trackers';
export type { Availability, Tracker, TrackerContext, TrackerFactory, TrackerId, TrackerTarget } from './tracker';
export { readReport, formatText, buildReport, whereText, noLineText, summaryText } from './report';
export { readTimeline, CSV_HEADER } from './timeline';
export { verdict, siteRuleFires, DEFAULT_VERDICT, type VerdictResult, type RssPoint } from './verdict';
export { theilSen, type TrendFit } from './stats';
export { findHeaptrack, HEAPTRACK_INSTALL_HINT } from './heaptrack';
export { parsePythonCommand } from './python';
export { defaultPython } from './resolve';
export { processTree, killTree } from './proctree';
export type * from './types';
