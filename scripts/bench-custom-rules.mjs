// Cost of custom rules: `leaklens check` on the same corpus with the built-in rules alone and with
// 20 custom rules (.leaklens/rules/*.scm) beside them, in one run. Target: at most +30 %.
// Usage (after `npm run build`): node scripts/bench-custom-rules.mjs [CORPUS...]
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const corpora = process.argv.slice(2).length ? process.argv.slice(2) : ['/usr/lib/python3.11'];
const rulesDir = mkdtempSync(join(tmpdir(), 'leaklens-custom-'));
const empty = mkdtempSync(join(tmpdir(), 'leaklens-nocustom-'));

// 20 realistic rules: 10 C++ resource pairs in the shape of docs/custom-rules.md, 10 Python idioms.
const cppPairs = [
  ['ncnn::create_gpu_instance', 'ncnn::destroy_gpu_instance'],
  ['pool_acquire', 'pool_release'],
  ['camera_open', 'camera_close'],
  ['vkCreateBuffer', 'vkDestroyBuffer'],
  ['cudaMalloc', 'cudaFree'],
  ['SDL_CreateTexture', 'SDL_DestroyTexture'],
  ['xmlReadFile', 'xmlFreeDoc'],
  ['curl_easy_init', 'curl_easy_cleanup'],
  ['EVP_CIPHER_CTX_new', 'EVP_CIPHER_CTX_free'],
  ['BIO_new', 'BIO_free'],
];
cppPairs.forEach(([acquire, release], i) =>
  writeFileSync(
    join(rulesDir, `cpp-${i}.scm`),
    [
      `;; id: custom-cpp-${i}`,
      ';; language: cpp',
      `;; message: {{call}} is never released with ${release}()`,
      ';; report: call',
      `;; unless-followed-by: (call_expression function: (_) @rel (#eq? @rel "${release}"))`,
      `(call_expression function: (_) @fn (#eq? @fn "${acquire}")) @call`,
      '',
    ].join('\n'),
  ),
);
const pyIdioms = [
  'Session',
  'Client',
  'Connection',
  'Camera',
  'VisionIpcClient',
  'Pool',
  'Reader',
  'Writer',
  'Socket',
  'Stream',
];
pyIdioms.forEach((ctor, i) =>
  writeFileSync(
    join(rulesDir, `py-${i}.scm`),
    [
      `;; id: custom-py-${i}`,
      ';; language: python',
      `;; message: {{name}} holds a ${ctor} outside with`,
      ';; report: call',
      ';; not-inside: with_statement',
      `(assignment left: (identifier) @name right: (call function: [(identifier) (attribute)] @ctor (#match? @ctor "${ctor}$")) @call)`,
      '',
    ].join('\n'),
  ),
);

function run(rules) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(
    process.execPath,
    [
      join(root, 'bin', 'leaklens.js'),
      'check',
      ...corpora,
      '--jobs',
      '1',
      '--no-cache',
      '--format',
      'json',
      '--rules',
      rules,
    ],
    { encoding: 'utf8', maxBuffer: 1 << 28 },
  );
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const doc = JSON.parse(r.stdout);
  return {
    ms,
    findings: doc.findings.length,
    custom: doc.findings.filter((f) => f.ruleId.startsWith('custom-')).length,
    errors: doc.errors.length,
  };
}

run(empty); // warm the file cache
const base = [run(empty), run(empty), run(empty)].sort((a, b) => a.ms - b.ms)[1];
const withCustom = [run(rulesDir), run(rulesDir), run(rulesDir)].sort((a, b) => a.ms - b.ms)[1];
rmSync(rulesDir, { recursive: true, force: true });
rmSync(empty, { recursive: true, force: true });
const overhead = (withCustom.ms / base.ms - 1) * 100;
console.log(`\n### Custom rules (${corpora.join(', ')}; median of 3, --jobs 1)\n`);
console.log('| rules | time | findings | custom findings | input errors |');
console.log('| --- | ---: | ---: | ---: | ---: |');
console.log(`| built-in only | ${(base.ms / 1000).toFixed(2)} s | ${base.findings} | 0 | ${base.errors} |`);
console.log(
  `| built-in + 20 custom | ${(withCustom.ms / 1000).toFixed(2)} s | ${withCustom.findings} | ${withCustom.custom} | ${withCustom.errors} |`,
);
console.log(`\nCustom rules cost ${overhead >= 0 ? '+' : ''}${overhead.toFixed(1)} % (target: at most +30 %).`);
mkdirSync(join(root, '.bench'), { recursive: true });
writeFileSync(
  join(root, '.bench', 'custom-rules.json'),
  JSON.stringify({ corpora, base, withCustom, overheadPercent: overhead }, null, 2),
);
