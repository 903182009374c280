// Unit tests of the server-path resolution (src/server.ts) and of the result summaries
// (src/results.ts), with fake executables in temporary folders.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';

import { summarize } from '../src/results';
import { executableName, resolveServerPath, ServerPathError } from '../src/server';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pacto-vscode-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

const binary = executableName(process.platform);
let folders = 0;

/** A new folder holding `name` with the given mode (an executable script by default). */
function fake(name = binary, mode = 0o755): string {
  const folder = path.join(root, `folder-${folders++}`);
  fs.mkdirSync(folder, { recursive: true });
  const file = path.join(folder, name);
  fs.writeFileSync(file, '#!/bin/sh\nexit 0\n');
  fs.chmodSync(file, mode);
  return file;
}

/** An extension folder with (or without) a shipped `bin/pacto-lsp`. */
function extension(withBinary: boolean): { extensionPath: string; bundled: string } {
  const extensionPath = path.join(root, `extension-${folders++}`);
  const bundled = path.join(extensionPath, 'bin', binary);
  fs.mkdirSync(path.dirname(bundled), { recursive: true });
  if (withBinary) {
    fs.writeFileSync(bundled, '#!/bin/sh\nexit 0\n');
    fs.chmodSync(bundled, 0o755);
  }
  return { extensionPath, bundled };
}

function pathOf(...files: string[]): string {
  return files.map((it) => path.dirname(it)).join(path.delimiter);
}

describe('server path resolution', () => {
  test('the setting wins over the bundled binary and PATH', () => {
    const setting = fake();
    const onPath = fake();
    const { extensionPath } = extension(true);
    const res = resolveServerPath({ setting, extensionPath, env: { PATH: pathOf(onPath) } });
    assert.deepEqual(res, { command: setting, source: 'setting' });
  });

  test('the bundled binary wins over PATH', () => {
    const onPath = fake();
    const { extensionPath, bundled } = extension(true);
    for (const setting of [undefined, '', '   ']) {
      const res = resolveServerPath({ setting, extensionPath, env: { PATH: pathOf(onPath) } });
      assert.deepEqual(res, { command: bundled, source: 'bundled' });
    }
  });

  test('PATH is searched in order when nothing else is there', () => {
    const notExecutable = fake(binary, 0o644);
    const first = fake();
    const second = fake();
    const { extensionPath } = extension(false);
    const env = { PATH: ['', path.join(root, 'missing'), pathOf(notExecutable, first, second)].join(path.delimiter) };
    assert.deepEqual(resolveServerPath({ setting: '', extensionPath, env }), { command: first, source: 'path' });
  });

  test('PACTO_LSP_PATH overrides everything', () => {
    const override = fake();
    const setting = fake();
    const { extensionPath } = extension(true);
    const res = resolveServerPath({ setting, extensionPath, env: { PACTO_LSP_PATH: override, PATH: pathOf(setting) } });
    assert.deepEqual(res, { command: override, source: 'env' });
  });

  test('a missing setting is a clear error naming the setting, without falling back', () => {
    const missing = path.join(root, 'nowhere', binary);
    const { extensionPath } = extension(true);
    assert.throws(
      () => resolveServerPath({ setting: missing, extensionPath, env: { PATH: pathOf(fake()) } }),
      (error: unknown) => {
        assert.ok(error instanceof ServerPathError);
        assert.equal(error.fromSetting, true);
        assert.match(error.message, /pacto\.server\.path/);
        assert.ok(error.message.includes(missing), error.message);
        assert.match(error.message, /does not exist/);
        return true;
      },
    );
  });

  test('a non-executable setting is a clear error', { skip: process.platform === 'win32' && 'no exec bit on Windows' }, () => {
    const file = fake(binary, 0o644);
    assert.throws(
      () => resolveServerPath({ setting: file, extensionPath: extension(false).extensionPath, env: {} }),
      /pacto\.server\.path setting is ".*", but that file is not executable/,
    );
  });

  test('a folder in the setting is a clear error', () => {
    const folder = path.dirname(fake());
    assert.throws(
      () => resolveServerPath({ setting: folder, extensionPath: extension(false).extensionPath, env: {} }),
      /pacto\.server\.path setting is ".*", which is not a file/,
    );
  });

  test('a bad PACTO_LSP_PATH names the variable', () => {
    assert.throws(
      () => resolveServerPath({ setting: '', extensionPath: extension(true).extensionPath, env: { PACTO_LSP_PATH: path.join(root, 'gone') } }),
      (error: unknown) => error instanceof ServerPathError && !error.fromSetting && /PACTO_LSP_PATH/.test(error.message),
    );
  });

  test('a relative setting is taken relative to the workspace folder', () => {
    const file = fake();
    const workspaceFolder = path.dirname(path.dirname(file));
    const setting = path.relative(workspaceFolder, file);
    const res = resolveServerPath({ setting, extensionPath: extension(false).extensionPath, env: {}, workspaceFolder });
    assert.deepEqual(res, { command: file, source: 'setting' });
  });

  test('nothing found: the message says how to install', () => {
    const notExecutable = fake(binary, 0o644);
    const env = { PATH: process.platform === 'win32' ? path.join(root, 'missing') : pathOf(notExecutable) };
    assert.throws(
      () => resolveServerPath({ setting: undefined, extensionPath: extension(false).extensionPath, env }),
      (error: unknown) => {
        assert.ok(error instanceof ServerPathError);
        assert.match(error.message, /Cannot find the pacto-lsp language server/);
        assert.match(error.message, /cargo install --path \./);
        assert.match(error.message, /pacto\.server\.path/);
        return true;
      },
    );
  });

  test('Windows looks for pacto-lsp.exe and splits PATH on semicolons', () => {
    const file = fake('pacto-lsp.exe');
    const env = { Path: `C:\\nowhere;${path.dirname(file)}` };
    const res = resolveServerPath({ setting: '', extensionPath: extension(false).extensionPath, env, platform: 'win32' });
    assert.deepEqual(res, { command: file, source: 'path' });
  });
});

describe('result summaries', () => {
  test('validate counts errors and warnings', () => {
    assert.deepEqual(summarize('pacto.validate', { valid: false, errors: 7, warnings: 1, findings: [] }), {
      message: 'The contract has 7 errors, 1 warning.',
      ok: false,
    });
    assert.deepEqual(summarize('pacto.validate', { valid: true, errors: 0, warnings: 0, findings: [] }), {
      message: 'The contract is valid (0 errors, 0 warnings).',
      ok: true,
    });
  });

  test('pack, push and diff follow the spec shapes', () => {
    assert.equal(summarize('pacto.pack', { path: '/tmp/x.tar.gz' }).message, 'Packed the bundle to /tmp/x.tar.gz.');
    assert.equal(
      summarize('pacto.pack', { path: '/tmp/x.tar.gz', digest: 'sha256:ab', size: 10 }).message,
      'Packed the bundle to /tmp/x.tar.gz (sha256:ab).',
    );
    assert.equal(summarize('pacto.push', { ref: 'oci://r/x:1', digest: 'sha256:ab', pushed: true }).message, 'Pushed: oci://r/x:1 (sha256:ab).');
    assert.equal(summarize('pacto.push', { ref: 'oci://r/x:1', digest: 'sha256:ab', pushed: false }).message, 'Already in the registry: oci://r/x:1 (sha256:ab).');
    assert.deepEqual(summarize('pacto.diff', { baseline: '1.0.0', classification: 'BREAKING', changes: [{}, {}] }), {
      message: 'Diff against 1.0.0: BREAKING, 2 changes; changes are shown in the editor until the baseline is cleared.',
      ok: false,
    });
    assert.deepEqual(summarize('pacto.diff', { classification: 'NON_BREAKING', changes: [{}] }), {
      message: 'Diff: NON_BREAKING, 1 change; changes are shown in the editor until the baseline is cleared.',
      ok: true,
    });
    assert.deepEqual(summarize('pacto.diff.clear', { cleared: true }), { message: 'Cleared the diff baseline.', ok: true });
  });

  test('any other shape still gets a message', () => {
    for (const result of [null, undefined, 42, 'text', { unexpected: true }]) {
      assert.deepEqual(summarize('pacto.pack', result), { message: 'pacto.pack finished.', ok: true });
    }
  });
});
