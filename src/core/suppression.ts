// `// leaklens-ignore[rule-a, rule-b]` or `# leaklens-ignore` on the finding's line or the line above.
// The comment syntax comes from the language modules (any language's opener counts: `//`, `/*`, `#`).
import { commentOpenerPattern } from './languages';
import type { LineIndex } from './location';
import type { Finding } from './types';

const OPENER = commentOpenerPattern();
const MARKER = new RegExp(`(?:${OPENER}).*?\\bleaklens-ignore(?:\\[([^\\]]*)\\])?`);
/** A line that is a comment of its own. */
const COMMENT_LINE = new RegExp(`^\\s*(?:${OPENER})`);

export function suppressedRules(lineText: string): Set<string> | 'all' | undefined {
  const m = MARKER.exec(lineText);
  if (!m) return undefined;
  if (m[1] === undefined) return 'all';
  return new Set(
    m[1]
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
}

/**
 * `equivalents`: the rule's checks in other tools (RuleMeta.equivalents); a suppression of one of them
 * on the finding's line or on a line of its notes (where clang-analyzer and Coverity report a leak: the
 * return that loses it) counts.
 */
export function isSuppressed(
  lines: LineIndex,
  finding: Finding,
  equivalents?: readonly string[],
  foreign?: ForeignSuppressions,
): boolean {
  const line = finding.location.startPoint.line;
  if (foreign && equivalents?.length) {
    const noted = finding.related.filter((r) => !r.file).map((r) => r.location.startPoint.line);
    if ([line, ...noted].some((l) => foreign.covers(l, equivalents))) return true;
  }
  for (const l of [line, line - 1]) {
    if (l < 0) continue;
    const text = lines.lineText(l);
    // The line above counts only when it is a comment of its own, not code with a trailing marker.
    if (l !== line && !COMMENT_LINE.test(text)) continue;
    const rules = suppressedRules(text);
    if (rules === 'all' || rules?.has(finding.ruleId)) return true;
  }
  return false;
}

/**
 * Suppressions a project already wrote for another tool's check of the same risk, read once per file:
 * `# noqa: SIM115` (ruff, flake8), `# pylint: disable=consider-using-with`, `// NOLINT(check)` and its
 * NEXTLINE/BEGIN…END forms (clang-tidy), `// cppcheck-suppress memleak`, `// coverity[leaked_storage]`.
 * Keys are `tool:code`. Bare `# noqa` and `// NOLINT` are not read: they are mostly written for another
 * warning on the line (its length, a style check), not for a leak.
 */
export class ForeignSuppressions {
  private readonly byLine = new Map<number, Set<string>>();
  private readonly regions: Array<{ start: number; end: number; key: string }> = [];
  private readonly wholeFile = new Set<string>();

  /** Undefined when the text names none of the tools: most files, read with one regex test. */
  static of(text: string, lines: LineIndex): ForeignSuppressions | undefined {
    if (!FOREIGN_HINT.test(text)) return undefined;
    const found = new ForeignSuppressions();
    found.read(lines);
    return found;
  }

  /** Whether a suppression of one of `equivalents` (`tool:code`) covers the 0-based `line`. */
  covers(line: number, equivalents: readonly string[]): boolean {
    const written = [...(this.byLine.get(line) ?? []), ...this.wholeFile];
    for (const r of this.regions) if (r.start <= line && line <= r.end) written.push(r.key);
    return written.some((w) => equivalents.some((e) => sameCheck(w, e)));
  }

  private add(line: number, key: string): void {
    let set = this.byLine.get(line);
    if (!set) this.byLine.set(line, (set = new Set()));
    set.add(key);
  }

  private read(lines: LineIndex): void {
    const count = lines.lineCount();
    const openTidy = new Map<string, number>();
    for (let l = 0; l < count; l++) {
      const text = lines.lineText(l);
      if (!FOREIGN_HINT.test(text)) continue;
      const own = COMMENT_LINE.test(text);
      let m: RegExpExecArray | null;
      // `# ruff: noqa: SIM115` on a line of its own holds for the whole file.
      if ((m = /#\s*(ruff\s*:\s*)?noqa\s*:\s*([A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*)/i.exec(text)))
        for (const code of codes(m[2])) {
          if (m[1] && own) this.wholeFile.add(`ruff:${code}`);
          else this.add(l, `ruff:${code}`);
        }
      if ((m = /#\s*pylint\s*:\s*disable(-next)?\s*=\s*([\w\s,-]+)/.exec(text))) {
        const keys = codes(m[2]).map((c) => `pylint:${c}`);
        if (m[1]) keys.forEach((k) => this.add(l + 1, k));
        else if (!own) keys.forEach((k) => this.add(l, k));
        else {
          // On a line of its own: to the end of the block it sits in (pylint's scope), or an enable.
          const indent = indentOf(text);
          let end = l + 1;
          while (end < count) {
            const t = lines.lineText(end);
            if (t.trim() !== '' && indentOf(t) < indent) break;
            if (/#\s*pylint\s*:\s*enable\s*=/.test(t)) break;
            end++;
          }
          keys.forEach((key) => this.regions.push({ start: l + 1, end: end - 1, key }));
        }
      }
      for (const t of text.matchAll(/\bNOLINT(NEXTLINE|BEGIN|END)?\(([^)]*)\)/g)) {
        const keys = codes(t[2]).map((c) => `clang-tidy:${c}`);
        if (t[1] === 'NEXTLINE') keys.forEach((k) => this.add(l + 1, k));
        else if (t[1] === 'BEGIN') keys.forEach((k) => openTidy.set(k, l));
        else if (t[1] === 'END')
          keys.forEach((k) => {
            const start = openTidy.get(k);
            if (start !== undefined) this.regions.push({ start, end: l, key: k });
            openTidy.delete(k);
          });
        else keys.forEach((k) => this.add(l, k));
      }
      // cppcheck and Coverity mark the line they stand on, or the next one from a line of their own.
      const at = own ? l + 1 : l;
      if ((m = /cppcheck-suppress(?:\[([^\]]*)\]|\s+([\w,]+))/.exec(text)))
        for (const code of codes(m[1] ?? m[2])) this.add(at, `cppcheck:${code}`);
      for (const c of text.matchAll(/coverity\[\s*([\w]+)/g)) this.add(at, `coverity:${c[1].toLowerCase()}`);
    }
    for (const [key, start] of openTidy) this.regions.push({ start, end: count - 1, key });
  }
}

const FOREIGN_HINT = /noqa|pylint\s*:|NOLINT|cppcheck-suppress|coverity\[/i;

/** Whether `text` may hold a suppression comment, LeakLens's own or another tool's. */
export function mentionsSuppression(text: string): boolean {
  return text.includes('leaklens-ignore') || FOREIGN_HINT.test(text);
}

function codes(list: string): string[] {
  return list
    .split(/[\s,]+/)
    .map((c) => c.trim())
    .filter(Boolean);
}

function indentOf(line: string): number {
  return /^\s*/.exec(line)![0].length;
}

/** `clang-tidy:clang-analyzer-*` covers `clang-tidy:clang-analyzer-unix.Malloc`; ruff codes are upper-case. */
function sameCheck(written: string, equivalent: string): boolean {
  const [tool, code] = [written.slice(0, written.indexOf(':')), written.slice(written.indexOf(':') + 1)];
  if (!equivalent.startsWith(`${tool}:`)) return false;
  const want = equivalent.slice(tool.length + 1);
  if (tool === 'ruff') return code.toUpperCase() === want.toUpperCase();
  if (!code.includes('*')) return code === want;
  const glob = new RegExp(`^${code.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
  return glob.test(want);
}
