#!/usr/bin/env node
'use strict';
// The CLI bundle is built output (dist/, not in git). A checkout installed without running scripts
// (the project's .npmrc sets ignore-scripts; pre-commit installs hook repositories that way) builds
// it on first use, once.
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const cli = join(__dirname, '..', 'dist', 'cli.js');
if (!existsSync(cli)) {
  const build = require('node:child_process').spawnSync(process.execPath, [join(__dirname, '..', 'scripts', 'build.mjs')], { stdio: 'inherit' });
  if (build.status !== 0 || !existsSync(cli)) {
    process.stderr.write('leaklens: dist/cli.js is missing and `npm run build` failed\n');
    process.exit(2);
  }
}
require(cli).main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
