// The bundled extension (out/extension.js) activated against a stubbed `vscode` module and the
// real server: it starts the client, registers each command once, shows diagnostics, forwards the
// commands with the document URI, shows results and errors, restarts, and reports a bad path.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import Module from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';

import { BINARY, PACKAGE_ROOT, REPO_ROOT, requireBinary } from './paths';
import { createStub, textDocument } from './vscode-stub';

const BUNDLE = path.join(PACKAGE_ROOT, 'out', 'extension.js');

async function until<T>(what: string, pick: () => T | undefined | false, logs: string[]): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const found = pick();
    if (found !== undefined && found !== false) {
      return found;
    }
    if (Date.now() > deadline) {
      assert.fail(`timed out waiting for ${what}; output channel:\n${logs.join('')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test('the extension drives the real server through vscode-languageclient', { timeout: 60_000 }, async () => {
  requireBinary();
  assert.ok(fs.existsSync(BUNDLE), `${BUNDLE} is missing: run \`npm run build\` first`);
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'pacto-vscode-ext-'));
  fs.cpSync(path.join(REPO_ROOT, 'examples', 'broken-api'), workspace, { recursive: true });
  const file = path.join(workspace, 'pacto.yaml');
  const document = textDocument(file, fs.readFileSync(file, 'utf8'));
  const uri = document.uri.toString();

  const stub = createStub({
    'pacto.server.path': '',
    'pacto.trace.server': 'verbose',
    'pacto.readiness.gate': false,
    'pacto.readiness.warnDays': 14,
    'pacto.registry.plainHttp': [],
    'pacto.registry.timeoutMs': 5000,
    'pacto.offline': false,
    'pacto.cacheDir': '',
  });
  stub.documents.push(document);
  stub.state.activeTextEditor = { document };
  const load = (Module as any)._load;
  (Module as any)._load = function (request: string, ...rest: unknown[]) {
    return request === 'vscode' ? stub.vscode : load.call(this, request, ...rest);
  };
  const previousOverride = process.env.PACTO_LSP_PATH;
  process.env.PACTO_LSP_PATH = BINARY;
  const context = { subscriptions: [] as { dispose(): unknown }[], extensionPath: path.join(workspace, 'extension') };
  const extension = require(BUNDLE);
  const { shown, logs, commands, state } = stub;
  const messages = () => shown.map((it) => `${it.level}: ${it.message}`);
  try {
    await extension.activate(context);
    assert.deepEqual(messages(), [], 'nothing to report after a clean start');
    assert.deepEqual([...commands.keys()].filter((it) => it.startsWith('pacto.')).sort(), [
      'pacto.diff',
      'pacto.diff.clear',
      'pacto.pack',
      'pacto.push',
      'pacto.restart',
      'pacto.showLogs',
      'pacto.validate',
    ]);
    assert.ok(logs.some((it) => it.startsWith(`Starting ${BINARY} (found via env)`)), logs.join(''));

    // The open pacto.yaml was sent on start; its diagnostics land in the collection.
    const diagnostics = await until('diagnostics', () => stub.diagnostics.get(uri), logs);
    // With a `codeDescription`, vscode-languageclient turns the code into `{value, target}`: the code links to
    // its entry in docs/rules.md.
    const code = (it: { code?: unknown }) => (it.code as { value?: string })?.value ?? it.code;
    const health = diagnostics.find((it) => code(it) === 'HEALTH_INTERFACE_NOT_FOUND');
    assert.ok(health, diagnostics.map(code).join(', '));
    assert.deepEqual([health.range.start.line, health.range.start.character, health.source], [27, 15, 'pacto']);
    assert.equal(
      String((health.code as { target?: unknown }).target),
      'https://github.com/trianalab-community/pacto-lsp/blob/main/docs/rules.md#health_interface_not_found',
    );

    // "Pacto: Validate" from the palette: the active document, a summary, "Details" opens the JSON.
    state.click = 'Details';
    await commands.get('pacto.validate')!();
    assert.deepEqual(shown.at(-1), { level: 'warning', message: 'Pacto: The contract has 7 errors, 2 warnings.', actions: ['Details'] });
    const details = JSON.parse(stub.opened.at(-1)!.content!);
    assert.equal(stub.opened.at(-1)!.language, 'json');
    assert.equal(details.uri, uri);
    assert.ok(details.findings.some((it: { code: string }) => it.code === 'SCALING_MIN_EXCEEDS_MAX'));
    assert.ok(logs.some((it) => it.includes('"HEALTH_INTERFACE_NOT_FOUND"')), 'the result is in the output channel');

    // "Pacto: Pack": whatever comes back is shown; an error also arrives as the server's own
    // window/showMessage with the very same text (VS Code shows identical notifications once).
    shown.length = 0;
    await commands.get('pacto.pack')!();
    if (shown.some((it) => it.level === 'error')) {
      // The server's notification may arrive before or after its response.
      await until("the server's own notification", () => shown.length >= 2, logs);
      assert.equal(shown.length, 2, messages().join('\n'));
      assert.equal(shown[0].message, shown[1].message);
      assert.match(shown[0].message, /^Pacto: \S/);
    } else {
      assert.match(messages().join('\n'), /Packed/);
    }

    // "Pacto: Push…": the input box checks the oci:// prefix; cancelling sends nothing.
    shown.length = 0;
    state.input = undefined;
    await commands.get('pacto.push')!();
    const box = state.inputOptions.at(-1);
    assert.equal(typeof box.validateInput('docker.io/x:1'), 'string');
    assert.equal(box.validateInput('oci://registry.example.com/team/svc:1.0.0'), undefined);
    assert.equal(shown.length, 0);

    // "Pacto: Diff against…" with a path: the server's answer (result or error) is shown.
    state.input = path.join(REPO_ROOT, 'examples', 'payments-api');
    await commands.get('pacto.diff')!();
    await until('the diff outcome', () => shown.length > 0, logs);

    // Without a pacto.yaml in the editor, the command says so.
    shown.length = 0;
    state.activeTextEditor = undefined;
    await commands.get('pacto.validate')!();
    assert.deepEqual(messages(), ['error: Pacto: open a pacto.yaml file first.']);
    // A URI argument (as from a code action) needs no editor.
    shown.length = 0;
    state.click = undefined;
    await commands.get('pacto.validate')!(uri);
    assert.equal(shown.at(-1)?.level, 'warning');

    // A server setting goes to the running server; no restart.
    const marker = "Sending notification 'workspace/didChangeConfiguration'";
    const from = logs.join('').lastIndexOf(marker) + 1;
    stub.changeSettings({ 'pacto.readiness.warnDays': 30 });
    await until('didChangeConfiguration with the new value', () => /"warnDays": 30/.test(logs.join('').slice(from)), logs);
    assert.match(logs.join('').slice(from), new RegExp(`${marker}.*\\nParams: \\{\\n +"settings": \\{\\n +"pacto": \\{`));
    assert.equal(logs.filter((it) => it.startsWith('Starting ')).length, 1);

    commands.get('pacto.showLogs')!();
    assert.equal(state.outputShown, 1);

    // Changing pacto.server.path restarts: a bad path is reported with "Open Settings".
    shown.length = 0;
    delete process.env.PACTO_LSP_PATH;
    stub.changeSettings({ 'pacto.server.path': path.join(workspace, 'missing', 'pacto-lsp') });
    await until('the bad path error', () => shown.length > 0, logs);
    assert.equal(shown[0].level, 'error');
    assert.match(shown[0].message, /^Pacto: The pacto\.server\.path setting is ".*missing.*", but that file does not exist\.$/);
    assert.deepEqual(shown[0].actions, ['Open Settings']);
    await commands.get('pacto.validate')!(uri);
    assert.match(shown.at(-1)!.message, /language server is not running/);

    // A good path again, then "Pacto: Restart Server": the commands work on the new server.
    shown.length = 0;
    stub.changeSettings({ 'pacto.server.path': BINARY });
    await commands.get('pacto.restart')!();
    assert.equal(logs.filter((it) => it.startsWith('Starting ')).length, 3);
    await until('diagnostics again', () => stub.diagnostics.get(uri), logs);
    await commands.get('pacto.validate')!(uri);
    assert.deepEqual(messages(), ['warning: Pacto: The contract has 7 errors, 2 warnings.']);
  } finally {
    await extension.deactivate();
    context.subscriptions.forEach((it) => it.dispose());
    (Module as any)._load = load;
    if (previousOverride === undefined) {
      delete process.env.PACTO_LSP_PATH;
    } else {
      process.env.PACTO_LSP_PATH = previousOverride;
    }
    fs.rmSync(workspace, { recursive: true, force: true });
  }
});
