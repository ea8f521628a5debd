// Python code that runs once per process: a script's top level and the functions only it calls.
// A file closed by hand in a code generator's main(), or a list filled by a build script, is not
// a leak worth a finding: an exception there ends the process, and nothing runs twice to add up.
// Library code is never "once": any importer may call its functions again.
import type { Node } from 'web-tree-sitter';
import type { RuleContext } from '../rule';
import { python } from '../languages';
import { ancestors, contains, identifiersIn, isKind } from '../tree';

const K = python.kinds;
const LOOPS = new Set([...K.loops, 'list_comprehension', 'generator_expression']);
const MAIN_GUARD = /^if\s+__name__\s*==\s*['"]__main__['"]\s*:/m;

/** A script: run as a program (`if __name__ == "__main__":` or a `#!` line), not imported as a library. */
export function isScript(ctx: RuleContext): boolean {
  return ctx.memo(
    'python.isScript',
    () => ctx.text.startsWith('#!') || MAIN_GUARD.test(ctx.text) || actsAtTopLevel(ctx.root),
  );
}

/**
 * A module whose top level does a program's work (a generator without a main guard): it prints, or
 * reads `sys.argv`, outside any function. Importing it would run it, so nothing imports it.
 */
function actsAtTopLevel(root: Node): boolean {
  for (const s of root.namedChildren) {
    if (!s || /^(function_definition|class_definition|decorated_definition|import|future_import)/.test(s.type))
      continue;
    if (s.type === 'if_statement' || s.type === 'try_statement') continue; // version checks, optional imports
    if (/\bsys\.(argv|exit)\b|^print\s*\(|\bprint\s*\(/.test(s.text) && !/^(\w+\s*=\s*)?lambda\b/.test(s.text))
      return true;
  }
  return false;
}

/**
 * Whether `node` runs at most once per process: at a script's top level (outside loops), or in a
 * top-level function of a script whose every use is a direct call from code that itself runs once.
 */
export function runsOnce(node: Node, ctx: RuleContext): boolean {
  return isScript(ctx) && nodeRunsOnce(node, ctx, new Set(), false);
}

/**
 * Whether `node` runs a bounded number of times per process: like `runsOnce`, but `for` loops and
 * recursion over the script's own data count as bounded (a build script filling a table), and the
 * file need not be a script when everything happens at import. A `while` loop does not.
 */
export function runsBounded(node: Node, ctx: RuleContext): boolean {
  return nodeRunsOnce(node, ctx, new Set(), true);
}

/**
 * `while True: line = f.readline(); if not line: break`: a loop over one input, read to its end. In
 * a script (a code generator, a git hook) that input is finite and read once.
 */
export function readsToEnd(loop: Node): boolean {
  const stmts = loop.childForFieldName('body')?.namedChildren.filter((c) => c?.type !== 'comment') ?? [];
  const read = /^(\w+)\s*=\s*[\w.]*\.(readline|read|recv|read1|readinto)\(.*\)(\.\w+\(.*\))*$/.exec(
    stmts[0]?.text ?? '',
  );
  if (!read) return false;
  // The test may come after the line is trimmed (`line = line.rstrip()`).
  const end = new RegExp(`^if\\s+not\\s+${read[1]}\\s*:\\s*break$`);
  const trim = new RegExp(`^${read[1]}\\s*=\\s*${read[1]}\\.\\w+\\(.*\\)$`);
  for (const s of stmts.slice(1, 4)) {
    if (end.test(s?.text.replace(/\s+/g, ' ') ?? '')) return true;
    if (!trim.test(s?.text ?? '')) return false;
  }
  return false;
}

function nodeRunsOnce(node: Node, ctx: RuleContext, seen: Set<number>, bounded: boolean): boolean {
  for (const a of ancestors(node)) {
    if (bounded ? a.type === 'while_statement' && !(isScript(ctx) && readsToEnd(a)) : LOOPS.has(a.type)) return false;
    if (K.lambdas.has(a.type)) return false;
    if (K.functions.has(a.type)) {
      if (seen.has(a.id)) return bounded; // recursion: over finite data, when bounded
      // Library functions (no main guard) may be called by any importer, any number of times.
      if (!isScript(ctx) && !bounded) return false;
      return ctx.memo(`python.functionRunsOnce.${bounded}.${a.id}`, () =>
        functionRunsOnce(a, ctx, new Set([...seen, a.id]), bounded),
      );
    }
  }
  return true; // the top level
}

function functionRunsOnce(fn: Node, ctx: RuleContext, seen: Set<number>, bounded: boolean): boolean {
  // Functions defined at the top level, and in a script the methods of its top-level classes (not
  // closures handed out as callbacks).
  const method = isScriptMethod(fn, ctx);
  if (fn.parent?.type !== 'module' && !method) return false;
  const nameNode = fn.childForFieldName('name');
  if (!nameNode) return false;
  // A public function of a library module is API: importers call it as often as they like.
  if (!isScript(ctx) && !nameNode.text.startsWith('_')) return false;
  // `__init__` runs once per `KeepassXC(...)`: as often as the class is called.
  const cls = method && nameNode.text === '__init__' ? fn.parent?.parent?.childForFieldName('name') : undefined;
  // Other dunder methods run when Python decides; cmd.Cmd's `do_*` commands as often as the user types them.
  if (!cls && method && (/^__\w+__$/.test(nameNode.text) || /^(do|help|complete)_/.test(nameNode.text))) return false;
  const named = cls ?? nameNode;
  const uses = identifiersIn(ctx.root, named.text).filter((i) => i.id !== named.id);
  if (uses.length === 0) return false; // never called here: someone else calls it
  for (const use of uses) {
    // `self.credential(...)`, `executer.run()`: a method called through its object.
    const callee =
      method && !cls && use.parent?.type === 'attribute' && use.parent.childForFieldName('attribute')?.id === use.id
        ? use.parent
        : use;
    const call = callee.parent;
    // Passed around (`Thread(target=worker)`, `atexit.register(f)`): called who knows how often.
    if (!isKind(call, K.calls) || call.childForFieldName('function')?.id !== callee.id) return false;
    if (!nodeRunsOnce(call, ctx, seen, bounded)) return false;
  }
  return true;
}

/**
 * A method of a class defined at the top level of a script kept with the project's scripts
 * (`examples/dpapi.py`: `class DPAPI: def run(self): ...`). Elsewhere a script's classes are often a
 * library's too (ranger's `rifle.py` runs as a program and is imported by ranger).
 */
function isScriptMethod(fn: Node, ctx: RuleContext): boolean {
  const cls = fn.parent?.type === 'block' ? fn.parent.parent : undefined;
  return (
    cls?.type === 'class_definition' &&
    cls.parent?.type === 'module' &&
    (SCRIPT_DIRS.test(ctx.file) || PROGRAM_WITHOUT_EXTENSION.test(ctx.file)) &&
    isScript(ctx)
  );
}
const SCRIPT_DIRS = /(^|[\\/])(examples?|samples?|demos?|scripts?|bin|tools)[\\/]/i;
/** `qute-keepassxc`, `s3cmd`: a program run by its `#!` line, which no module can import. */
const PROGRAM_WITHOUT_EXTENSION = /(^|[\\/])[^\\/.]+$/;

/** A handler's last statement that ends the process or passes the exception on. */
const HANDLER_ENDS = /^(raise\b|sys\.exit\s*\(|exit\s*\(|quit\s*\(|os\._exit\s*\(|os\.abort\s*\()/;

/**
 * Whether an exception raised at `node` ends the process: `node` is in a script, and no `except` on
 * its way up carries on: none around it in its own function, none around the calls of that function
 * (the callers are the script's own code, up to its top level), unless the handler exits or
 * re-raises. Then a file the exception leaves open is closed a moment later, with the process.
 */
export function exceptionEndsProcess(node: Node, ctx: RuleContext): boolean {
  return isScript(ctx) && endsOnTheWayUp(node, ctx, new Set());
}

function endsOnTheWayUp(node: Node, ctx: RuleContext, visiting: Set<number>): boolean {
  let fn: Node | undefined;
  for (const a of ancestors(node)) {
    if (K.functions.has(a.type)) {
      fn = a;
      break;
    }
    if (a.type !== 'try_statement' || !contains(a.childForFieldName('body') ?? a, node)) continue;
    if (!handlersEnd(a, ctx)) return false;
  }
  if (!fn) return true; // the top level: nothing above it catches
  // A recursive call: its handlers are on this way up already.
  if (visiting.has(fn.id)) return true;
  if (!ctx.memo(`python.calledOnlyDirectly.${fn.id}`, () => calledOnlyDirectly(fn, ctx, new Set()))) return false;
  const name = fn.childForFieldName('name')!;
  visiting.add(fn.id);
  const ends = identifiersIn(ctx.root, name.text)
    .filter((i) => i.id !== name.id)
    .every((use) => endsOnTheWayUp(use, ctx, visiting));
  visiting.delete(fn.id);
  return ends;
}

/** Every handler of the `try` ends the process, re-raises, or is the script's last word. */
function handlersEnd(t: Node, ctx: RuleContext): boolean {
  for (const h of t.namedChildren) {
    if (h?.type !== 'except_clause' && h?.type !== 'except_group_clause') continue;
    const block = h.namedChildren.find((c) => c?.type === 'block');
    const last = block?.namedChildren[block.namedChildren.length - 1];
    if (!last || !(HANDLER_ENDS.test(last.text) || ctx.memo(`python.lastWord.${t.id}`, () => lastWord(t, ctx))))
      return false;
  }
  return true;
}

/**
 * `if __name__ == "__main__": try: main() except Exception as e: logging.error(e)`: a handler with
 * nothing after it. The script's last words: once it has logged the error, the program ends.
 */
function lastWord(statement: Node, ctx: RuleContext): boolean {
  const seen = new Set<number>();
  const ends = (n: Node): boolean => {
    if (seen.has(n.id)) return false;
    seen.add(n.id);
    const after = n.nextNamedSibling;
    if (after && !(after.type === 'comment' && !after.nextNamedSibling) && !HANDLER_ENDS.test(after.text)) return false;
    const block = n.parent;
    if (!block) return false;
    if (block.type === 'module') return true;
    if (block.type !== 'block') return false;
    const owner = block.parent;
    if (!owner) return false;
    if (owner.type === 'if_statement') return ends(owner);
    // An `else`/`elif` branch, or a `try`'s body, ends where its statement ends.
    if (/^(else_clause|elif_clause|finally_clause|except_clause)$/.test(owner.type) && owner.parent)
      return ends(owner.parent);
    if (owner.type === 'try_statement') return ends(owner);
    if (owner.type !== 'function_definition' || owner.parent?.type !== 'module') return false;
    // `def main(): ... try/except` called as the script's own last word.
    const name = owner.childForFieldName('name');
    const calls = name ? identifiersIn(ctx.root, name.text).filter((i) => i.id !== name.id) : [];
    return (
      calls.length > 0 &&
      calls.every((c) => {
        const call = c.parent;
        if (!isKind(call, K.calls) || call.childForFieldName('function')?.id !== c.id) return false;
        const statement = call.parent?.type === 'expression_statement' ? call.parent : undefined;
        return !!statement && ends(statement);
      })
    );
  };
  return ends(statement);
}

/**
 * Whether `fn` (a function or method of the script) is only ever called directly, from code that is
 * itself only called directly or from the top level: an exception in a thread's target or a callback
 * ends that thread or is caught by whoever calls back, not the process.
 */
function calledOnlyDirectly(fn: Node, ctx: RuleContext, seen: Set<number>): boolean {
  const name = fn.childForFieldName('name')?.text;
  if (!name || seen.has(fn.id) || fn.parent?.type === 'decorated_definition') return false;
  seen.add(fn.id);
  const uses = identifiersIn(ctx.root, name).filter((i) => i.id !== fn.childForFieldName('name')!.id);
  if (uses.length === 0) return false;
  for (const use of uses) {
    // `name(...)` or `obj.name(...)`; anything else hands the function to someone who calls it later.
    const callee = use.parent?.type === 'attribute' ? use.parent : use;
    if (callee.parent?.type !== 'call' || callee.parent.childForFieldName('function')?.id !== callee.id) return false;
    const caller = [...ancestors(callee)].find((a) => K.functions.has(a.type));
    if (caller && !calledOnlyDirectly(caller, ctx, seen)) return false;
  }
  return true;
}
