// The VS Code client for pacto-lsp: starts the server for files named `pacto.yaml`, forwards the
// Pacto commands to `workspace/executeCommand`, and restarts when `pacto.server.path` changes.
// Everything else (diagnostics, completion, quick fixes, …) comes from the server.

import * as vscode from 'vscode';
import { ExecuteCommandRequest, LanguageClient, StaticFeature, TransportKind } from 'vscode-languageclient/node';

import { summarize } from './results';
import { resolveServerPath, ServerPathError, SETTING } from './server';

/** The server's commands; this client registers them itself because it adds the arguments. */
const SERVER_COMMANDS = ['pacto.validate', 'pacto.pack', 'pacto.push', 'pacto.diff', 'pacto.diff.clear'];

let client: LanguageClient | undefined;
let output: vscode.OutputChannel;
let restarts: Promise<void> = Promise.resolve();

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  output = vscode.window.createOutputChannel('Pacto');
  const register = (id: string, handler: (...args: any[]) => unknown) =>
    context.subscriptions.push(vscode.commands.registerCommand(id, handler));
  // Called from the palette without arguments, or from a code action / lens with the server's ones.
  register('pacto.validate', (uri?: unknown) => run('pacto.validate', uri, []));
  register('pacto.pack', (uri?: unknown) => run('pacto.pack', uri, []));
  register('pacto.push', async (uri?: unknown, ref?: unknown, ...rest: unknown[]) => {
    ref ??= await ask('Push', 'The OCI reference to push the bundle to', (it) =>
      /^oci:\/\/\S+$/.test(it) ? undefined : 'The reference must start with oci://',
    );
    if (ref !== undefined) {
      await run('pacto.push', uri, [ref, ...rest]);
    }
  });
  register('pacto.diff', async (uri?: unknown, against?: unknown) => {
    against ??= await ask('Diff against…', 'The older contract: a bundle folder, a pacto.yaml or a packed .tar.gz (relative to the bundle)', (it) =>
      it ? undefined : 'Enter a path to the older contract',
    );
    if (against !== undefined) {
      await run('pacto.diff', uri, [against]);
    }
  });
  register('pacto.diff.clear', (uri?: unknown) => run('pacto.diff.clear', uri, []));
  register('pacto.restart', () => restart(context));
  register('pacto.showLogs', () => output.show());
  context.subscriptions.push(
    output,
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration(SETTING)) {
        void restart(context);
      }
    }),
  );
  // The restart command is the only way the client starts.
  await restart(context);
}

export function deactivate(): Thenable<void> | undefined {
  return client?.needsStop() ? client.stop() : undefined;
}

/** Stops the running client (if any) and starts a new one; restarts run one after the other. */
function restart(context: vscode.ExtensionContext): Promise<void> {
  restarts = restarts.then(() => start(context)).catch((error) => output.appendLine(`Restart failed: ${message(error)}`));
  return restarts;
}

async function start(context: vscode.ExtensionContext): Promise<void> {
  const previous = client;
  client = undefined;
  if (previous?.needsStop()) {
    await previous.stop().catch((error) => output.appendLine(`Stopping the server failed: ${message(error)}`));
  }
  let command: string;
  try {
    const resolved = resolveServerPath({
      setting: vscode.workspace.getConfiguration('pacto').get<string>('server.path'),
      extensionPath: context.extensionPath,
      env: process.env,
      workspaceFolder: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
    });
    output.appendLine(`Starting ${resolved.command} (found via ${resolved.source})`);
    command = resolved.command;
  } catch (error) {
    const openSettings = () => vscode.commands.executeCommand('workbench.action.openSettings', SETTING);
    return fail(message(error), error instanceof ServerPathError && error.fromSetting ? { 'Open Settings': openSettings } : {});
  }
  const config = vscode.workspace.getConfiguration('pacto');
  client = new LanguageClient(
    'pacto',
    'Pacto',
    { command, transport: TransportKind.stdio },
    {
      documentSelector: [{ scheme: 'file', language: 'yaml', pattern: '**/pacto.yaml' }],
      initializationOptions: {
        readiness: { gate: config.get('readiness.gate'), warnDays: config.get('readiness.warnDays') },
        registry: { plainHttp: config.get('registry.plainHttp'), timeoutMs: config.get('registry.timeoutMs') },
        offline: config.get('offline'),
        cacheDir: config.get('cacheDir'),
      },
      // The server's settings only: `pacto.server.path` restarts instead (a notification sent to the
      // stopping client would fail), and `pacto.trace.server` is the client's own.
      synchronize: { configurationSection: ['pacto.readiness', 'pacto.registry', 'pacto.offline', 'pacto.cacheDir'] },
      outputChannel: output,
    },
  );
  client.registerFeature(ownCommands);
  try {
    await client.start();
  } catch (error) {
    fail(`the language server did not start: ${message(error)}`, { 'Show Logs': () => output.show() });
  }
}

/** Sends a command for a contract and shows what comes back: a summary with "Details", or the error. */
async function run(command: string, target: unknown, extra: unknown[]): Promise<void> {
  const uri = target instanceof vscode.Uri ? target.toString() : typeof target === 'string' ? target : activeContract();
  const running = client;
  if (uri === undefined) {
    return fail('open a pacto.yaml file first.');
  }
  if (!running?.isRunning()) {
    return fail('the language server is not running (see "Pacto: Show Logs").');
  }
  try {
    const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Pacto: ${command}` }, () =>
      running.sendRequest(ExecuteCommandRequest.type, { command, arguments: [uri, ...extra] }),
    );
    const json = JSON.stringify(result, null, 2) ?? 'null';
    output.appendLine(`${command} ${uri}:\n${json}`);
    const summary = summarize(command, result);
    const show = summary.ok ? vscode.window.showInformationMessage : vscode.window.showWarningMessage;
    if ((await show(`Pacto: ${summary.message}`, 'Details')) === 'Details') {
      const document = await vscode.workspace.openTextDocument({ language: 'json', content: json });
      await vscode.window.showTextDocument(document, { preview: true });
    }
  } catch (error) {
    // Same text as the server's own window/showMessage, so VS Code shows the two as one notification.
    fail(message(error));
  }
}

function ask(title: string, prompt: string, check: (value: string) => string | undefined): Thenable<string | undefined> {
  const placeHolder = 'oci://registry.example.com/team/service-pacto:1.0.0';
  const options = { title: `Pacto: ${title}`, prompt, placeHolder, ignoreFocusOut: true, validateInput: (it: string) => check(it.trim()) };
  return vscode.window.showInputBox(options).then((it) => it?.trim());
}

function activeContract(): string | undefined {
  const document = vscode.window.activeTextEditor?.document;
  return document?.uri.path.endsWith('/pacto.yaml') ? document.uri.toString() : undefined;
}

/** Logs the problem and shows it; each action is a button. */
function fail(text: string, actions: Record<string, () => unknown> = {}): void {
  output.appendLine(text);
  void vscode.window.showErrorMessage(`Pacto: ${text}`, ...Object.keys(actions)).then((choice) => choice && actions[choice]());
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Keeps vscode-languageclient from registering the server's command ids, which this client owns
 * ("command 'pacto.validate' already exists" otherwise); any other server command still works. */
const ownCommands: StaticFeature = {
  preInitialize: (capabilities) => {
    const provider = capabilities.executeCommandProvider;
    if (provider) {
      provider.commands = provider.commands.filter((it) => !SERVER_COMMANDS.includes(it));
    }
  },
  getState: () => ({ kind: 'static' }),
  fillClientCapabilities() {},
  initialize() {},
  clear() {},
};
