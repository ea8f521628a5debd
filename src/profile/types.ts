// Vocabulary of the dynamic profiler ("Profile memory"). No `vscode` import anywhere under src/profile.

export type ProfileMode = 'auto' | 'rss' | 'python' | 'native';
/** The mode a session actually ran in, after `auto` was resolved and fallbacks applied. */
export type ResolvedMode = 'rss' | 'python' | 'native';
export type Verdict = 'leak' | 'no-leak' | 'inconclusive';

/** One process of the target's tree at one sampling instant. */
export interface ProcessSample {
  pid: number;
  ppid: number;
  /** As the user knows it: the script of `python3 app.py` (`app.py`), else the program. */
  name: string;
  /** The executable's name (`python3`) when it is not `name`. */
  exe?: string;
  rssBytes: number;
  cpuPercent: number;
  /** RSS as a percentage of the machine's total memory (seed 001's `memory_percent`). */
  memoryPercent: number;
}

/** One line of timeline.jsonl. */
export interface Sample {
  /** Wall clock, ms since the epoch. */
  t: number;
  /** Seconds since the session started sampling. */
  elapsedS: number;
  /** Sum of the RSS of every live process of the tree. */
  totalRssBytes: number;
  processes: ProcessSample[];
}

/** Growth attributed to one source line (report.json `lines[]`). */
export interface LineGrowth {
  file: string;
  line: number;
  growthBytes: number;
  growthCount: number;
  bytesPerSecond: number;
  /** Python mode: the process the line grew in (every Python process of the tree is traced). */
  pid?: number;
  /** Its name: multiprocessing's ("Process-1") when it has one, else the sampler's (the script, "app.py"). */
  process?: string;
}

/** Per-process summary: seed 001's before/after/delta/peak row. */
export interface ProcessSummary {
  pid: number;
  ppid: number;
  /**
   * As the user knows it: the script of `python3 app.py` (`app.py`), else the program. Reports written
   * before LeakLens named processes by their command line on Linux hold the executable's name here.
   */
  name: string;
  /** The executable's name (`python3`) when it is not `name`; `compare` matches old reports by it. */
  exe?: string;
  firstSeenS: number;
  lastSeenS: number;
  baselineRssBytes: number;
  finalRssBytes: number;
  deltaBytes: number;
  peakRssBytes: number;
  peakAtS: number;
  growthBytesPerSecond: number;
  /** The interpreter running a Python target: its Python heap's growth rate. */
  heapGrowthBytesPerSecond?: number;
  cpuPeakPercent: number;
  cpuAvgPercent: number;
  samples: number;
  /** A process that ended before the run did: seconds of its last reading (finalRssBytes is that reading). */
  endedS?: number;
}

/** One reading of the Python heap of the interpreter running the target (Python mode). */
export interface HeapPoint {
  elapsedS: number;
  /** sys.getallocatedblocks(): blocks of CPython's object allocator (native malloc not included). */
  blocks: number;
  /** Bytes: tracemalloc's traced total (exact mode) or a census of the objects gc reaches (sampling). */
  bytes?: number;
  source?: 'census' | 'tracemalloc';
  /** Seconds the census took (sampling mode). */
  costS?: number;
}

/** Where the memory grows, from RSS and the Python heap read side by side. */
export type GrowthWhere = 'python-heap' | 'outside-python-heap' | 'both';

/** The Python heap of one process (report.json `heap`). */
export interface HeapSummary {
  pid: number;
  /** How the bytes were measured: tracemalloc (exact mode) or the gc census (sampling mode). */
  source: 'census' | 'tracemalloc';
  /** The heap's own verdict, from its bytes series with the same trend test as RSS. */
  verdict: Verdict;
  baselineBytes: number;
  finalBytes: number;
  peakBytes: number;
  growthBytesPerSecond: number;
  blocksGrowthPerSecond: number;
  /** [elapsedS, bytes or null when no census was taken, blocks] per reading. */
  series: [number, number | null, number][];
}

/** A type whose live objects grew in count across the gc censuses of a Python target (report.json `types`). */
export interface TypeGrowth {
  /** `Frame`, `collections.OrderedDict`, `app.models.Frame` (builtins and __main__ unqualified). */
  type: string;
  /** Instances gained between the second census (after the program's imports) and the last. */
  countGrowth: number;
  /** Shallow bytes (sys.getsizeof of the instances) gained over the same span. */
  bytesGrowth: number;
  /** Live instances and their shallow bytes at the last census. */
  count?: number;
  bytes?: number;
  /**
   * A referrer chain from a root to one instance, root first: `module app` → `.registry (dict)` →
   * `['k'] (list)` → `[3] (Frame)`; roots are a module's globals, a class's attributes or a frame
   * on a thread's stack. Empty when no chain was found (see `retainedNote`), absent when not searched
   * (only the top 3 types are).
   */
  retainedBy?: string[];
  /** Why there is no chain: a cap that stopped the search (objects, steps, time), or no root reached. */
  retainedNote?: string;
}

/** How the growing types were measured. */
export interface TypesCensus {
  pid: number;
  /** gc censuses compared (the first, before the program's imports, is not counted) and their span. */
  censuses: number;
  spanS: number;
  /** CPU seconds the type censuses and chain searches took in the target. */
  costS: number;
}

export interface Report {
  version: 1;
  verdict: Verdict;
  durationSeconds: number;
  baselineRssBytes: number;
  peakRssBytes: number;
  finalRssBytes: number;
  growthBytesPerSecond: number;
  /** Python targets: growth rate of the Python heap (bytes/s), beside the RSS's growthBytesPerSecond. */
  heapGrowthBytesPerSecond?: number;
  /** Python targets: the heap series and its own verdict. */
  heap?: HeapSummary;
  /** When memory grows (verdict leak or inconclusive) and the Python heap was measured: where. */
  growthWhere?: GrowthWhere;
  /** Python targets: the types whose live objects kept growing in count, and what keeps one alive. */
  types?: TypeGrowth[];
  /** No-leak runs whose memory rose and then stayed flat (a bounded cache warming up): level and time. */
  plateau?: { rssBytes: number; fromS: number };
  typesCensus?: TypesCensus;
  processes: ProcessSummary[];
  lines: LineGrowth[];
  /** Where the lines come from: Python sampling windows, exact tracemalloc, heaptrack; none in rss mode. */
  linesBy?: 'sampling' | 'exact' | 'heaptrack';
  notes: string[];
}

/** Thresholds of the verdict; every field has a default (see verdict.ts). */
export interface VerdictOptions {
  /** Seconds ignored at the start (imports, model loading). Default: 20 % of the run, at most 30 s. */
  warmupS?: number;
  /** Slope below which memory counts as flat, bytes/s. Default 16 KiB/s. */
  minSlopeBytesPerS?: number;
  /** Smallest growth over the measured window that can be a leak. Default max(1 MiB, 2 % of baseline). */
  minGrowthBytes?: number;
  /** Kendall's tau the trend must reach (1 = strictly rising). Default 0.5. */
  minTrend?: number;
  /** Fewest post-warm-up samples for any verdict but `inconclusive`. Default 5. */
  minSamples?: number;
  /** Seed 002's per-site rule: growth in % between consecutive snapshots. Default 2. */
  siteThresholdPct?: number;
  /** Seed 002's per-site rule: how many growths in a row. Default 3. */
  siteConsecutive?: number;
  /** Seed 002's size filter: a site must have grown at least this much. Default 1 MiB. */
  minSiteBytes?: number;
}
