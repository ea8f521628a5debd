// Code that runs once per invocation and then exits: build and release scripts, code generators,
// model converters, benchmarks, vendored build systems (waf). A file left open on an error return,
// or a table a generator fills, is reclaimed when the process exits a moment later: reviewers of
// real projects judged every such finding a false alarm. What still adds up there is a leak per
// iteration of a loop (a converter run over many inputs), so acquisitions inside a loop are kept.
import { existsSync } from 'node:fs';
import { join, sep } from 'node:path';
import type { Node } from 'web-tree-sitter';
import type { RuleContext } from './rule';
import { isCTestFile } from './test-code';

/**
 * Long-running programs keep their findings wherever they live (`tools/server.c`, `scripts/daemon.py`,
 * youtube-dl's `devscripts/buildserver.py`; not an `observer.py`).
 */
const LONG_RUNNING_FILE = /(^|[_-])(server|daemon|service|worker)s?\.\w+$|[a-z](?<!ob)server\.\w+$/i;
const SCRIPT_FILES = new Set(['setup.py', 'noxfile.py', 'fabfile.py', 'dodo.py']);
/**
 * A project's documentation (listings, build helpers run once by hand or by Sphinx), its maintainers'
 * scripts (youtube-dl's `devscripts/`) and contributed scripts outside the package (`contrib/`, where a
 * C project keeps libraries): reviewers judged all six findings there false alarms.
 */
const PYTHON_ONE_SHOT_DIRS = ['docs', 'doc', 'devscripts', 'contrib'];

/**
 * Whether `file` lives in one of the configured one-shot folders (matched by name, case-insensitively,
 * anywhere in its path) or is a build script. A folder inside a Python package is importable
 * library code (`mitmproxy/tools/console/`), not a script folder.
 */
export function isOneShotFile(file: string, oneShotDirs: readonly string[]): boolean {
  const parts = file.split(/[\\/]/);
  const name = parts[parts.length - 1] ?? '';
  if (LONG_RUNNING_FILE.test(name)) return false;
  if (SCRIPT_FILES.has(name)) return true;
  // Sphinx's docs/conf.py: read once per docs build.
  if (name === 'conf.py' && parts.slice(-4, -1).some((d) => /^docs?$/i.test(d))) return true;
  if (oneShotDirs.length === 0) return false;
  // A C or C++ test program runs each test once and exits (test servers excepted): reviewers judged
  // 55 of 57 findings there false alarms; a leak per iteration of a loop still adds up.
  if (/\.(c|cc|cpp|cxx|c\+\+|h|hh|hpp)$/i.test(name) && isCTestFile(file)) return true;
  const python = name.endsWith('.py');
  const names = new Set([...oneShotDirs, ...(python ? PYTHON_ONE_SHOT_DIRS : [])].map((d) => d.toLowerCase()));
  for (let i = parts.length - 2; i >= 0; i--) {
    if (!names.has(parts[i].toLowerCase())) continue;
    // A package's `scripts/` holds its command-line subcommands (`buildbot create-master`): each run
    // once per invocation, like a top-level scripts folder.
    if (python && parts[i].toLowerCase() === 'scripts' && names.has('scripts')) return true;
    // A package inside a package (`mitmproxy/tools/`) is the library's own code; a top-level one
    // (vendored `waflib/`, a repo's `tools/` package) is still the build's.
    const parent = parts.slice(0, i).join(sep);
    if (python && parent && existsSync(join(parent, '__init__.py'))) return false;
    return true;
  }
  return false;
}

const LOOP_TYPES = new Set([
  'for_statement',
  'for_range_loop',
  'while_statement',
  'do_statement',
  'list_comprehension',
  'generator_expression',
  'set_comprehension',
  'dictionary_comprehension',
]);

function isIterable(loop: Node, child: Node): boolean {
  if (loop.type === 'for_statement' || loop.type === 'for_range_loop')
    return loop.childForFieldName('right')?.id === child.id;
  // The first `for ... in X` of a comprehension: X is evaluated once.
  if (child.type === 'for_in_clause')
    return loop.namedChildren.find((c) => c?.type === 'for_in_clause')?.id === child.id;
  return false;
}

/**
 * Whether a finding at `node` is not worth reporting because its code runs once: in a one-shot
 * file, and not inside a loop of its own function.
 */
export function reclaimedAtExit(node: Node, ctx: RuleContext): boolean {
  if (!ctx.memo('oneShotFile', () => isOneShotFile(ctx.file, ctx.config.oneShotDirs))) return false;
  let child = node;
  for (let a = node.parent; a; child = a, a = a.parent) {
    // What a loop iterates over is evaluated once (`for l in open(p).readlines()`); its body is not.
    if (LOOP_TYPES.has(a.type) && !isIterable(a, child)) return false;
    if (/^(function_definition|lambda|lambda_expression)$/.test(a.type)) break;
  }
  return true;
}
