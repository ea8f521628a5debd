// The JSON schema of `.leaklens.json` and `[tool.leaklens]`, generated from what the rules declare
// (their ids and options) plus the engine-wide keys, and the Options section of each rule's doc.
// config.ts validates with it; `npm run schema` (scripts/gen-schema.mjs) writes it to
// schema/leaklens.schema.json (VS Code's jsonValidation) and into docs/rules/<id>.md, and a unit
// test fails when either is stale.
import type { JsonSchema, RuleMeta, RuleOption } from './rule';
import { BUILTIN_RULES } from './rules';

export const SCHEMA_FILE = 'schema/leaklens.schema.json';

/** Every option of `rules`, with the rule that declares it. */
export function ruleOptions(rules: readonly RuleMeta[] = BUILTIN_RULES): Array<{ rule: RuleMeta; option: RuleOption }> {
  return rules.flatMap((rule) => (rule.options ?? []).map((option) => ({ rule, option })));
}

const SEVERITIES = ['error', 'warning', 'info'];

/** Keys that belong to no rule: which files, how large, what counts as one-shot code. */
const ENGINE_KEYS: Record<string, JsonSchema> = {
  ignore: {
    description: "Paths to skip, in .gitignore syntax, relative to this file's folder.",
    type: 'array',
    items: { type: 'string' },
  },
  oneShotDirs: {
    description:
      'Folder names whose code runs once per invocation and exits (build, release and code-generation scripts, ' +
      'converters, benchmarks). Leaks there are reclaimed at exit and not reported, except for acquisitions inside ' +
      'a loop. Default: tools, scripts, release, bench, benchmarks, benchmark, waflib, build-aux. Replaces the ' +
      'default list; ' +
      '[] reports them like any other code. A folder inside a Python package (its parent has __init__.py) never ' +
      'counts. C and C++ test programs (not test servers) are one-shot too unless the list is [].',
    type: 'array',
    items: { type: 'string', pattern: '^[^/\\\\]+$' },
  },
  maxFileSize: {
    description: 'Files larger than this many bytes are skipped with an error (default 5 MB).',
    type: 'integer',
    minimum: 1,
  },
};

function optionProperty(option: RuleOption): JsonSchema {
  return { description: `${option.doc} ${mergeDoc(option)}`, ...option.schema };
}

/** A built-in rule's setting: a severity or "off", or an object that may also carry its options. */
function ruleSetting(rule: RuleMeta): JsonSchema {
  if (!rule.options?.length) return { $ref: '#/definitions/ruleSetting' };
  return {
    if: { type: 'string' },
    then: { $ref: '#/definitions/ruleSetting' },
    else: {
      type: 'object',
      additionalProperties: false,
      properties: {
        enabled: { type: 'boolean' },
        severity: { enum: SEVERITIES },
        options: {
          description: `Options of ${rule.id} (docs/rules/${rule.id}.md).`,
          type: 'object',
          additionalProperties: false,
          properties: Object.fromEntries(rule.options.map((o) => [o.name, optionProperty(o)])),
        },
      },
    },
  };
}

export function configSchema(rules: readonly RuleMeta[] = BUILTIN_RULES): JsonSchema {
  const aliases = ruleOptions(rules)
    .filter(({ option }) => option.topLevelAlias)
    .map(({ rule, option }) => [
      option.name,
      {
        ...optionProperty(option),
        description:
          `${option.doc} ${mergeDoc(option)} An alias of rules.${rule.id}.options.${option.name}, ` +
          'where it was set before options were per rule.',
      },
    ]);
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://leaklens.dev/schema/leaklens.schema.json',
    title: 'LeakLens configuration (.leaklens.json)',
    type: 'object',
    additionalProperties: false,
    properties: {
      $schema: { type: 'string' },
      rules: {
        description:
          'Per-rule setting: "off", a severity, or { "enabled", "severity" } (and "options" for the built-in rules ' +
          'that have some). Built-in rules are listed; custom rules (.leaklens/rules/*.scm) use their own ids.',
        type: 'object',
        propertyNames: { pattern: '^[a-z0-9][a-z0-9-]*$' },
        properties: Object.fromEntries(rules.map((r) => [r.id, ruleSetting(r)])),
        additionalProperties: { $ref: '#/definitions/ruleSetting' },
      },
      ...Object.fromEntries(aliases),
      ...ENGINE_KEYS,
    },
    definitions: {
      ruleSetting: {
        oneOf: [
          { enum: ['off', ...SEVERITIES] },
          {
            type: 'object',
            additionalProperties: false,
            properties: { enabled: { type: 'boolean' }, severity: { enum: SEVERITIES } },
          },
        ],
      },
    },
  };
}

/** The schema file's text, as `npm run schema` writes it. */
export function configSchemaText(rules: readonly RuleMeta[] = BUILTIN_RULES): string {
  return `${JSON.stringify(configSchema(rules), null, 2)}\n`;
}

function mergeDoc(option: RuleOption): string {
  switch (option.merge) {
    case 'append':
    case 'union':
      return 'Adds to the list it inherits (the default, or a config file further up).';
    case 'replace':
      return 'Replaces the value it inherits.';
  }
}

function typeDoc(schema: JsonSchema): string {
  if (schema.type === 'array') {
    const items = (schema.items ?? {}) as JsonSchema;
    return `list of ${items.type === 'object' ? 'objects' : items.type === 'string' ? 'strings' : 'values'}`;
  }
  if (Array.isArray(schema.enum)) return schema.enum.map((v) => JSON.stringify(v)).join(' \\| ');
  return String(schema.type ?? 'value');
}

function defaultDoc(option: RuleOption): string {
  if (option.defaultDoc) return option.defaultDoc;
  const value: unknown = option.default;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string'))
    return value.length ? value.map((v) => `\`${v}\``).join(', ') : 'none';
  return `\`${JSON.stringify(value)}\``;
}

/** JSON on one line, spaced as Prettier spaces it: `{ "a": ["x", "y"] }`. */
function inlineJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(inlineJson).join(', ')}]`;
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const entries = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${inlineJson(v)}`);
  return entries.length ? `{ ${entries.join(', ')} }` : '{}';
}

/** JSON with each object or array on one line when it fits in `width` columns. */
function compactJson(value: unknown, indent = '', width = 120): string {
  const flat = inlineJson(value);
  if (indent.length + flat.length <= width || value === null || typeof value !== 'object') return flat;
  const inner = `${indent}  `;
  const items = Array.isArray(value)
    ? value.map((v) => inner + compactJson(v, inner, width))
    : Object.entries(value).map(([k, v]) => `${inner}${JSON.stringify(k)}: ${compactJson(v, inner, width)}`);
  const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
  return `${open}\n${items.join(',\n')}\n${indent}${close}`;
}

/** `text` broken into lines of at most `width` columns, at spaces. */
function wrap(text: string, width = 100): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return line ? [...lines, line] : lines;
}

/** The `## Options` section of a rule's doc (Markdown, also readable as text), or undefined without options. */
export function optionsSection(rule: RuleMeta): string | undefined {
  const options = rule.options ?? [];
  const optIn = rule.optIn
    ? [
        ...wrap(
          `**Opt-in**: off unless turned on, by \`"rules": { "${rule.id}": "warning" }\` in \`.leaklens.json\` (or ` +
            `\`pyproject.toml\`), by the \`leaklens.rules\` setting in VS Code, or by \`--select ${rule.id}\`. ${rule.optIn}`,
        ),
        '',
      ]
    : [];
  if (options.length === 0) return optIn.length ? ['## Options', '', ...optIn].join('\n') : undefined;
  const rows = options.map(
    (o) => `| \`${o.name}\` | ${typeDoc(o.schema)} | ${defaultDoc(o)} | ${o.doc} ${mergeDoc(o)} |`,
  );
  const aliases = options.filter((o) => o.topLevelAlias).map((o) => `\`${o.name}\``);
  const example = { rules: { [rule.id]: { options: Object.fromEntries(options.map((o) => [o.name, o.example])) } } };
  const where =
    `Set under \`rules.${rule.id}.options\` in \`.leaklens.json\`, or in a ` +
    `\`[tool.leaklens.rules.${rule.id}.options]\` table of \`pyproject.toml\`.` +
    (aliases.length
      ? ` ${aliases.join(', ')} ${aliases.length > 1 ? 'are' : 'is'} also accepted as a top-level key: an alias, ` +
        'where it was set before options were per rule.'
      : '');
  return [
    '## Options',
    '',
    ...optIn,
    ...wrap(where),
    '',
    '| Option | Type | Default | What it does |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
    '```json',
    compactJson(example),
    '```',
    '',
  ].join('\n');
}

/** `doc` with its `## Options` section replaced by (or, if it has none, followed by) the generated one. */
export function withOptionsSection(doc: string, rule: RuleMeta): string {
  const section = optionsSection(rule);
  const start = doc.search(/^## Options\s*$/m);
  const rest = start < 0 ? -1 : doc.slice(start + 1).search(/^## /m);
  const before = start < 0 ? doc : doc.slice(0, start);
  const after = start < 0 || rest < 0 ? '' : doc.slice(start + 1 + rest);
  const head = before.replace(/\n*$/, '\n');
  if (!section) return `${head}${after}`.replace(/\n*$/, '\n');
  return after ? `${head}\n${section}\n${after}` : `${head}\n${section}`;
}
