// The real pacto-lsp binary driven by the protocol stack vscode-languageclient uses
// (vscode-languageserver-protocol over vscode-jsonrpc stream readers/writers), with the
// capabilities and settings VS Code sends.

import assert from 'node:assert/strict';
import { ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';

import { StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import {
  ClientCapabilities,
  CompletionItem,
  CompletionList,
  CompletionRequest,
  createProtocolConnection,
  Diagnostic,
  DidChangeTextDocumentNotification,
  DidOpenTextDocumentNotification,
  ExecuteCommandRequest,
  ExitNotification,
  InitializedNotification,
  InitializeRequest,
  ProtocolConnection,
  PublishDiagnosticsNotification,
  PublishDiagnosticsParams,
  ResponseError,
  ShutdownRequest,
} from 'vscode-languageserver-protocol/node';

import { BINARY, PACKAGE_ROOT, REPO_ROOT, requireBinary } from './paths';

const TIMEOUT_MS = 20_000;

/** The capabilities vscode-languageclient 9.0.1 announces in VS Code (captured from its initialize
 * request): full and incremental sync, snippets, markdown hover, `positionEncodings: ['utf-16']`,
 * `workspace.configuration`, dynamic file watchers, … */
const CAPABILITIES: ClientCapabilities = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'test', 'fixtures', 'client-capabilities.json'), 'utf8'));

// What the extension sends as initializationOptions with default settings.
const SETTINGS = { readiness: { gate: false, warnDays: 14 }, registry: { plainHttp: [], timeoutMs: 5000 }, offline: false, cacheDir: '' };

/** A client session: the connection plus everything the server pushed. */
class Session {
  readonly diagnostics: PublishDiagnosticsParams[] = [];
  readonly messages: { type: number; message: string }[] = [];
  readonly configurationRequests: unknown[] = [];
  stderr = '';
  private waiters: (() => void)[] = [];

  constructor(
    readonly connection: ProtocolConnection,
    readonly child: ChildProcessWithoutNullStreams,
  ) {
    child.stderr.on('data', (chunk) => (this.stderr += chunk));
    connection.onNotification(PublishDiagnosticsNotification.type, (params) => this.push(() => this.diagnostics.push(params)));
    connection.onNotification('window/showMessage', (params: { type: number; message: string }) => this.push(() => this.messages.push(params)));
    connection.onRequest('workspace/configuration', (params: { items: unknown[] }) => {
      this.push(() => this.configurationRequests.push(params));
      return params.items.map(() => ({}));
    });
    connection.onRequest('client/registerCapability', () => null);
    connection.onRequest('window/workDoneProgress/create', () => null);
    connection.listen();
  }

  /** Waits until `pick` finds something among what the server sent. */
  async wait<T>(what: string, pick: () => T | undefined): Promise<T> {
    const deadline = Date.now() + TIMEOUT_MS;
    for (;;) {
      const found = pick();
      if (found !== undefined) {
        return found;
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        assert.fail(`timed out waiting for ${what}; server stderr:\n${this.stderr}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => (clearTimeout(timer), resolve()));
      });
    }
  }

  diagnosticsFor(uri: string, version: number): Promise<Diagnostic[]> {
    return this.wait(`diagnostics for version ${version}`, () => this.diagnostics.find((it) => it.uri === uri && it.version === version)?.diagnostics);
  }

  private push(record: () => void): void {
    record();
    this.waiters.splice(0).forEach((wake) => wake());
  }
}

function start(): Session {
  const child = spawn(BINARY, ['--stdio'], { env: { ...process.env, PACTO_TODAY: '2026-11-22', PACTO_LSP_LOG: 'info' }, stdio: 'pipe' });
  const connection = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  return new Session(connection, child);
}

const range = (startLine: number, startCharacter: number, endLine: number, endCharacter: number) => ({
  start: { line: startLine, character: startCharacter },
  end: { line: endLine, character: endCharacter },
});

test('the real server over stdio: diagnostics, completion and pacto.validate', { timeout: 60_000 }, async () => {
  requireBinary();
  // The parts of the capabilities this server looks at.
  assert.deepEqual(CAPABILITIES.general?.positionEncodings, ['utf-16']);
  assert.equal(CAPABILITIES.textDocument?.completion?.completionItem?.snippetSupport, true);
  assert.deepEqual(CAPABILITIES.textDocument?.hover?.contentFormat, ['markdown', 'plaintext']);
  assert.equal(CAPABILITIES.textDocument?.publishDiagnostics?.versionSupport, false);
  assert.equal(CAPABILITIES.workspace?.configuration, true);
  assert.equal(CAPABILITIES.workspace?.didChangeWatchedFiles?.dynamicRegistration, true);
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'pacto-vscode-it-'));
  fs.cpSync(path.join(REPO_ROOT, 'examples', 'broken-api'), workspace, { recursive: true });
  const file = path.join(workspace, 'pacto.yaml');
  const uri = pathToFileURL(file).href;
  const text = fs.readFileSync(file, 'utf8');
  const session = start();
  const { connection, child } = session;
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    const init = await connection.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      clientInfo: { name: 'Visual Studio Code', version: '1.82.0' },
      locale: 'en',
      rootPath: workspace,
      rootUri: pathToFileURL(workspace).href,
      workspaceFolders: [{ uri: pathToFileURL(workspace).href, name: path.basename(workspace) }],
      capabilities: CAPABILITIES,
      initializationOptions: SETTINGS,
      trace: 'off',
    });
    const capabilities = init.capabilities;
    assert.equal(capabilities.positionEncoding, 'utf-16');
    assert.ok(capabilities.completionProvider, 'completion');
    assert.ok(capabilities.hoverProvider, 'hover');
    assert.deepEqual(capabilities.executeCommandProvider?.commands, ['pacto.validate', 'pacto.pack', 'pacto.push', 'pacto.diff', 'pacto.diff.clear']);
    await connection.sendNotification(InitializedNotification.type, {});
    await session.wait('workspace/configuration for the pacto section', () => session.configurationRequests[0]);
    assert.deepEqual(session.configurationRequests[0], { items: [{ section: 'pacto' }] });

    // Diagnostics for the opened copy of examples/broken-api (0-based lines).
    await connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'yaml', version: 1, text } });
    const diagnostics = await session.diagnosticsFor(uri, 1);
    const codes = diagnostics.map((it) => it.code);
    assert.ok(codes.includes('HEALTH_INTERFACE_NOT_FOUND') && codes.includes('SCALING_MIN_EXCEEDS_MAX'), codes.join(', '));
    const health = diagnostics.find((it) => it.code === 'HEALTH_INTERFACE_NOT_FOUND')!;
    assert.deepEqual(health.range, range(27, 15, 27, 18));
    assert.equal(health.source, 'pacto');
    assert.equal(health.severity, 1);
    assert.deepEqual(health.data, { path: 'runtime.health.interface' });
    const scaling = diagnostics.find((it) => it.code === 'SCALING_MIN_EXCEEDS_MAX')!;
    assert.equal(scaling.range.start.line, 30);
    assert.ok(diagnostics.every((it) => it.source === 'pacto'));

    // pacto.validate, as the "Pacto: Validate" command sends it: the same findings.
    const validated = (await connection.sendRequest(ExecuteCommandRequest.type, { command: 'pacto.validate', arguments: [uri] })) as {
      valid: boolean;
      errors: number;
      warnings: number;
      version: number;
      findings: { code: string; severity: string; message: string; path: string; range: unknown }[];
    };
    assert.equal(validated.valid, false);
    assert.equal(validated.version, 1);
    assert.equal(validated.errors, diagnostics.filter((it) => it.severity === 1).length);
    assert.equal(validated.warnings, diagnostics.filter((it) => it.severity === 2).length);
    assert.deepEqual(
      validated.findings.map((it) => it.code),
      codes,
    );
    const finding = validated.findings.find((it) => it.code === 'HEALTH_INTERFACE_NOT_FOUND')!;
    assert.deepEqual(finding.range, range(27, 15, 27, 18));
    assert.equal(finding.path, 'runtime.health.interface');
    assert.equal(finding.severity, 'error');
    assert.match(finding.message, /wbe/);

    // The other commands: whatever comes back (a result or a JSON-RPC error with a message) is shown as is.
    const packed = await connection.sendRequest(ExecuteCommandRequest.type, { command: 'pacto.pack', arguments: [uri] }).then(
      (result) => ({ result }),
      (error: unknown) => ({ error }),
    );
    if ('error' in packed) {
      const error = packed.error;
      assert.ok(error instanceof ResponseError, String(error));
      assert.ok(error.message.length > 0);
      // The server also tells the user (VS Code collapses it with the client's identical notification).
      const shown = await session.wait('window/showMessage', () => session.messages.find((it) => it.message === `Pacto: ${error.message}`));
      assert.equal(shown.type, 1);
    }
    // A bad call is an error with a clear message, not a crash.
    await assert.rejects(connection.sendRequest(ExecuteCommandRequest.type, { command: 'pacto.validate', arguments: [] }), /URI/);

    // Completion at `runtime.health.interface: ` after deleting the typo: the declared http/grpc interfaces.
    await connection.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version: 2 },
      contentChanges: [{ range: range(27, 15, 27, 18), text: '' }],
    });
    const completion = await connection.sendRequest(CompletionRequest.type, {
      textDocument: { uri },
      position: { line: 27, character: 15 },
      context: { triggerKind: 1 },
    });
    const items: CompletionItem[] = Array.isArray(completion) ? completion : ((completion as CompletionList | null)?.items ?? []);
    assert.deepEqual(
      items.map((it) => it.label),
      ['web'],
    );
    const edit = items[0].textEdit;
    assert.ok(edit && 'range' in edit, 'a textEdit with a range');
    assert.deepEqual(edit.range, range(27, 15, 27, 15));
    assert.equal(edit.newText, 'web');
    assert.equal(items[0].detail, 'http');
    const edited = await session.diagnosticsFor(uri, 2);
    assert.deepEqual(
      edited.filter((it) => it.range.start.line === 27).map((it) => [it.code, it.data]),
      [['SCHEMA_VIOLATION', { path: 'runtime.health.interface' }]],
    );

    await connection.sendRequest(ShutdownRequest.type);
    await connection.sendNotification(ExitNotification.type);
    assert.equal(await exited, 0, `exit code; stderr:\n${session.stderr}`);
  } finally {
    connection.dispose();
    if (child.exitCode === null) {
      child.kill();
    }
    fs.rmSync(workspace, { recursive: true, force: true });
  }
});
