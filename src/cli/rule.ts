// `leaklens rule ID` prints a rule's documentation and its options; `leaklens rule --all` lists the rules.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCommand } from './args';
import { optionsSection, withOptionsSection } from '../core/config-schema';
import { BUILTIN_RULES, RULE_IDS } from '../core/rules';

export const RULE_USAGE = `usage: leaklens rule ID          print the rule's documentation and options
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
      optIn: Boolean(r.optIn),
      summary: r.summary,
    }));
    if (v.format === 'json') out(`${JSON.stringify(rows, null, 2)}\n`);
    else {
      const w = Math.max(...rows.map((r) => r.id.length));
      out(
        `${rows.map((r) => `${r.id.padEnd(w)}  ${r.languages.join(',').padEnd(10)}  ${(r.optIn ? 'opt-in' : r.defaultSeverity).padEnd(7)}  ${r.summary}`).join('\n')}\n`,
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
  const doc = file && existsSync(file) ? readFileSync(file, 'utf8') : null;
  if (v.format === 'json') {
    const options = (rule.options ?? []).map((o) => ({
      name: o.name,
      key: `rules.${id}.options.${o.name}`,
      alias: o.topLevelAlias ? o.name : null,
      doc: o.doc,
      schema: o.schema,
      default: o.default,
      merge: o.merge,
    }));
    const { languages, defaultSeverity, summary } = rule;
    const optIn = rule.optIn ?? null;
    out(`${JSON.stringify({ id, languages, defaultSeverity, optIn, summary, options, doc }, null, 2)}\n`);
    return 0;
  }
  if (!doc) {
    const options = optionsSection(rule);
    out(`${id} (${rule.languages.join(', ')}, ${rule.defaultSeverity})\n\n${rule.summary}\n`);
    out(`${options ? `\n${options}` : ''}\n(docs/rules/${id}.md is not installed with this copy)\n`);
    return 0;
  }
  // The doc's Options section is generated (npm run schema); an older doc gets it from the rule.
  out(withOptionsSection(doc, rule));
  return 0;
}
