// "Ignore this LeakLens rule on this line": a `leaklens-ignore[rule]` comment on its own line above.
import { languageModule } from '../languages';
import type { LineIndex } from '../location';
import type { Finding, Fix, LanguageId } from '../types';

export function suppressionFix(lines: LineIndex, language: LanguageId, finding: Omit<Finding, 'fixes'>): Fix {
  const line = finding.location.startPoint.line;
  const start = lines.lineStart(line);
  const indent = /^[ \t]*/.exec(lines.lineText(line))![0];
  const marker = languageModule(language).comments.line;
  return {
    title: `Ignore LeakLens rule ${finding.ruleId} on this line`,
    edits: [{ start, end: start, newText: `${indent}${marker} leaklens-ignore[${finding.ruleId}]${lines.eol()}` }],
  };
}
