// The registry of profiling backends (the way memray maps each reporter's name to its factory):
// id → factory, each with an availability check that says what is missing. A session asks it for
// the backend of its mode (or, under `auto`, for the first that fits the command) and falls back
// to RSS with the reason as a note. No `vscode` import.
import { ProfileError } from './errors';
import { heaptrackFactory } from './tracker-heaptrack';
import { pythonFactory } from './tracker-python';
import { RssTracker, rssFactory } from './tracker-rss';
import type { Availability, Tracker, TrackerContext, TrackerFactory, TrackerId, TrackerTarget } from './tracker';
import type { ProfileMode } from './types';

const REGISTRY: ReadonlyMap<string, TrackerFactory> = new Map(
  [rssFactory, pythonFactory, heaptrackFactory].map((f) => [f.id, f]),
);

/** The backends `auto` tries, in order, before RSS. */
const AUTO: readonly TrackerId[] = ['python', 'native'];

/** Every registered backend id. */
export function trackerIds(): TrackerId[] {
  return [...REGISTRY.keys()] as TrackerId[];
}

/** The factory of a backend; an unknown id is an error that lists the known ones. */
export function trackerFactory(id: string): TrackerFactory {
  const f = REGISTRY.get(id);
  if (!f) throw new ProfileError(`unknown profiling backend "${id}" (known: ${trackerIds().join(', ')})`);
  return f;
}

/** Whether backend `id` can profile `target`, and if not, why. */
export function trackerAvailability(id: string, target: TrackerTarget): Availability {
  return trackerFactory(id).check(target);
}

export interface TrackerChoice {
  id: TrackerId;
  create(ctx: TrackerContext): Tracker;
  /** Why the mode asked for is not the one that runs (a missing tool, a binary without -g…). */
  notes: string[];
}

/**
 * The backend a command runs under: the one `mode` names if it is available, else RSS with the
 * reason; under `auto`, the first available of AUTO, a reason only from one the command belongs to.
 */
export function chooseTracker(target: TrackerTarget, mode: ProfileMode = 'auto'): TrackerChoice {
  const rss = (notes: string[] = []): TrackerChoice => ({ id: 'rss', create: () => new RssTracker(), notes });
  for (const id of mode === 'auto' ? AUTO : [mode]) {
    const a = trackerAvailability(id, target);
    if (a.available) return { id: id as TrackerId, create: a.create, notes: [] };
    if (mode !== 'auto' || a.claims) return rss([a.reason]);
  }
  return rss();
}
