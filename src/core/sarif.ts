// SARIF 2.1.0 for GitHub code scanning and SARIF viewers: every rule's metadata with a help link,
// results with physical locations (1-based lines and columns) and related locations.
import type { Log, Region } from 'sarif';
import { pathToFileURL } from 'node:url';
import { isAbsolute } from 'node:path';
import { DOCS_BASE } from './report';
import type { RuleMeta } from './rule';
import type { AnalysisError, FileResult, Location } from './types';

// Typed against @types/sarif (the SARIF 2.1.0 object model), so a malformed log does not compile.
const LEVEL = { error: 'error', warning: 'warning', info: 'note' } as const;

export function toSarif(results: FileResult[], errors: AnalysisError[], rules: RuleMeta[], version: string): Log {
  const ruleIndex = new Map(rules.map((r, i) => [r.id, i]));
  const uri = (file: string) => (isAbsolute(file) ? pathToFileURL(file).href : file.split('\\').join('/'));
  const region = (l: Location): Region => ({
    startLine: l.startPoint.line + 1,
    startColumn: l.startPoint.column + 1,
    endLine: l.endPoint.line + 1,
    endColumn: l.endPoint.column + 1,
  });
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'LeakLens',
            semanticVersion: version,
            informationUri: 'https://github.com/leaklens/leaklens',
            rules: rules.map((r) => ({
              id: r.id,
              name: r.id.replace(/(^|-)(\w)/g, (_m, _d, c: string) => c.toUpperCase()),
              shortDescription: { text: r.summary },
              fullDescription: { text: r.summary },
              helpUri: r.helpUri ?? `${DOCS_BASE}${r.id}.md`,
              help: {
                text: `${r.summary} See ${r.helpUri ?? `${DOCS_BASE}${r.id}.md`}`,
                markdown: `${r.summary} [Rule documentation](${r.helpUri ?? `${DOCS_BASE}${r.id}.md`})`,
              },
              defaultConfiguration: { level: LEVEL[r.defaultSeverity] },
              properties: { tags: ['memory-leak', ...r.languages] },
            })),
          },
        },
        results: results.flatMap((res) =>
          res.findings.map((f) => ({
            ruleId: f.ruleId,
            ruleIndex: ruleIndex.get(f.ruleId) ?? -1,
            level: LEVEL[f.severity],
            message: {
              // A static finding a measurement confirms says so; a measured-leak finding is the measurement.
              text:
                f.evidence?.length && f.ruleId !== 'measured-leak'
                  ? `${f.message} (${f.evidence.map((e) => e.summary).join('; ')})`
                  : f.message,
            },
            locations: [{ physicalLocation: { artifactLocation: { uri: uri(res.file) }, region: region(f.location) } }],
            relatedLocations: f.related.map((rel, i) => ({
              id: i + 1,
              message: { text: rel.message },
              physicalLocation: { artifactLocation: { uri: uri(rel.file ?? res.file) }, region: region(rel.location) },
            })),
            ...(f.evidence?.length ? { properties: { evidence: f.evidence } } : {}),
          })),
        ),
        invocations: [
          {
            executionSuccessful: true,
            toolExecutionNotifications: [...errors, ...results.flatMap((r) => r.errors)].map((e) => ({
              level: 'error',
              message: { text: e.message },
              locations: [{ physicalLocation: { artifactLocation: { uri: uri(e.file) } } }],
            })),
          },
        ],
      },
    ],
  };
}
