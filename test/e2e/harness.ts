// A tiny test registry for the e2e suite, run inside the real VS Code extension host (node:test and
// mocha are not used: nothing here depends on the host's module loader or on a TTY).
//
//   import * as assert from 'node:assert/strict';
//   import * as vscode from 'vscode';
//   import { suite, test, before, after } from '../harness';
//
//   suite('diagnostics', () => {
//     before(async () => { /* once, before the suite's first test */ });
//     test('publishes a leak', async () => { ... }, { timeout: 30_000 });
//     // (a test registered through the `skip` variant of `test` is reported as skipped)
//     after(() => { /* once, after the suite's last test (also when tests failed) */ });
//   });
//
// Registration is synchronous (at require time). Tests run sequentially in file order (files sorted
// by name), each awaited with a per-test timeout (default 20 s, env LEAKLENS_E2E_TIMEOUT_MS). A test
// fails when it throws / rejects / times out. A failing before() fails every test of its suite.
// Env LEAKLENS_E2E_GREP=<substring> runs only tests whose full name contains it; `a|b` those that
// contain either.

export type TestFn = () => unknown | Promise<unknown>;
export interface TestOptions {
  /** per-test timeout in ms (default 20000 or LEAKLENS_E2E_TIMEOUT_MS) */
  timeout?: number;
}

interface TestCase {
  name: string;
  fn: TestFn;
  timeout?: number;
  skip: boolean;
}
interface Suite {
  name: string;
  parent?: Suite;
  tests: TestCase[];
  children: Suite[];
  before: TestFn[];
  after: TestFn[];
  /** registration order of tests and child suites */
  order: Array<TestCase | Suite>;
}

const newSuite = (name: string, parent?: Suite): Suite => ({
  name,
  parent,
  tests: [],
  children: [],
  before: [],
  after: [],
  order: [],
});

const root: Suite = newSuite('');
let current: Suite = root;

/** Groups tests; `fn` registers tests synchronously. Suites may nest. */
export function suite(name: string, fn: () => void): void {
  const s = newSuite(name, current);
  current.children.push(s);
  current.order.push(s);
  const prev = current;
  current = s;
  try {
    fn();
  } finally {
    current = prev;
  }
}

/** Registers a test in the enclosing suite (or at top level). */
export function test(name: string, fn: TestFn, options: TestOptions = {}): void {
  const t: TestCase = { name, fn, timeout: options.timeout, skip: false };
  current.tests.push(t);
  current.order.push(t);
}
/** Registers a test that is reported as skipped and not run. */
test.skip = (name: string, fn: TestFn, options: TestOptions = {}): void => {
  const t: TestCase = { name, fn, timeout: options.timeout, skip: true };
  current.tests.push(t);
  current.order.push(t);
};

/** Runs once before the first test of the enclosing suite. */
export function before(fn: TestFn): void {
  current.before.push(fn);
}
/** Runs once after the last test of the enclosing suite. */
export function after(fn: TestFn): void {
  current.after.push(fn);
}

export interface RunResult {
  passed: number;
  failed: number;
  skipped: number;
  failures: string[];
}

function defaultTimeout(): number {
  const n = Number(process.env.LEAKLENS_E2E_TIMEOUT_MS);
  return Number.isFinite(n) && n > 0 ? n : 20_000;
}

async function withTimeout(fn: TestFn, ms: number, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      Promise.resolve().then(fn),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}

function fullName(s: Suite, leaf?: string): string {
  const parts: string[] = [];
  for (let p: Suite | undefined = s; p; p = p.parent) if (p.name) parts.unshift(p.name);
  if (leaf !== undefined) parts.push(leaf);
  return parts.join(' > ');
}

function errText(e: unknown): string {
  return e instanceof Error ? (e.stack ?? e.message) : String(e);
}

/** The full name matches LEAKLENS_E2E_GREP: contains it, or one of its `|`-separated parts. */
const selected = (name: string, grep: string) => grep.split('|').some((part) => name.includes(part));

function countSelected(s: Suite, grep: string): number {
  let n = s.tests.filter((t) => selected(fullName(s, t.name), grep)).length;
  for (const c of s.children) n += countSelected(c, grep);
  return n;
}

async function runSuite(
  s: Suite,
  r: RunResult,
  grep: string,
  log: (line: string) => void,
  depth: number,
): Promise<void> {
  if (countSelected(s, grep) === 0) return;
  const indent = '  '.repeat(depth);
  if (s.name) log(`${indent}${s.name}`);
  const inner = s.name ? depth + 1 : depth;
  let setupError: unknown;
  for (const h of s.before) {
    try {
      await withTimeout(h, defaultTimeout(), `before hook of "${fullName(s) || '(root)'}"`);
    } catch (e) {
      setupError = e;
      break;
    }
  }
  for (const item of s.order) {
    if ('order' in item) {
      await runSuite(item, r, grep, log, inner);
      continue;
    }
    const name = fullName(s, item.name);
    if (!selected(name, grep)) continue;
    const pad = '  '.repeat(inner);
    if (item.skip) {
      r.skipped++;
      log(`${pad}- ${item.name} (skipped)`);
      continue;
    }
    const t0 = Date.now();
    try {
      if (setupError !== undefined) throw setupError;
      await withTimeout(item.fn, item.timeout ?? defaultTimeout(), `test "${name}"`);
      r.passed++;
      log(`${pad}ok ${item.name} (${Date.now() - t0} ms)`);
    } catch (e) {
      r.failed++;
      r.failures.push(`${name}\n${errText(e)}`);
      log(`${pad}FAIL ${item.name} (${Date.now() - t0} ms)`);
    }
  }
  for (const h of s.after) {
    try {
      await withTimeout(h, defaultTimeout(), `after hook of "${fullName(s) || '(root)'}"`);
    } catch (e) {
      r.failed++;
      r.failures.push(`after hook of "${fullName(s) || '(root)'}"\n${errText(e)}`);
    }
  }
}

/** Runs everything registered so far. Used by suite/index.ts; test files don't call it. */
export async function runRegistered(log: (line: string) => void = (l) => console.log(l)): Promise<RunResult> {
  const r: RunResult = { passed: 0, failed: 0, skipped: 0, failures: [] };
  await runSuite(root, r, process.env.LEAKLENS_E2E_GREP ?? '', log, 0);
  r.failures.forEach((f, i) => log(`\n${i + 1}) ${f}`));
  return r;
}
