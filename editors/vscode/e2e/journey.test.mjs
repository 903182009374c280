// The user's journey in real VS Code: code-server (VS Code in a browser) with the packaged extension
// and the repository's debug server, driven in headless Chromium through Playwright. Opens a 1.0
// contract that declares `readiness`, checks what the editor and the Problems panel show, applies the
// quick fix "Bump pactoVersion to 1.1", saves, and runs "Pacto: Validate". Takes the screenshots in
// docs/images/vscode-*.png on the way.
//
// Everything runs on 127.0.0.1 in a temporary folder; code-server (with the extension host and the
// language server it starts) and Chromium are killed at the end, whatever happened.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

const HERE = dirname(fileURLToPath(import.meta.url));
const EXTENSION = resolve(HERE, '..');
const REPO = resolve(EXTENSION, '..', '..');
const SERVER = resolve(process.env.PACTO_LSP_BIN || join(REPO, 'target', 'debug', 'pacto-lsp'));
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const NODE24 = join(HERE, 'node_modules', 'node', 'bin', 'node');
const CODE_SERVER = join(HERE, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
const IMAGES = join(REPO, 'docs', 'images');
/** Where a run leaves code-server's log, and a failing run its last screenshot (ignored by git). */
const FAILURES = join(HERE, 'out');

/** How long one step may wait for what the user should see. */
const STEP_MS = 30_000;

// A 1.0 contract with a readiness section: `SCHEMA_VIOLATION` on `readiness`, fixed by "Bump
// pactoVersion to 1.1". The check expired long ago, so once the contract is 1.1 (where readiness is
// evaluated) `READINESS_CHECK_EXPIRED` takes its place as a warning.
const CONTRACT = `pactoVersion: "1.0"
service:
  name: checkout-api
  version: 1.0.0
readiness:
  checks:
    - id: dashboard
      type: url
      evidence: https://grafana.example.com/d/checkout
      weight: 100
      expires: "2020-01-01"
`;
const VIOLATION = '`readiness` needs `pactoVersion: "1.1"`; the 1.0 format has no readiness section';
const EXPIRED = 'readiness check `dashboard` expired on 2020-01-01';

/** Everything started for the journey, so `after` can stop it. */
const run = { dir: '', codeServer: undefined, log: '', browser: undefined, page: undefined, failed: false };

describe('the journey in real VS Code (code-server + Chromium)', { timeout: 300_000 }, () => {
  it('starts code-server with the packaged extension and opens the workspace', async (t) => {
    await step(t, () => start());
  });

  after(async () => {
    mkdirSync(FAILURES, { recursive: true });
    writeFileSync(join(FAILURES, 'code-server.log'), run.log);
    if (run.failed) {
      await run.page?.screenshot({ path: join(FAILURES, 'failure.png') }).catch(() => {});
      const notifications = (await run.page?.locator('.notification-list-item-message').allInnerTexts().catch(() => [])) ?? [];
      for (const text of notifications) {
        console.log(`# notification: ${text}`);
      }
      console.log(`# the last screen and code-server's log are in ${FAILURES}`);
    }
    await stop();
  });

  it('shows pacto diagnostics in the editor and the Problems panel', async (t) => {
    await step(t, async (page) => {
      await openFile(page, 'pacto.yaml');
      const squiggle = page.locator('.monaco-editor .squiggly-error');
      await squiggle.first().waitFor();

      // The cursor on the diagnostic, its hover shown as the user sees it.
      await goToLine(page, 5);
      await runCommand(page, 'Show or Focus Hover');
      const hover = page.locator('.monaco-hover').filter({ hasText: 'SCHEMA_VIOLATION' });
      await hover.waitFor();
      assert.match(await hover.innerText(), /the 1\.0 format has no readiness section/);
      // The hover offers the server's quick fix (asked for after the hover opens).
      await hover.getByText(/^Quick Fix/).waitFor();
      await screenshot(page, 'vscode-diagnostic.png');
      await page.keyboard.press('Escape');

      await runCommand(page, 'Problems: Focus on Problems View');
      const problems = problemRows(page);
      const violation = problems.filter({ hasText: 'SCHEMA_VIOLATION' });
      await violation.waitFor();
      const text = await violation.innerText();
      assert.ok(text.includes(VIOLATION), `the Problems panel row does not show the message: ${text}`);
      assert.match(text, /^pacto\s*\(?SCHEMA_VIOLATION\)?$/m, `the Problems panel row does not show source and code: ${text}`);
      assert.match(text, /\[Ln 5, Col 1\]/, `the Problems panel row does not show the position: ${text}`);
      assert.equal(await problems.count(), 1, `expected only SCHEMA_VIOLATION, got: ${await problems.allInnerTexts()}`);
      await screenshot(page, 'vscode-problems.png');
    });
  });

  it('applies "Bump pactoVersion to 1.1" from the quick-fix menu and saves', async (t) => {
    await step(t, async (page) => {
      // Back in the editor, on the diagnostic (the Problems panel stays open below).
      await focusEditor(page);
      await goToLine(page, 5);
      await page.keyboard.press('Control+.');
      const bump = page.locator('.action-widget').getByRole('option', { name: 'Bump pactoVersion to 1.1' });
      await bump.waitFor();
      await screenshot(page, 'vscode-quick-fix.png');
      await bump.click();
      await parkMouse(page);
      await page.locator('.monaco-editor .view-lines').filter({ hasText: 'pactoVersion: "1.1"' }).waitFor();

      await runCommand(page, 'File: Save');
      const file = join(run.dir, 'workspace', 'pacto.yaml');
      await until(() => readFileSync(file, 'utf8').startsWith('pactoVersion: "1.1"\n'), 'the file on disk to say pactoVersion: "1.1"');
      // Only the version changed, byte for byte.
      assert.equal(readFileSync(file, 'utf8'), CONTRACT.replace('pactoVersion: "1.0"', 'pactoVersion: "1.1"'));

      // The violation is gone; the 1.1 contract's readiness is evaluated instead.
      const problems = problemRows(page);
      await problems.filter({ hasText: 'READINESS_CHECK_EXPIRED' }).waitFor();
      assert.equal(await problems.filter({ hasText: 'SCHEMA_VIOLATION' }).count(), 0);
      const rows = await problems.allInnerTexts();
      assert.equal(rows.length, 1, `expected only READINESS_CHECK_EXPIRED, got: ${rows}`);
      assert.ok(rows[0].includes(EXPIRED), `unexpected row: ${rows[0]}`);
      assert.equal(await page.locator('.monaco-editor .squiggly-error').count(), 0, 'an error squiggle is still shown');
    });
  });

  it('"Pacto: Validate" reports the saved contract as valid', async (t) => {
    await step(t, async (page) => {
      await focusEditor(page);
      await runCommand(page, 'Pacto: Validate');
      const toast = page.locator('.notifications-toasts .notification-toast').filter({ hasText: 'Pacto:' });
      await toast.waitFor();
      assert.equal((await toast.locator('.notification-list-item-message').innerText()).trim(), 'Pacto: The contract is valid (0 errors, 1 warning).');

      // "Details" opens the server's full answer as JSON.
      await toast.getByRole('button', { name: 'Details' }).click();
      const details = page.locator('.monaco-editor .view-lines').filter({ hasText: 'READINESS_CHECK_EXPIRED' });
      await details.waitFor();
      // The editor renders spaces as no-break spaces.
      const json = (await details.innerText()).replace(/\u00a0/g, ' ');
      assert.match(json, /"valid": true,\s+"errors": 0,\s+"warnings": 1,/);
      assert.match(json, /"code": "READINESS_CHECK_EXPIRED"/);
    });
  });
});

/** Installs the extension into a fresh code-server, starts it and opens the workspace in Chromium. */
async function start() {
  assert.ok(existsSync(SERVER), `pacto-lsp not found at ${SERVER}: run \`cargo build\` in the repository root first (or set PACTO_LSP_BIN)`);
  assert.ok(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM}: install Debian's \`chromium\` package (or set CHROMIUM)`);
  assert.ok(existsSync(NODE24) && existsSync(CODE_SERVER), `code-server is not installed: run \`npm ci\` in ${HERE}`);
  const vsix = packagedExtension();

  run.dir = mkdtempSync(join(tmpdir(), 'pacto-vscode-e2e-'));
  const dirs = {
    user: join(run.dir, 'user-data'),
    extensions: join(run.dir, 'extensions'),
    workspace: join(run.dir, 'workspace'),
    home: join(run.dir, 'home'),
    tmp: join(run.dir, 'tmp'),
  };
  for (const dir of Object.values(dirs)) {
    mkdirSync(dir, { recursive: true });
  }
  for (const [scope, values] of Object.entries(settings())) {
    mkdirSync(join(dirs.user, scope), { recursive: true });
    writeFileSync(join(dirs.user, scope, 'settings.json'), JSON.stringify(values, null, 2));
  }
  writeFileSync(join(dirs.workspace, 'pacto.yaml'), CONTRACT);
  const config = join(run.dir, 'config.yaml');
  writeFileSync(config, 'auth: none\n');
  const base = ['--config', config, '--user-data-dir', dirs.user, '--extensions-dir', dirs.extensions];
  // Nothing outside the temporary folder is written: code-server, Chromium and pacto-lsp get their own
  // home, configuration, cache and temporary folders (VS Code puts its IPC sockets in TMPDIR, Chromium
  // its crash reports under the configuration folder).
  const env = {
    ...process.env,
    HOME: dirs.home,
    TMPDIR: dirs.tmp,
    XDG_CONFIG_HOME: join(dirs.home, '.config'),
    XDG_DATA_HOME: join(dirs.home, '.local', 'share'),
    XDG_CACHE_HOME: join(dirs.home, '.cache'),
    XDG_RUNTIME_DIR: dirs.tmp,
    // No extension marketplace (code-server's default is open-vsx.org): everything stays on loopback.
    EXTENSIONS_GALLERY: '{}',
  };

  const install = spawnSync(NODE24, [CODE_SERVER, ...base, '--install-extension', vsix], { env, encoding: 'utf8', timeout: 120_000 });
  assert.equal(install.status, 0, `installing ${vsix} failed:\n${install.stdout}\n${install.stderr}`);
  const list = spawnSync(NODE24, [CODE_SERVER, ...base, '--list-extensions', '--show-versions'], { env, encoding: 'utf8', timeout: 60_000 });
  assert.match(list.stdout, /^trianalab-community\.pacto-lsp@\d/m, `the extension is not listed as installed:\n${list.stdout}\n${list.stderr}`);

  run.codeServer = spawn(
    NODE24,
    [
      CODE_SERVER,
      ...base,
      '--bind-addr',
      '127.0.0.1:0',
      '--auth',
      'none',
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      '--disable-proxy',
      '--ignore-last-opened',
      dirs.workspace,
    ],
    // Its own process group: the extension host and the language server go with it.
    { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const url = await listening(run.codeServer);

  run.browser = await chromium.launch({
    executablePath: CHROMIUM,
    env,
    // As root and without network beyond loopback: no sandbox, no background connections.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const context = await run.browser.newContext({ viewport: { width: 1280, height: 800 } });
  run.page = await context.newPage();
  run.page.setDefaultTimeout(STEP_MS);
  await run.page.goto(`${url}?folder=${encodeURIComponent(dirs.workspace)}`);
  await run.page.locator('.monaco-workbench').waitFor();
}

/** Runs one step of the journey, skipped when an earlier one failed; a failure is remembered for `after`. */
async function step(t, body) {
  if (run.failed) {
    t.skip('an earlier step failed');
    return;
  }
  try {
    await body(run.page);
  } catch (error) {
    run.failed = true;
    throw error;
  }
}

/** The `.vsix` from `npx vsce package`, packaged again when missing or older than the extension's sources. */
function packagedExtension() {
  const manifest = JSON.parse(readFileSync(join(EXTENSION, 'package.json'), 'utf8'));
  const vsix = join(EXTENSION, `${manifest.name}-${manifest.version}.vsix`);
  const sources = [join(EXTENSION, 'package.json'), ...readdirSync(join(EXTENSION, 'src')).map((it) => join(EXTENSION, 'src', it))];
  const newest = Math.max(...sources.map((it) => statSync(it).mtimeMs));
  if (existsSync(vsix) && statSync(vsix).mtimeMs >= newest) {
    return vsix;
  }
  console.log(`# packaging ${vsix}`);
  const npm = (...args) => {
    const result = spawnSync('npm', args, { cwd: EXTENSION, stdio: 'inherit' });
    assert.equal(result.status, 0, `\`npm ${args.join(' ')}\` failed in ${EXTENSION}`);
  };
  if (!existsSync(join(EXTENSION, 'node_modules'))) {
    npm('ci', '--no-audit', '--no-fund');
  }
  npm('exec', '--', 'vsce', 'package');
  assert.ok(existsSync(vsix), `\`vsce package\` did not write ${vsix}`);
  return vsix;
}

/** Settings: the repository's server, and nothing that opens on its own or phones home. */
function settings() {
  // code-server's extension host is a "remote" one: it ignores machine-scoped settings such as
  // `pacto.server.path` (`machine-overridable`) in the user's settings and reads them from the
  // remote machine's settings (Machine/settings.json).
  const machine = { 'pacto.server.path': SERVER };
  const user = {
    'telemetry.telemetryLevel': 'off',
    'workbench.startupEditor': 'none',
    'workbench.welcomePage.walkthroughs.openOnInstall': false,
    'workbench.tips.enabled': false,
    'workbench.enableExperiments': false,
    'security.workspace.trust.enabled': false,
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'extensions.ignoreRecommendations': true,
    'update.mode': 'none',
    'chat.disableAIFeatures': true,
    'git.enabled': false,
    'editor.minimap.enabled': false,
    // Same pictures on every run: no blinking cursor, no animations.
    'editor.cursorBlinking': 'solid',
    'workbench.reduceMotion': 'on',
    'editor.scrollbar.vertical': 'visible',
    'editor.scrollbar.horizontal': 'visible',
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    'remote.autoForwardPorts': false,
    'files.autoSave': 'off',
  };
  return { User: user, Machine: machine };
}

/** Resolves with code-server's address once it listens; rejects if it exits first. */
function listening(child) {
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`code-server did not start:\n${run.log}`)), STEP_MS);
    const read = (chunk) => {
      run.log += chunk;
      const found = /HTTP server listening on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(run.log);
      if (found) {
        clearTimeout(timer);
        resolvePromise(found[1]);
      }
    };
    child.stdout.setEncoding('utf8').on('data', read);
    child.stderr.setEncoding('utf8').on('data', read);
    child.on('exit', (code, signal) => reject(new Error(`code-server exited (${code ?? signal}):\n${run.log}`)));
  });
}

/** Closes Chromium and kills code-server's process group (extension host and pacto-lsp included). */
async function stop() {
  await run.browser?.close().catch(() => {});
  const child = run.codeServer;
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolvePromise) => child.once('exit', resolvePromise));
    killGroup(child, 'SIGTERM');
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
  // Children that outlived their parent's exit.
  if (child) {
    killGroup(child, 'SIGKILL');
  }
  run.codeServer = undefined;
  if (run.dir) {
    rmSync(run.dir, { recursive: true, force: true });
  }
}

function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is gone already.
  }
}

// Also when the test runner is interrupted.
process.on('exit', () => run.codeServer && killGroup(run.codeServer, 'SIGKILL'));

/** Runs a command from the command palette: the entry whose label is exactly `label`. */
async function runCommand(page, label) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor();
  await input.fill(`>${label}`);
  const exact = new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  const entry = page
    .locator('.quick-input-widget .quick-input-list .monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: exact }) })
    .first();
  await entry.click();
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
  await parkMouse(page);
}

/** Moves the mouse to an empty spot of the activity bar, so that nothing shows a hover effect. */
async function parkMouse(page) {
  await page.mouse.move(25, 600);
}

/** Opens a workspace file with Quick Open and waits for its editor. */
async function openFile(page, name) {
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor();
  await input.fill(name);
  await page.locator('.quick-input-widget .quick-input-list').getByRole('option', { name }).first().waitFor();
  await page.keyboard.press('Enter');
  await page.getByRole('tab', { name }).waitFor();
  await page.locator('.monaco-editor .view-lines').filter({ hasText: 'pactoVersion' }).waitFor();
}

/** Moves the cursor to the start of a line with "Go to Line". */
async function goToLine(page, line) {
  await page.keyboard.press('Control+G');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor();
  await input.fill(`:${line}:1`);
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
}

async function focusEditor(page) {
  await runCommand(page, 'View: Focus Active Editor Group');
}

/** The Problems panel's rows for markers (not the rows for their files). */
function problemRows(page) {
  return page.locator('.markers-panel .monaco-list-row').filter({ hasText: /\[Ln \d+, Col \d+\]/ });
}

async function screenshot(page, name) {
  mkdirSync(IMAGES, { recursive: true });
  await page.screenshot({ path: join(IMAGES, name) });
}

/** Polls `check` until it holds. */
async function until(check, what, timeoutMs = STEP_MS) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((resolvePromise) => setTimeout(resolvePromise, 100));
  }
}
