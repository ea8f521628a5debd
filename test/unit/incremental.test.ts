// Incremental = full: the editor re-parses incrementally (tree.edit + the old tree) and re-analyses
// only the definitions an edit can change (incremental.ts), so after any sequence of edits its
// findings must equal those of a fresh analysis of the same text. Random edit
// sequences (seeded, so a failure replays) over real-looking C++ and Python documents: typing,
// deletions, pastes of other code, undo-like reversals, and multi-cursor edits delivered as VS Code
// delivers them (offsets into the text before the edit, last change first). Non-ASCII text is mixed
// in, since tree-sitter's positions and JavaScript's string offsets count differently.
// LEAKLENS_PROPERTY_EDITS sets the number of edits per document (the bench runs more).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DocumentSession, type ContentChange } from '../../src/core/document';
import { fileLayout } from '../../src/core/incremental';
import { languageModule } from '../../src/core/languages';
import type { FileResult, LanguageId } from '../../src/core/types';
import { bigFile } from '../e2e/bench-data';
import { allRulesConfig, engine, FIXTURES, seededRandom } from './helpers';

const EDITS = Number(process.env.LEAKLENS_PROPERTY_EDITS) || 300;

const DOCUMENTS: Array<[string, LanguageId]> = [
  ['workspace/cpp/resources.cpp', 'cpp'],
  ['workspace/cpp/image_io.cpp', 'cpp'],
  ['workspace/cpp/tiling_processor.cpp', 'cpp'],
  ['workspace/python/camera_view.py', 'python'],
  ['workspace/python/pipeline.py', 'python'],
  ['workspace/python/worker.py', 'python'],
];

const SNIPPETS: Record<LanguageId, string[]> = {
  cpp: [
    '  free(p);\n',
    '  char* p = (char*)malloc(64);\n',
    '  if (!p) return -1;\n',
    '  FILE* f = fopen("é.txt", "rb");\n',
    '  fclose(f);\n',
    '  for (int i = 0; i < n; i++) {\n    engine->cleanup();\n  }\n',
    '  return 0;\n',
    '}\n',
    '{',
    '// → ünïcödé 🚀 comment\n',
    'throw std::runtime_error("x");',
    ' ',
    ';',
    '\n',
  ],
  python: [
    '    f = open(path)\n',
    '    f.close()\n',
    'q = queue.Queue()\n',
    'for x in range(9):\n    q.put(x)\n',
    '@functools.lru_cache(maxsize=None)\n',
    '    return data\n',
    'def g(self):\n    pass\n',
    '# → ünïcödé 🚀 comment\n',
    'try:\n    pass\nfinally:\n    f.close()\n',
    ':',
    '    ',
    '(',
    '\n',
  ],
};

interface Edit {
  changes: ContentChange[];
}

/** Applies changes in the order given (each offset into the text as the previous ones left it). */
function apply(text: string, changes: ContentChange[]): string {
  for (const c of changes) text = text.slice(0, c.rangeOffset) + c.text + text.slice(c.rangeOffset + c.rangeLength);
  return text;
}

/** Never split a surrogate pair: VS Code's offsets are on code-point boundaries. */
function boundary(text: string, at: number): number {
  const c = text.charCodeAt(at);
  return c >= 0xdc00 && c <= 0xdfff ? at - 1 : at;
}

function randomEdit(text: string, language: LanguageId, other: string, r: () => number): Edit {
  const pos = () => boundary(text, Math.floor(r() * (text.length + 1)));
  const kind = r();
  if (kind < 0.35) {
    // typing: a snippet, or part of one
    const s = SNIPPETS[language][Math.floor(r() * SNIPPETS[language].length)];
    const cut = r() < 0.3 ? s.slice(0, 1 + Math.floor(r() * s.length)) : s;
    return {
      changes: [
        { rangeOffset: pos(), rangeLength: 0, text: boundary(cut, cut.length) === cut.length ? cut : cut.slice(0, -1) },
      ],
    };
  }
  if (kind < 0.6) {
    // a deletion (a character, a word, or a stretch of lines)
    const start = pos();
    const len = r() < 0.5 ? 1 : Math.floor(r() * Math.min(200, text.length - start));
    return { changes: [{ rangeOffset: start, rangeLength: boundary(text, start + len) - start, text: '' }] };
  }
  if (kind < 0.8) {
    // a paste of another document's lines, replacing a selection
    const from = boundary(other, Math.floor(r() * other.length));
    const chunk = other.slice(from, boundary(other, Math.min(other.length, from + Math.floor(r() * 300))));
    const start = pos();
    const len = r() < 0.5 ? 0 : Math.floor(r() * Math.min(80, text.length - start));
    return { changes: [{ rangeOffset: start, rangeLength: boundary(text, start + len) - start, text: chunk }] };
  }
  // multi-cursor: the same text at 2-4 line starts; VS Code reports the last position first, each
  // offset into the text before the edit (so applying them in order is exact)
  const lineStarts = [0, ...[...text.matchAll(/\n/g)].map((m) => m.index! + 1)];
  const picks = [
    ...new Set(Array.from({ length: 2 + Math.floor(r() * 3) }, () => lineStarts[Math.floor(r() * lineStarts.length)])),
  ];
  const s = r() < 0.5 ? (language === 'cpp' ? '// ' : '# ') : language === 'cpp' ? '  ' : '    ';
  const del = r() < 0.3;
  return {
    changes: picks
      .sort((a, b) => b - a)
      .map((at) => ({ rangeOffset: at, rangeLength: del && text[at] === ' ' ? 1 : 0, text: del ? '' : s })),
  };
}

/** Everything a user sees of a finding, fixes included. */
function view(r: FileResult): string[] {
  return r.findings
    .map((f) =>
      JSON.stringify([
        f.ruleId,
        f.severity,
        f.message,
        f.location,
        f.related,
        f.fixes.map((x) => [x.title, x.applicability, x.edits]),
      ]),
    )
    .sort();
}

describe('incremental analysis equals a fresh analysis after any edits', () => {
  for (const [rel, language] of DOCUMENTS) {
    it(`${rel}: ${EDITS} random edits`, async () => {
      const e = await engine();
      const config = allRulesConfig();
      const original = readFileSync(join(FIXTURES, rel), 'utf8');
      const other = readFileSync(join(FIXTURES, DOCUMENTS.find(([p, l]) => l === language && p !== rel)![0]), 'utf8');
      const seed = [...rel].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7);
      const r = seededRandom(seed);
      const session = new DocumentSession(e, language, rel);
      let text = original;
      session.update(text, config);
      const history: Array<{ before: string; changes: ContentChange[] }> = [];
      let incremental = 0;
      let partial = 0;
      try {
        for (let i = 0; i < EDITS; i++) {
          let changes: ContentChange[];
          const last = history[history.length - 1];
          if (last && r() < 0.1) {
            // undo: the inverse of the last edit, as one replacement of the changed region
            history.pop();
            const prefix = commonPrefix(text, last.before);
            const suffix = commonSuffix(text, last.before, prefix);
            changes = [
              {
                rangeOffset: prefix,
                rangeLength: text.length - prefix - suffix,
                text: last.before.slice(prefix, last.before.length - suffix),
              },
            ];
          } else {
            changes = randomEdit(text, language, other, r).changes;
            history.push({ before: text, changes });
          }
          const next = apply(text, changes);
          const got = session.update(next, config, changes);
          if (got.incremental) incremental++;
          if (got.partial) partial++;
          const fresh = e.analyzeText(next, language, { file: rel, config }).result;
          assert.deepEqual(
            view(got),
            view(fresh),
            `seed ${seed}, edit #${i + 1} ${JSON.stringify(changes).slice(0, 300)}`,
          );
          text = next;
        }
      } finally {
        session.dispose();
      }
      assert.ok(incremental >= EDITS * 0.9, `the session really re-parsed incrementally (${incremental} of ${EDITS})`);
      // Random pastes and deletions soon break the file's structure, so few of these analyse only part of
      // the file; the typing test below is the one that exercises that path.
      console.log(`${rel}: ${partial} of ${EDITS} edits analysed only the definitions they could change`);
    });
  }
});

// Typing inside definitions, as people mostly edit: each keystroke of a line typed into a function
// body (a release, an early return, a call to another function of the file, a new acquisition), a
// callee renamed and renamed back, a line deleted and restored. Each keystroke is one update, so
// most analyses are partial (incremental.ts); every one must equal a fresh analysis.
const TYPED: Record<LanguageId, (callee: string) => string[]> = {
  cpp: (callee) => [
    'free(buf);',
    'fclose(f);',
    'return -1;',
    'char* q = (char*)malloc(8);',
    'if (!q) return 0;',
    `${callee}(q);`,
    'FILE* g = fopen("x", "r");',
    'throw 1;',
    '}',
  ],
  python: (callee) => [
    'f.close()',
    'return None',
    'fh = open(path)',
    'raise ValueError()',
    `${callee}(fh)`,
    'q = queue.Queue()',
    'try:',
    'except OSError:',
    '# leaklens-ignore',
  ],
};

const TYPING_DOCUMENTS: Array<[string, LanguageId, () => string]> = [
  ...[
    ...DOCUMENTS,
    ['workspace/cpp/custom_resource.cpp', 'cpp'] as const,
    ['workspace/python/receiver.py', 'python'] as const,
    ['../../examples/cpp/gpu.cpp', 'cpp'] as const,
    ['../../examples/python/render_worker.py', 'python'] as const,
    ['leaks/leaky_list.cpp', 'cpp'] as const,
  ].map(([rel, language]): [string, LanguageId, () => string] => [
    rel,
    language,
    () => readFileSync(join(FIXTURES, rel), 'utf8'),
  ]),
  // The extension benchmark's generated files (many small definitions, a finding in every tenth block).
  ['generated.cpp', 'cpp', () => bigFile('cpp', 600)],
  ['generated.py', 'python', () => bigFile('python', 600)],
];

describe('typing inside definitions: the partial analysis equals a fresh one after every keystroke', () => {
  for (const [rel, language, read] of TYPING_DOCUMENTS) {
    it(rel, async () => {
      const e = await engine();
      const config = allRulesConfig();
      const original = read();
      const seed = [...rel].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 11);
      const r = seededRandom(seed);
      const session = new DocumentSession(e, language, rel);
      let text = original;
      session.update(text, config);
      let updates = 0;
      let partial = 0;
      const step = (change: ContentChange, what: string) => {
        const next = apply(text, [change]);
        const got = session.update(next, config, [change]);
        updates++;
        if (got.partial) partial++;
        const fresh = e.analyzeText(next, language, { file: rel, config }).result;
        assert.deepEqual(view(got), view(fresh), `seed ${seed}, ${what}, update ${updates}: ${JSON.stringify(change)}`);
        text = next;
      };
      const defsOf = () => {
        const tree = e.grammars.parse(language, text);
        const layout = fileLayout(tree.rootNode, languageModule(language).layout);
        tree.delete();
        return layout.definitions;
      };
      try {
        for (let round = 0; round < Number(process.env.LEAKLENS_TYPING_ROUNDS || 12); round++) {
          const defs = defsOf().filter((d) => text.slice(d.start, d.end).includes('\n'));
          if (!defs.length) break;
          const def = defs[Math.floor(r() * defs.length)];
          const names = defsOf().flatMap((d) => d.names);
          const callee = names[Math.floor(r() * names.length)] ?? 'helper';
          // A line start inside the body (not the definition's first line), indented like that line.
          const starts = [...text.slice(def.start, def.end).matchAll(/\n/g)].map((m) => def.start + m.index! + 1);
          const at = starts[Math.floor(r() * starts.length)];
          if (at === undefined || at >= def.end) continue;
          const indent = /^[ \t]*/.exec(text.slice(at))![0];
          const before = text;
          const kind = r();
          if (kind < 0.6) {
            const line = TYPED[language](callee)[Math.floor(r() * TYPED[language](callee).length)];
            step({ rangeOffset: at, rangeLength: 0, text: `${indent}\n` }, 'new line');
            for (let i = 0; i < line.length; i++)
              step({ rangeOffset: at + indent.length + i, rangeLength: 0, text: line[i] }, `typing ${line}`);
          } else if (kind < 0.8) {
            // rename a call of another definition, then back (one replacement each way)
            const body = text.slice(def.start, def.end);
            const hit = names.map((n) => ({ n, i: body.search(new RegExp(`\\b${n}\\b`)) })).find((h) => h.i >= 0);
            if (!hit) continue;
            step({ rangeOffset: def.start + hit.i + hit.n.length, rangeLength: 0, text: '_v2' }, `renaming ${hit.n}`);
          } else {
            const end = text.indexOf('\n', at);
            if (end < 0 || end >= def.end) continue;
            step({ rangeOffset: at, rangeLength: end + 1 - at, text: '' }, 'deleting a line');
          }
          // Back to the original text, as one replacement (an undo).
          const prefix = commonPrefix(text, before);
          const suffix = commonSuffix(text, before, prefix);
          step(
            {
              rangeOffset: prefix,
              rangeLength: text.length - prefix - suffix,
              text: before.slice(prefix, before.length - suffix),
            },
            'undo',
          );
        }
      } finally {
        session.dispose();
      }
      // With few definitions, one edited is most of the file, and the whole file is analysed again.
      text = original;
      const definitions = defsOf().length;
      console.log(`${rel}: ${partial} of ${updates} keystrokes analysed part of the file (${definitions} definitions)`);
      if (definitions >= 6)
        assert.ok(
          partial >= updates * 0.5,
          `most keystrokes analysed only what they could change (${partial} of ${updates}; ${definitions} definitions)`,
        );
    });
  }
});

function commonPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return boundary(a, i);
}

function commonSuffix(a: string, b: string, prefix: number): number {
  let i = 0;
  while (i < a.length - prefix && i < b.length - prefix && a[a.length - 1 - i] === b[b.length - 1 - i]) i++;
  // keep the suffix on a code-point boundary in both texts
  while (i > 0 && (boundary(a, a.length - i) !== a.length - i || boundary(b, b.length - i) !== b.length - i)) i--;
  return i;
}
