// RAII quick-fixes for raw-c-resource, as text edits:
// - a pointer from `T* p = acquire(...)` becomes `std::unique_ptr<T, Deleter> p(acquire(...), ...)`,
//   raw uses become `p.get()`, manual releases go (or become `p.reset()` where timing matters);
// - a struct initialised in place (`WebPPictureInit(&pic)`) or an out-parameter handle
//   (`sqlite3_open(path, &db)`) gets a scope guard right after the acquisition, and the manual
//   releases go. The guard type is written once into the file; no external library.
import type { Node } from 'web-tree-sitter';
import type { RuleContext } from '../rule';
import { borrowsHandle } from '../flow/c-ownership';
import type { ResourcePair } from '../resources';
import { ancestors, findAll, indentOf, wholeLineSpan } from '../tree';
import type { Fix, TextEdit } from '../types';

/**
 * The acquisition the fix rewrites, as raw-c-resource describes it. Declared here, not imported from
 * the rule: a rule imports its fixes, never the other way round (no import cycle).
 */
export interface Acquisition {
  pair: ResourcePair;
  /** The variable that holds the resource. */
  name: string;
  /** The statement (child of a block) containing the acquisition. */
  statement: Node;
  func: Node;
  /** The declaration of `name` when the acquisition initialises it (`T* p = acquire()`). */
  declaration?: Node;
}

export const SCOPE_GUARD_MARKER = 'LEAKLENS_SCOPE_GUARD';
/** An owner declaration longer than this (columns) gets a local `using` alias for its type. */
const LONG_DECLARATION = 100;

export function raiiFixes(ctx: RuleContext, acq: Acquisition, releases: Node[]): Fix[] {
  // `std::unique_ptr` and scope guards are C++: a `.c` file (or a header with no C++ in it, which C
  // sources include) would no longer compile.
  if (ctx.plainC || (/\.h$/i.test(ctx.file) && !CPP_MARKERS.test(ctx.text))) return [];
  try {
    const fix = acq.pair.kind === 'returns' ? uniquePtrFix(ctx, acq, releases) : scopeGuardFix(ctx, acq, releases);
    return fix ? [fix] : [];
  } catch {
    return []; // a shape we do not rewrite safely: the finding stands without a fix
  }
}

/** Something only C++ has: a header with none of it is (also) C. */
export const CPP_MARKERS = /\b(class|namespace|template|typename|nullptr|constexpr|std::)\b|::/;

function uniquePtrFix(ctx: RuleContext, acq: Acquisition, releases: Node[]): Fix | undefined {
  const decl = acq.declaration;
  if (!decl || decl.type !== 'declaration') return undefined;
  const inits = decl.namedChildren.filter((c) => c?.type === 'init_declarator');
  if (
    inits.length !== 1 ||
    decl.namedChildren.some((c) => c?.type === 'type_qualifier' || c?.type === 'storage_class_specifier')
  )
    return undefined;
  const init = inits[0]!;
  const declarator = init.childForFieldName('declarator');
  const value = init.childForFieldName('value');
  const typeNode = decl.childForFieldName('type');
  if (!declarator || !value || !typeNode) return undefined;
  let element: string;
  if (typeNode.text === 'auto') {
    if (declarator.type !== 'identifier' && declarator.type !== 'pointer_declarator') return undefined;
    element = `std::remove_pointer_t<decltype(${value.text})>`;
  } else {
    if (declarator.type !== 'pointer_declarator' || declarator.namedChildren.some((c) => c?.type === 'type_qualifier'))
      return undefined;
    const stars = (declarator.text.match(/\*/g) ?? []).length;
    element = typeNode.text + '*'.repeat(stars - 1);
  }
  const releaseName = acq.pair.release[0];
  if (releases.some((r) => (r.childForFieldName('arguments')?.namedChildCount ?? 0) !== 1)) return undefined;
  const edits: TextEdit[] = [];
  const byValue = acq.pair.releaseArg === 'value';
  // A release taking `T**` (av_frame_free) needs a deleter type that passes the pointer's address.
  const deleterType = byValue ? `decltype(&${releaseName})` : `${pascal(releaseName)}Deleter`;
  const deleterArg = byValue ? `, &${releaseName}` : '';
  // Written once before the function: a deleter struct for releases that take `T**`.
  const eol = ctx.lines.eol();
  let prelude = '';
  let aliasLine = '';
  if (!byValue) {
    if (!new RegExp(`struct\\s+${deleterType}\\b`).test(ctx.text)) {
      prelude += `struct ${deleterType} {${eol}  void operator()(${element}* p) const { ${releaseName}(&p); }${eol}};${eol}${eol}`;
    }
  }
  let ownerType = `std::unique_ptr<${element}, ${deleterType}>`;
  // A long owner declaration gets a local alias for its type on the line above: in the function's own
  // scope (its element type is visible there) and never clashing with another function's.
  const line = `${indentOf(ctx.text, decl.startIndex)}${ownerType} ${declaratorName(declarator)}(${value.text}${deleterArg});`;
  if (typeNode.text !== 'auto' && line.length > LONG_DECLARATION) {
    const alias = `${pascal(declaratorName(declarator))}Owner`;
    if (!new RegExp(`\\b${alias}\\b`).test(acq.func.text)) {
      aliasLine = `using ${alias} = ${ownerType};${eol}${indentOf(ctx.text, decl.startIndex)}`;
      ownerType = alias;
    }
  }
  if (prelude) {
    const top = topLevelAncestor(acq.func);
    edits.push({ start: top.startIndex, end: top.startIndex, newText: prelude });
  }
  // Every later raw use of the variable needs the pointer: `p` -> `p.get()`.
  const uses = findAll(acq.func, 'identifier', (n) => n.text === acq.name && n.startIndex > decl.endIndex);
  const applicability = handedToCalls(uses, releases, acq) ? 'unsafe' : 'safe';
  for (const use of uses) {
    if (releases.some((r) => r.startIndex <= use.startIndex && use.endIndex <= r.endIndex)) continue;
    const parent = use.parent!;
    if (parent.type === 'assignment_expression' && parent.childForFieldName('left')?.id === use.id) {
      if (!/^(NULL|nullptr|0)$/.test(parent.childForFieldName('right')?.text ?? '')) return undefined;
      continue; // `p = NULL;` still compiles on a unique_ptr
    }
    if (parent.type === 'pointer_expression' && parent.text.startsWith('&')) return undefined;
    if ([...ancestors(use)].some((a) => a.type === 'lambda_expression')) return undefined;
    if (parent.type === 'field_expression' && parent.childForFieldName('argument')?.id === use.id) {
      if (parent.child(1)?.text === '->') continue; // unique_ptr has operator->
      return undefined;
    }
    if (parent.type === 'call_expression' && parent.childForFieldName('function')?.id === use.id) return undefined;
    if (testedAsPointer(use)) continue; // `!p`, `if (p)`, `p == nullptr` read as well on a unique_ptr
    edits.push({ start: use.endIndex, end: use.endIndex, newText: '.get()' });
  }
  for (const release of releases) {
    const statement = release.parent;
    if (statement?.type !== 'expression_statement') return undefined;
    if (endsItsScope(statement, acq) || beforePlainReturn(statement, acq)) {
      const line = wholeLineSpan(ctx.text, statement);
      edits.push(
        line ? { ...line, newText: '' } : { start: statement.startIndex, end: statement.endIndex, newText: '' },
      );
    } else {
      edits.push({ start: statement.startIndex, end: statement.endIndex, newText: `${acq.name}.reset();` });
    }
  }
  const name = declaratorName(declarator);
  edits.push({
    start: decl.startIndex,
    end: decl.endIndex,
    newText: `${aliasLine}${ownerType} ${name}(${value.text}${deleterArg});`,
  });
  edits.push(...includeEdit(ctx, 'memory'));
  return {
    title: `Own \`${name}\` with std::unique_ptr<${element}, ${deleterType}>`,
    isPreferred: true,
    applicability,
    edits,
  };
}

function scopeGuardFix(ctx: RuleContext, acq: Acquisition, releases: Node[]): Fix | undefined {
  const edits: TextEdit[] = [];
  for (const release of releases) {
    const statement = release.parent;
    if (statement?.type !== 'expression_statement') return undefined;
    // The guard is scoped to the acquisition's block: every release must lie inside it.
    if (!(
      acq.statement.parent!.startIndex <= statement.startIndex && statement.endIndex <= acq.statement.parent!.endIndex
    ))
      return undefined;
    const line = wholeLineSpan(ctx.text, statement);
    edits.push(line ? { ...line, newText: '' } : { start: statement.startIndex, end: statement.endIndex, newText: '' });
  }
  const releaseText =
    releases[0]?.text ?? `${acq.pair.release[0]}(${acq.pair.releaseArg === 'address' ? '&' : ''}${acq.name})`;
  const eol = ctx.lines.eol();
  const indent = indentOf(ctx.text, acq.statement.startIndex);
  const guardName = `${acq.name}_guard`;
  if (new RegExp(`\\b${guardName}\\b`).test(acq.func.text)) return undefined;
  edits.push({
    start: acq.statement.endIndex,
    end: acq.statement.endIndex,
    newText: `${eol}${indent}leaklens::ScopeGuard ${guardName}([&] { ${releaseText}; });`,
  });
  if (!ctx.text.includes(SCOPE_GUARD_MARKER)) {
    const at = afterIncludes(ctx);
    edits.push({ start: at, end: at, newText: scopeGuardDefinition(eol) });
  }
  const uses = findAll(acq.func, 'identifier', (n) => n.text === acq.name && n.startIndex > acq.statement.endIndex);
  const applicability = handedToCalls(uses, releases, acq) ? 'unsafe' : 'safe';
  return { title: `Release \`${acq.name}\` on every exit with a scope guard`, isPreferred: true, applicability, edits };
}

/**
 * A handle passed to a call other than its release may be kept by the callee (a list that adopts
 * it, a struct that stores it): releasing it at scope exit would then free it under the keeper, so
 * such a rewrite is only offered, never applied by `--fix`.
 */
function handedToCalls(uses: Node[], releases: Node[], acq: Acquisition): boolean {
  return uses.some((use) => {
    if (releases.some((r) => r.startIndex <= use.startIndex && use.endIndex <= r.endIndex)) return false;
    let inner: Node = use;
    for (const a of ancestors(use)) {
      // `writer.mem`, `p->data`, `p[i]`: a value read out of the resource is passed, not the handle.
      if ((a.type === 'field_expression' || a.type === 'subscript_expression') && a.child(0)?.id === inner.id)
        return false;
      inner = a;
      if (a.type === 'argument_list') {
        const callee = a.parent?.type === 'call_expression' ? a.parent.childForFieldName('function')?.text : undefined;
        return !callee || !borrowsHandle(callee, acq.pair);
      }
      if (/statement$|declaration$|^compound_statement$/.test(a.type)) return false;
    }
    return false;
  });
}

/** Written once per file. std::function keeps it valid C++11 and non-copyable (no double release). */
export function scopeGuardDefinition(eol: string): string {
  return [
    '',
    `#ifndef ${SCOPE_GUARD_MARKER}`,
    `#define ${SCOPE_GUARD_MARKER}`,
    '#include <functional>',
    'namespace leaklens {',
    '// Runs a release on every exit from the enclosing scope (inserted by LeakLens).',
    'class ScopeGuard {',
    ' public:',
    '  explicit ScopeGuard(std::function<void()> release) : release_(std::move(release)) {}',
    '  ScopeGuard(const ScopeGuard&) = delete;',
    '  ScopeGuard& operator=(const ScopeGuard&) = delete;',
    '  ~ScopeGuard() { release_(); }',
    '',
    ' private:',
    '  std::function<void()> release_;',
    '};',
    '}  // namespace leaklens',
    `#endif  // ${SCOPE_GUARD_MARKER}`,
    '',
  ].join(eol);
}

/** A release that is the last thing its function does (only returns follow) can simply go. */
function endsItsScope(statement: Node, acq: Acquisition): boolean {
  if (statement.parent?.id !== acq.func.id) return false;
  for (let s = statement.nextNamedSibling; s; s = s.nextNamedSibling) {
    if (s.type !== 'return_statement' && s.type !== 'comment') return false;
    if (findAll(s, 'identifier', (n) => n.text === acq.name).length) return false;
  }
  return true;
}

/** A use that only tests the pointer: unique_ptr's explicit bool and its comparisons with nullptr do the same. */
function testedAsPointer(use: Node): boolean {
  const parent = use.parent!;
  if (parent.type === 'unary_expression' && parent.child(0)?.text === '!') return true;
  if (parent.type === 'condition_clause' && parent.namedChildren.length === 1) return true;
  if (parent.type === 'binary_expression' && /^[!=]=$/.test(parent.child(1)?.text ?? '')) {
    const other =
      parent.childForFieldName('left')?.id === use.id
        ? parent.childForFieldName('right')
        : parent.childForFieldName('left');
    return other?.type === 'null' || other?.text === 'nullptr';
  }
  if (
    (parent.type === 'binary_expression' && /^(&&|\|\|)$/.test(parent.child(1)?.text ?? '')) ||
    (parent.type === 'conditional_expression' && parent.childForFieldName('condition')?.id === use.id)
  ) {
    return true; // contextual conversion to bool
  }
  return false;
}

/**
 * A release right before a `return` whose value does not need the resource gone first (no call, no
 * use of it): the owner's destructor releases it at that return, so the statement just goes rather
 * than becoming a redundant `p.reset()`.
 */
function beforePlainReturn(statement: Node, acq: Acquisition): boolean {
  let next = statement.nextNamedSibling;
  while (next?.type === 'comment') next = next.nextNamedSibling;
  if (next?.type !== 'return_statement') return false;
  const value = next.namedChild(0);
  if (!value) return true;
  return !findAll(value, 'call_expression').length && !findAll(value, 'identifier', (n) => n.text === acq.name).length;
}

/** Offset just after the last top-level #include (or 0), where helpers and includes go. */
function afterIncludes(ctx: RuleContext): number {
  const includes = ctx.root.namedChildren.filter((c) => c?.type === 'preproc_include');
  const last = includes[includes.length - 1];
  if (!last) return 0;
  // The include node owns its line break; insert before it (before "\r\n" in CRLF files).
  let end = last.endIndex;
  if (ctx.text[end - 1] === '\n') end--;
  if (ctx.text[end - 1] === '\r') end--;
  return end;
}

/** `#include <header>` unless the file has it. */
export function includeEdit(ctx: RuleContext, header: string): TextEdit[] {
  if (new RegExp(`#\\s*include\\s*<${header}>`).test(ctx.text)) return [];
  const eol = ctx.lines.eol();
  // Among the system headers, in name order when they are sorted: where a person would put it.
  const system = ctx.root.namedChildren.filter(
    (c) => c?.type === 'preproc_include' && c.childForFieldName('path')?.type === 'system_lib_string',
  ) as Node[];
  if (system.length) {
    const names = system.map((c) => c.childForFieldName('path')!.text.slice(1, -1));
    const sortedAlready = names.every((n, i) => i === 0 || names[i - 1] <= n);
    const after = sortedAlready ? system.find((_c, i) => names[i] > header) : undefined;
    if (after) return [{ start: after.startIndex, end: after.startIndex, newText: `#include <${header}>${eol}` }];
    let end = system[system.length - 1].endIndex;
    if (ctx.text[end - 1] === '\n') end--;
    if (ctx.text[end - 1] === '\r') end--;
    return [{ start: end, end, newText: `${eol}#include <${header}>` }];
  }
  const at = afterIncludes(ctx);
  return [{ start: at, end: at, newText: at === 0 ? `#include <${header}>${eol}` : `${eol}#include <${header}>` }];
}

function topLevelAncestor(node: Node): Node {
  let top = node;
  for (const a of ancestors(node)) {
    if (a.type === 'translation_unit') break;
    top = a;
  }
  // Keep template<> and namespace wrappers intact: insert before the outermost declaration.
  return top;
}

function declaratorName(decl: Node): string {
  let n: Node | null = decl;
  while (n && n.type !== 'identifier') n = n.childForFieldName('declarator') ?? n.namedChild(0);
  return n?.text ?? '';
}

function pascal(name: string): string {
  return name
    .split(/_+/)
    .filter(Boolean)
    .map((p) => p[0].toUpperCase() + p.slice(1))
    .join('');
}
