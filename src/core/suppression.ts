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

export function isSuppressed(lines: LineIndex, finding: Finding): boolean {
  const line = finding.location.startPoint.line;
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
