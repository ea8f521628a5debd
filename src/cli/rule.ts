// `leaklens rule ID` prints a rule's documentation; `leaklens rule --all` lists the rules.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCommand } from './args';
import { BUILTIN_RULES, RULE_IDS } from '../core/rules';

export const RULE_USAGE = `usage: leaklens rule ID          print the rule's documentation
       leaklens rule --all        list every rule (--format json for a machine-readable list)

rules: ${RULE_IDS.join(', ')}`;

/** docs/rules beside the bundle (dist/) or the compiled sources (out/src/cli/). */
export function rulesDocDir(): string | undefined {
  return [join(__dirname, '..', 'docs', 'rules'), join(__dirname, '..', '..', '..', 'docs', 'rules')].find((d) =>
    existsSync(d),
  );
}

export function ruleCommand(
  argv: string[],
  out: (s: string) => void = (s) => process.stdout.write(s),
  err: (s: string) => void = (s) => process.stderr.write(s),
): number {
  const parsed = parseCommand(
    'rule',
    RULE_USAGE,
    argv,
    { all: { type: 'boolean', default: false }, format: { type: 'string', default: 'text' } },
    out,
    err,
  );
  if (typeof parsed === 'number') return parsed;
  const { values: v, positionals } = parsed;
  if (v.format !== 'text' && v.format !== 'json') {
    err(`leaklens rule: unknown --format "${v.format}" (text or json)\n`);
    return 2;
  }
  if (v.all) {
    const rows = BUILTIN_RULES.map((r) => ({
      id: r.id,
      languages: r.languages,
      defaultSeverity: r.defaultSeverity,
      summary: r.summary,
    }));
    if (v.format === 'json') out(`${JSON.stringify(rows, null, 2)}\n`);
    else {
      const w = Math.max(...rows.map((r) => r.id.length));
      out(
        `${rows.map((r) => `${r.id.padEnd(w)}  ${r.languages.join(',').padEnd(10)}  ${r.defaultSeverity.padEnd(7)}  ${r.summary}`).join('\n')}\n`,
      );
    }
    return 0;
  }
  if (positionals.length !== 1) {
    err(`${RULE_USAGE}\n`);
    return 2;
  }
  const id = positionals[0];
  const rule = BUILTIN_RULES.find((r) => r.id === id);
  if (!rule) {
    const near = RULE_IDS.filter((r) => r.includes(id) || id.includes(r));
    err(
      `leaklens rule: unknown rule "${id}"${near.length ? ` (did you mean ${near.join(', ')}?)` : ''}; rules: ${RULE_IDS.join(', ')}\n`,
    );
    return 2;
  }
  const dir = rulesDocDir();
  const file = dir && join(dir, `${id}.md`);
  if (v.format === 'json') {
    out(
      `${JSON.stringify({ id, languages: rule.languages, defaultSeverity: rule.defaultSeverity, summary: rule.summary, doc: file && existsSync(file) ? readFileSync(file, 'utf8') : null }, null, 2)}\n`,
    );
    return 0;
  }
  if (!file || !existsSync(file)) {
    out(
      `${id} (${rule.languages.join(', ')}, ${rule.defaultSeverity})\n\n${rule.summary}\n\n(docs/rules/${id}.md is not installed with this copy)\n`,
    );
    return 0;
  }
  out(readFileSync(file, 'utf8'));
  return 0;
}
