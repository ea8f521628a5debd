// Incremental analysis for the editor. After an edit, the rules run again only over what the edit
// can change: the top-level definitions it touched, the definitions linked to those by name (callers
// that name a changed function, functions a changed one names), and the file's code outside any
// definition (imports, module-level tables, globals), which is small. Findings inside the other
// definitions are kept, moved with the text; whole-file rules keep theirs when no edited definition
// holds what they read (`affectedBy`). An edit outside every definition and comment (an #include, an
// import, a module-level statement), of a suppression comment, or of a line holding a whole-file
// fact a rule declares (`fileFacts`) re-analyses the whole file.
//
// What a rule could read from the whole file without declaring it can leave a kept finding stale
// until the full analysis the editor runs once typing pauses (analysis-worker.ts).
import type { Node, Tree } from 'web-tree-sitter';
import type { DefinitionLayout } from './languages';
import type { LineIndex } from './location';
import type { Finding, Location, Span } from './types';

/** A top-level definition: where it is and the names other code calls it by. */
export interface Definition extends Span {
  names: string[];
}

export interface FileLayout {
  /** Top-level definitions in text order (inside namespaces, `extern "C"` and `#ifdef` blocks too). */
  definitions: Definition[];
  /** The top-level code outside every definition, adjacent nodes merged. */
  outside: Span[];
  /** Top-level comments: editing their text changes no finding (suppression comments aside). */
  comments: Span[];
}

/**
 * The file's top-level definitions, the code outside them and its top-level comments. Walked with a
 * cursor (no node objects for the hundreds of top-level children); with `reuse`, a definition at the
 * same place as an untouched one of the previous layout keeps that one's names.
 */
export function fileLayout(
  root: Node,
  layout: DefinitionLayout,
  reuse?: { previous: FileLayout; steps: readonly EditStep[] },
): FileLayout {
  const definitions: Definition[] = [];
  const outside: Span[] = [];
  const comments: Span[] = [];
  let known: Map<string, string[]> | undefined;
  if (reuse) {
    known = new Map();
    for (const d of reuse.previous.definitions) {
      if (touched(reuse.steps, d)) continue;
      const start = mapOffset(reuse.steps, d.start);
      const end = mapOffset(reuse.steps, d.end);
      if (start !== undefined && end !== undefined) known.set(`${start}:${end}`, d.names);
    }
  }
  const cursor = root.walk();
  const visit = () => {
    if (!cursor.gotoFirstChild()) return;
    do {
      if (!cursor.nodeIsNamed) continue;
      const type = cursor.nodeType;
      const start = cursor.startIndex;
      const end = cursor.endIndex;
      if (layout.definitions.has(type)) {
        const names = known?.get(`${start}:${end}`) ?? layout.names(cursor.currentNode);
        definitions.push({ start, end, names });
      } else if (layout.containers.has(type)) {
        visit();
      } else if (type === 'comment') {
        comments.push({ start, end });
      } else {
        // Merged with the previous stretch when no definition lies between them.
        const last = outside[outside.length - 1];
        const lastDef = definitions[definitions.length - 1];
        if (last && (!lastDef || lastDef.end <= last.start)) last.end = end;
        else outside.push({ start, end });
      }
    } while (cursor.gotoNextSibling());
    cursor.gotoParent();
  };
  try {
    visit();
  } finally {
    cursor.delete();
  }
  return { definitions, outside, comments };
}

/**
 * The layout after an edit that stayed inside one definition or one top-level comment (`spans`: what
 * it wrote and where the trees differ, all within it): the previous layout moved, that definition's
 * names read again. No walk over the top-level nodes. Undefined when the edit reached anything else.
 */
export function editedLayout(
  previous: FileLayout,
  steps: readonly EditStep[],
  spans: readonly Span[],
  root: Node,
  layout: DefinitionLayout,
): FileLayout | undefined {
  let edited: { list: Span[]; index: number } | undefined;
  const moveAll = <T extends Span>(from: readonly T[]): T[] | undefined => {
    const to: T[] = [];
    for (const x of from) {
      const start = mapOffset(steps, x.start);
      const end = mapOffset(steps, x.end);
      if (start === undefined || end === undefined) return undefined; // an edge of it was replaced
      if (touched(steps, x)) {
        if (edited) return undefined; // a second element
        edited = { list: to, index: to.length };
      }
      to.push({ ...x, start, end });
    }
    return to;
  };
  const definitions = moveAll(previous.definitions);
  const comments = definitions && moveAll(previous.comments);
  const outside = comments && moveAll(previous.outside);
  if (!definitions || !comments || !outside || !edited || edited.list === outside) return undefined;
  const at = edited.list[edited.index];
  if (!spans.every((s) => s.start > at.start && s.end <= at.end)) return undefined;
  // The tree must still have a definition (or a comment) exactly there.
  const wanted = (type: string) => (edited!.list === comments ? type === 'comment' : layout.definitions.has(type));
  let node: Node | null = root.descendantForIndex(at.start, at.end);
  while (node && node.startIndex === at.start && node.endIndex === at.end && !wanted(node.type)) node = node.parent;
  if (!node || node.startIndex !== at.start || node.endIndex !== at.end) return undefined;
  if (edited.list === definitions)
    definitions[edited.index] = { ...definitions[edited.index], names: layout.names(node) };
  return { definitions, outside, comments };
}

/** One change, in the coordinates of the text before it: [start, oldEnd) became [start, newEnd). */
export interface EditStep {
  start: number;
  oldEnd: number;
  newEnd: number;
}

/** Where `offset` of the text before `steps` is after them; undefined when a step replaced it. */
function mapOffset(steps: readonly EditStep[], offset: number): number | undefined {
  let x = offset;
  for (const s of steps) {
    if (x < s.start) continue;
    if (x >= s.oldEnd && (x > s.start || s.start === s.oldEnd)) x += s.newEnd - s.oldEnd;
    else return undefined;
  }
  return x;
}

/** The spans of the final text that `steps` wrote, merged where later steps overlapped earlier ones. */
export function writtenSpans(steps: readonly EditStep[]): Span[] {
  let spans: Span[] = [];
  for (const s of steps) {
    const delta = s.newEnd - s.oldEnd;
    const next: Span[] = [];
    let merged: Span = { start: s.start, end: s.newEnd };
    for (const sp of spans) {
      if (sp.end < s.start) next.push(sp);
      else if (sp.start > s.oldEnd) next.push({ start: sp.start + delta, end: sp.end + delta });
      else
        merged = {
          start: Math.min(merged.start, sp.start),
          end: Math.max(merged.end, sp.end >= s.oldEnd ? sp.end + delta : s.newEnd),
        };
    }
    next.push(merged);
    spans = next.sort((a, b) => a.start - b.start);
  }
  return spans;
}

/** Whether the old span [start, end] (closed: an insertion at its edge counts) meets a step. */
function touched(steps: readonly EditStep[], span: Span): boolean {
  let { start, end } = span;
  for (const s of steps) {
    if (s.start <= end && s.oldEnd >= start) return true;
    if (s.start > end) continue;
    start += s.newEnd - s.oldEnd;
    end += s.newEnd - s.oldEnd;
  }
  return false;
}

export interface IncrementalInput {
  oldText: string;
  oldLines: LineIndex;
  oldLayout: FileLayout;
  newText: string;
  newLayout: FileLayout;
  steps: readonly EditStep[];
  /** Where the syntax trees differ (`Tree.getChangedRanges`), in the new text. */
  changedRanges: readonly Span[];
  /** The previous analysis's findings (old text). */
  previous: readonly Finding[];
  /**
   * Rules whose findings depend on the whole file (`dependsOn: 'file'`), each with what an edited
   * definition must contain for its findings to change (`affectedBy`; undefined: anything).
   */
  wholeFile: ReadonlyMap<string, RegExp | undefined>;
  newLines: LineIndex;
  /**
   * Whether an edit touched a line with a suppression comment (`leaklens-ignore`, `# noqa: SIM115`), or changed a
   * whole-file fact a rule reads (`fileFacts` of the edited lines, before and after).
   */
  factsEdited: boolean;
  /** Past this share of the definitions, analysing everything is simpler and hardly slower. */
  maxShare?: number;
}

export interface IncrementalPlan {
  /** Where the rules run again: the dirty definitions and the code outside every definition. */
  spans: Span[];
  /** Old findings that still hold, moved into the new text. */
  keep: Finding[];
  /** Whole-file rules the edit cannot affect: they do not run, their old findings are kept. */
  unaffected: Set<string>;
  /** How many of the file's definitions are analysed again, of how many. */
  dirty: number;
  definitions: number;
}

const WORD = /[A-Za-z_]\w*/g;
const LINE_NUMBER = /\blines? \d/;

/**
 * `span` without the blanks at its ends; undefined when it is all blank (a blank line typed between
 * definitions). Where blanks matter (Python's indentation) the trees differ, and changedRanges says so.
 */
function trimBlank(text: string, span: Span): Span | undefined {
  let { start, end } = span;
  while (start < end && /\s/.test(text[start])) start++;
  while (end > start && /\s/.test(text[end - 1])) end--;
  if (start === end) return span.start === span.end ? span : undefined;
  return { start, end };
}

/** The index of the span of `defs` (sorted, disjoint) that holds `span`, or -1. */
function inside(defs: readonly Span[], span: Span, endInclusive = false): number {
  // Binary search for the last definition starting at or before span.start.
  let lo = 0;
  let hi = defs.length - 1;
  let at = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (defs[mid].start <= span.start) {
      at = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (at < 0) return -1;
  const d = defs[at];
  const within =
    span.start === span.end
      ? d.start < span.start && (span.start < d.end || (endInclusive && span.start === d.end))
      : span.end <= d.end;
  return within ? at : -1;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * What to analyse again after `steps`, and which old findings to keep; undefined when the whole file
 * must be analysed (an edit outside the definitions, or one that reaches most of them).
 */
export function planIncremental(input: IncrementalInput): IncrementalPlan | undefined {
  const { oldLayout, newLayout, steps, newText, oldText } = input;
  const defs = newLayout.definitions;
  if (defs.length === 0) return undefined;
  const changed = new Set<number>();
  // A finding a suppression hid may be back, or every finding may read the fact: analyse everything.
  if (input.factsEdited) return undefined;
  // The code outside definitions (includes, imports, globals) must be the same code: an edit that
  // swallowed an #include into a function (an unclosed brace) changed it without touching it.
  if (outsideText(oldText, oldLayout) !== outsideText(newText, newLayout)) return undefined;
  const written = writtenSpans(steps)
    .map((w) => trimBlank(newText, w))
    .filter((w): w is Span => w !== undefined);
  for (const span of [...written, ...input.changedRanges]) {
    const at = inside(defs, span);
    if (at >= 0) changed.add(at);
    // Outside every definition anything may depend on it, unless it is the text of a comment.
    else if (inside(newLayout.comments, span, true) < 0) return undefined;
  }
  // The names changed definitions define, before and after the edit, and the names they mention.
  const defined = new Set<string>();
  const mentioned = new Set<string>();
  const changedTexts: string[] = [];
  const note = (text: string, names: readonly string[]) => {
    changedTexts.push(text);
    for (const n of names) defined.add(n);
    for (const w of text.match(WORD) ?? []) mentioned.add(w);
  };
  for (const i of changed) note(newText.slice(defs[i].start, defs[i].end), defs[i].names);
  for (const d of oldLayout.definitions) if (touched(steps, d)) note(oldText.slice(d.start, d.end), d.names);
  // A whole-file rule keeps its findings when no changed definition, before or after, holds what it reads.
  const unaffected = new Set<string>();
  for (const [id, affectedBy] of input.wholeFile)
    if (affectedBy && !changedTexts.some((t) => affectedBy.test(t))) unaffected.add(id);
  const dirty = new Set(changed);
  // Definitions a changed one names (the helper it now calls), by their names.
  defs.forEach((d, i) => {
    if (d.names.some((n) => mentioned.has(n))) dirty.add(i);
  });
  // Definitions that name a changed one (its callers).
  if (defined.size) {
    const re = new RegExp(`\\b(?:${[...defined].map(escape).join('|')})\\b`, 'g');
    for (const m of newText.matchAll(re)) {
      const at = inside(defs, { start: m.index!, end: m.index! + m[0].length });
      if (at >= 0) dirty.add(at);
    }
  }
  // Kept findings move with the text; a finding that points into re-analysed code (a related
  // location, a fix) or names a line the edit moved is analysed again with its definition.
  const lineDelta = input.newLines.lineCount() - input.oldLines.lineCount();
  const editStart = steps.reduce((m, s) => Math.min(m, s.start), Infinity);
  const moved: Array<{ finding: Finding; def: number }> = [];
  const keepWhole: Finding[] = [];
  for (const f of input.previous) {
    if (input.wholeFile.has(f.ruleId)) {
      if (!unaffected.has(f.ruleId)) continue;
      const relocated = relocate(f, steps, input.newLines);
      if (relocated && !(lineDelta !== 0 && f.location.start > editStart && LINE_NUMBER.test(f.message)))
        keepWhole.push(relocated);
      else unaffected.delete(f.ruleId); // it runs again after all
      continue;
    }
    const start = mapOffset(steps, f.location.start);
    if (start === undefined) continue;
    const def = inside(defs, { start, end: start });
    if (def < 0 || dirty.has(def)) continue;
    const relocated = relocate(f, steps, input.newLines);
    const reaches = (s: Span) => {
      const i = inside(defs, s);
      return i >= 0 && dirty.has(i);
    };
    if (
      !relocated ||
      relocated.related.some((r) => !r.file && reaches(r.location)) ||
      relocated.fixes.some((x) => x.edits.some((e) => e.start !== e.end && reaches(e))) ||
      (lineDelta !== 0 && f.location.start > editStart && LINE_NUMBER.test(f.message))
    ) {
      dirty.add(def);
      continue;
    }
    moved.push({ finding: relocated, def });
  }
  if (dirty.size > defs.length * (input.maxShare ?? 0.5)) return undefined;
  const keep = [
    ...moved.filter((m) => !dirty.has(m.def)).map((m) => m.finding),
    ...keepWhole.filter((f) => unaffected.has(f.ruleId)),
  ];
  const spans = [...[...dirty].map((i) => ({ start: defs[i].start, end: defs[i].end })), ...newLayout.outside].sort(
    (a, b) => a.start - b.start,
  );
  return { spans, keep, unaffected, dirty: dirty.size, definitions: defs.length };
}

function outsideText(text: string, layout: FileLayout): string {
  return layout.outside.map((s) => text.slice(s.start, s.end)).join('\0');
}

function relocateSpan(steps: readonly EditStep[], s: Span): Span | undefined {
  const start = mapOffset(steps, s.start);
  const end = s.end === s.start ? start : mapOffset(steps, s.end - 1);
  if (start === undefined || end === undefined) return undefined;
  return { start, end: s.end === s.start ? start : end + 1 };
}

function relocateLocation(steps: readonly EditStep[], l: Location, lines: LineIndex): Location | undefined {
  const s = relocateSpan(steps, l);
  return s && lines.location(s);
}

/** `f` moved into the text after `steps`; undefined when the edit replaced part of it. */
function relocate(f: Finding, steps: readonly EditStep[], lines: LineIndex): Finding | undefined {
  const location = relocateLocation(steps, f.location, lines);
  if (!location) return undefined;
  const related = [];
  for (const r of f.related) {
    if (r.file) {
      related.push(r);
      continue;
    }
    const l = relocateLocation(steps, r.location, lines);
    if (!l) return undefined;
    related.push({ ...r, location: l });
  }
  const fixes = [];
  for (const fix of f.fixes) {
    const edits = [];
    for (const e of fix.edits) {
      const s = relocateSpan(steps, e);
      if (!s) return undefined;
      edits.push({ ...e, ...s });
    }
    fixes.push({ ...fix, edits });
  }
  return { ...f, location, related, fixes };
}

/** The changed ranges of an incremental re-parse, as spans of the new text. */
export function changedSpans(oldTree: Tree, newTree: Tree): Span[] {
  return newTree.getChangedRanges(oldTree).map((r) => ({ start: r.startIndex, end: r.endIndex }));
}
