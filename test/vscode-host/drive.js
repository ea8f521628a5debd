// usage: node drive.js <workbench URL> [timeoutMs]
// Opens the code-server workbench in headless Debian chromium (playwright-core, no browser download,
// no X server / xvfb needed). With --enable-smoke-test-driver and an extensionTestsPath payload the
// workbench runs the tests inside the extension host and then calls window.codeAutomationExit(code);
// the extension host's console output arrives through window.codeAutomationLog(type, args).
// Exit: the tests' code, 2 on timeout, 3 on a driver/browser error.
'use strict';
const { chromium } = require('playwright-core');
const fs = require('fs');
const os = require('os');
const path = require('path');
const util = require('util');
const { execFileSync } = require('child_process');

function findChromium() {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  for (const p of ['/usr/bin/chromium', '/usr/bin/chromium-browser']) if (fs.existsSync(p)) return p;
  try { return execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim(); } catch { return 'chromium'; }
}

// Workbench start-up chatter that the page logs through the same channel as the extension host's
// console; hidden unless VERBOSE=1. Anything not matched here is printed.
const NOISE = [
  /^Resolv(ing|ed) connection token/,
  /^Creating a socket \(renderer-/,
  /^\[reconnection-grace-time\]/,
  /^\[Service Worker\] registered/,
  /^\[AgentHost/,
  /^\[AccountPolicyGate\]/,
  /^\[ChatModelSelection\]/,
  /^Updating additional builtin extensions cache/,
  /ENOTFOUND open-vsx\.org/, // offline: extension gallery unreachable
];

(async () => {
  const url = process.argv[2];
  const timeoutMs = Number(process.argv[3] || 180000);
  if (!url) throw new Error('usage: node drive.js <url> [timeoutMs]');
  const udd = fs.mkdtempSync(path.join(os.tmpdir(), 'leaklens-chromium-'));
  const t0 = Date.now();
  let ctx;
  let finishing = false;
  const finish = async (code) => {
    if (finishing) return;
    finishing = true;
    try { if (ctx) await ctx.close(); } catch { /* already gone */ }
    fs.rmSync(udd, { recursive: true, force: true });
    process.exit(code);
  };
  const hardTimer = setTimeout(() => {
    console.log(`[drive] TIMEOUT: tests did not finish within ${timeoutMs} ms`);
    finish(2);
  }, timeoutMs);
  ctx = await chromium.launchPersistentContext(udd, {
    executablePath: findChromium(),
    headless: true,
    // keep chromium's crashpad/dconf files out of $HOME
    env: { ...process.env, XDG_CONFIG_HOME: path.join(udd, 'xdg'), XDG_CACHE_HOME: path.join(udd, 'xdg') },
    // LEAKLENS_SCREENSHOT: a larger window for the README screenshot (see below).
    ...(process.env.LEAKLENS_SCREENSHOT ? { viewport: { width: 1400, height: 860 }, deviceScaleFactor: 1 } : {}),
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-dev-shm-usage',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = ctx.pages()[0] || await ctx.newPage();
  if (process.env.VERBOSE) page.on('console', (m) => console.log(`[browser ${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => console.log('[drive] pageerror:', e.message));
  page.on('crash', () => { console.log('[drive] page crashed'); clearTimeout(hardTimer); finish(3); });
  ctx.on('close', () => {
    if (finishing) return;
    console.log('[drive] browser closed unexpectedly');
    process.exit(3);
  });
  await page.exposeFunction('codeAutomationLog', (type, args) => {
    const text = util.format(...(Array.isArray(args) ? args : [args]));
    // Opt-in (env LEAKLENS_SCREENSHOT=1): a test logs `LEAKLENS_SCREENSHOT <path.png>` and polls
    // for the file; the page (the real workbench) is captured as it is at that moment.
    const shot = process.env.LEAKLENS_SCREENSHOT && /^LEAKLENS_SCREENSHOT (\S+\.png)$/.exec(text);
    if (shot) {
      page.screenshot({ path: shot[1] + '.tmp.png' })
        .then(() => fs.renameSync(shot[1] + '.tmp.png', shot[1]))
        .then(() => console.log(`[drive] screenshot saved to ${shot[1]}`), (e) => console.log(`[drive] screenshot failed: ${e.message}`));
      return;
    }
    // The Workspace Trust suite logs this after opening the Workspace Trust editor: press its
    // "Trust" button as a user would (there is no API to grant trust).
    if (/^LEAKLENS_E2E_GRANT_TRUST$/.test(text)) {
      page.locator('.workspace-trust-buttons .monaco-button', { hasText: /^Trust/ }).first().click({ timeout: 20000 })
        .then(() => console.log('[drive] pressed "Trust" in the Workspace Trust editor'), (e) => console.log(`[drive] could not grant trust: ${e.message}`));
      return;
    }
    if (!process.env.VERBOSE && NOISE.some((re) => re.test(text))) return;
    (type === 'error' ? process.stderr : process.stdout).write(text.endsWith('\n') ? text : text + '\n');
  });
  await page.exposeFunction('codeAutomationExit', (code) => {
    console.log(`[drive] tests finished with exit code ${code} after ${Date.now() - t0} ms`);
    clearTimeout(hardTimer);
    finish(typeof code === 'number' ? code : 1);
  });
  await page.goto(url, { timeout: timeoutMs });
})().catch((e) => { console.error('[drive] error:', e && e.stack || e); process.exit(3); });
