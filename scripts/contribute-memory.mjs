// Merges the "Profile memory" / debug-hook contributions (commands, menus, settings, activation)
// into the CURRENT package.json, key by key, so concurrent edits of other parts are kept.
// Idempotent: run `node scripts/contribute-memory.mjs` after changing the lists below.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const path = join(dirname(fileURLToPath(import.meta.url)), '..', 'package.json');
const pkg = JSON.parse(readFileSync(path, 'utf8'));

const commands = [
  ['leaklens.profileMemory', 'Profile memory', '$(pulse)'],
  ['leaklens.stopProfiling', 'Stop profiling'],
  ['leaklens.openMemoryReport', 'Open memory report'],
  ['leaklens.clearOverlay', 'Clear overlay'],
  ['leaklens.showMemoryTimeline', 'Show memory timeline'],
  ['leaklens.trackAllocations', 'Track allocations in this session'],
  ['leaklens.saveDebugMemoryReport', 'Save this debug session as a memory report'],
];
const palette = [
  { command: 'leaklens.trackAllocations', when: 'inDebugMode' },
  { command: 'leaklens.saveDebugMemoryReport', when: 'inDebugMode || leaklens.debugMemoryData' },
];
const explorer = [{ command: 'leaklens.profileMemory', when: 'resourceExtname == .py', group: 'leaklens' }];
const settings = {
  'leaklens.profile.intervalMs': {
    type: 'number',
    default: 200,
    minimum: 20,
    description: 'Profile memory: sampling interval of RSS (ms).',
  },
  'leaklens.profile.mode': {
    type: 'string',
    enum: ['auto', 'rss', 'python', 'native'],
    default: 'auto',
    markdownDescription:
      'Profile memory: `auto` = `python` for .py targets (per-line growth from tracemalloc sampling windows), `native` (heaptrack) for binaries with debug info, else `rss` (timeline only).',
  },
  'leaklens.profile.exact': {
    type: 'boolean',
    default: false,
    description: 'Profile memory, Python: exact tracemalloc attribution (much slower) instead of sampling windows.',
  },
  'leaklens.profile.durationSeconds': {
    type: 'number',
    default: 0,
    minimum: 0,
    description:
      'Profile memory: stop (and kill the target) after this many seconds; 0 = until it exits or you cancel.',
  },
  'leaklens.profile.outputDirectory': {
    type: 'string',
    default: '.leaklens-profile',
    description: 'Where reports go (report.json, timeline.jsonl, timeline.csv), relative to the workspace folder.',
  },
  'leaklens.profile.openTimeline': {
    type: 'boolean',
    default: true,
    description: 'Open the Memory timeline panel when profiling starts.',
  },
  'leaklens.profile.python': {
    type: 'string',
    default: '',
    description: 'Python interpreter for .py targets (default: python3 on PATH).',
  },
  'leaklens.profile.siteThresholdPct': {
    type: 'number',
    default: 2,
    minimum: 0,
    description: 'A line leaks when it grew more than this % between snapshots…',
  },
  'leaklens.profile.siteConsecutive': {
    type: 'number',
    default: 3,
    minimum: 1,
    description: '…this many times in a row.',
  },
  'leaklens.debug.memoryHook': {
    type: 'boolean',
    default: true,
    markdownDescription:
      'Watch the memory of every debugged program (RSS in the status bar, growth per breakpoint hit on the source line). Never active in untrusted workspaces.',
  },
  'leaklens.debug.intervalMs': {
    type: 'number',
    default: 250,
    minimum: 50,
    description: 'Debug hook: RSS sampling interval of the debuggee (ms).',
  },
  'leaklens.debug.minGrowthPerHit': {
    type: 'number',
    default: 65536,
    minimum: 0,
    description: 'Debug hook: smallest median growth per breakpoint hit (bytes) shown on the line.',
  },
};

const c = (pkg.contributes ??= {});
c.commands ??= [];
for (const [command, title, icon] of commands) {
  const entry = { command, title, category: 'LeakLens', ...(icon ? { icon } : {}) };
  const i = c.commands.findIndex((x) => x.command === command);
  if (i >= 0) c.commands[i] = entry;
  else c.commands.push(entry);
}
c.menus ??= {};
const mergeMenu = (name, items) => {
  c.menus[name] ??= [];
  for (const it of items) {
    const i = c.menus[name].findIndex((x) => x.command === it.command);
    if (i >= 0) c.menus[name][i] = it;
    else c.menus[name].push(it);
  }
};
mergeMenu('commandPalette', palette);
mergeMenu('explorer/context', explorer);
c.configuration ??= { title: 'LeakLens', properties: {} };
c.configuration.properties ??= {};
Object.assign(c.configuration.properties, settings);
pkg.activationEvents ??= [];
for (const ev of ['onDebug', 'onDebugAdapterProtocolTracker'])
  if (!pkg.activationEvents.includes(ev)) pkg.activationEvents.push(ev);

writeFileSync(path, JSON.stringify(pkg, null, 2) + '\n');
console.log('package.json: memory profiling contributions merged');
