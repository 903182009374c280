// A stand-in for the `vscode` module, enough for vscode-languageclient and out/extension.js to
// run under plain Node (VS Code itself cannot run in CI). It records what the extension shows
// and registers; any API it does not model returns a harmless callable/disposable placeholder.

import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface Shown {
  level: 'info' | 'warning' | 'error';
  message: string;
  actions: string[];
}

export class Uri {
  private constructor(private readonly value: string) {}
  static parse(value: string): Uri {
    return new Uri(value);
  }
  static file(file: string): Uri {
    return new Uri(pathToFileURL(file).href);
  }
  get scheme(): string {
    return new URL(this.value).protocol.slice(0, -1);
  }
  get path(): string {
    return decodeURIComponent(new URL(this.value).pathname);
  }
  get fsPath(): string {
    return fileURLToPath(this.value);
  }
  toString(): string {
    return this.value;
  }
  toJSON(): string {
    return this.value;
  }
}

class Position {
  constructor(
    readonly line: number,
    readonly character: number,
  ) {}
}

class Range {
  readonly start: Position;
  readonly end: Position;
  constructor(a: Position | number, b: Position | number, c?: number, d?: number) {
    [this.start, this.end] = typeof a === 'number' ? [new Position(a, b as number), new Position(c!, d!)] : [a, b as Position];
  }
}

class Diagnostic {
  code?: unknown;
  source?: string;
  constructor(
    readonly range: Range,
    readonly message: string,
    readonly severity: number,
  ) {}
}

class Disposable {
  constructor(private readonly callback: () => void = () => {}) {}
  static from(...items: { dispose(): unknown }[]): Disposable {
    return new Disposable(() => items.forEach((it) => it.dispose()));
  }
  dispose(): void {
    this.callback();
  }
}

class EventEmitter<T> {
  private listeners: ((event: T) => void)[] = [];
  readonly event = (listener: (event: T) => void) => {
    this.listeners.push(listener);
    return new Disposable(() => (this.listeners = this.listeners.filter((it) => it !== listener)));
  };
  fire(event: T): void {
    this.listeners.forEach((it) => it(event));
  }
  dispose(): void {
    this.listeners = [];
  }
}

class CancellationTokenSource {
  private readonly emitter = new EventEmitter<void>();
  readonly token = { isCancellationRequested: false, onCancellationRequested: this.emitter.event };
  cancel(): void {
    this.token.isCancellationRequested = true;
    this.emitter.fire();
  }
  dispose(): void {
    this.emitter.dispose();
  }
}

/** Anything: callable, constructible, iterable (empty), disposable. */
function placeholder(name: string): any {
  return new Proxy(function () {}, {
    get: (_, property) => {
      if (property === Symbol.iterator) {
        return function* () {};
      }
      if (property === 'then' || typeof property === 'symbol') {
        return undefined;
      }
      if (property === 'dispose') {
        return () => {};
      }
      return placeholder(`${name}.${String(property)}`);
    },
    apply: () => placeholder(`${name}()`),
    construct: () => placeholder(`new ${name}`),
  });
}

/** Known members first, then a placeholder for anything else. */
function namespace<T extends object>(name: string, known: T): T & Record<string, any> {
  return new Proxy(known, { get: (target, property) => (property in target ? (target as any)[property] : placeholder(`${name}.${String(property)}`)) }) as any;
}

export interface TextDocument {
  uri: Uri;
  fileName: string;
  languageId: string;
  version: number;
  isClosed: boolean;
  getText(): string;
}

export function textDocument(file: string, text: string, languageId = 'yaml'): TextDocument {
  return { uri: Uri.file(file), fileName: file, languageId, version: 1, isClosed: false, getText: () => text };
}

export function createStub(settings: Record<string, unknown>) {
  const commands = new Map<string, (...args: any[]) => unknown>();
  const shown: Shown[] = [];
  const logs: string[] = [];
  const opened: { language?: string; content?: string }[] = [];
  const diagnostics = new Map<string, Diagnostic[]>();
  const configuration = new EventEmitter<{ affectsConfiguration(section: string): boolean }>();
  const documents: TextDocument[] = [];
  const state = {
    activeTextEditor: undefined as { document: TextDocument } | undefined,
    /** What the next showInputBox returns, and the options it was called with. */
    input: undefined as string | undefined,
    inputOptions: [] as any[],
    /** Which button the next notification "clicks". */
    click: undefined as string | undefined,
    outputShown: 0,
  };
  const show = (level: Shown['level']) => async (message: string, ...actions: string[]) => {
    shown.push({ level, message, actions });
    const click = state.click;
    return click !== undefined && actions.includes(click) ? click : undefined;
  };
  const lookup = (key: string): unknown => {
    if (key in settings) {
      return settings[key];
    }
    const prefix = `${key}.`;
    const nested: Record<string, any> = {};
    let found = false;
    for (const [full, value] of Object.entries(settings)) {
      if (full.startsWith(prefix)) {
        found = true;
        const parts = full.slice(prefix.length).split('.');
        let node = nested;
        parts.slice(0, -1).forEach((part) => (node = node[part] ??= {}));
        node[parts[parts.length - 1]] = value;
      }
    }
    return found ? nested : undefined;
  };
  const vscode = namespace('vscode', {
    version: '1.82.0',
    Uri,
    Position,
    Range,
    Diagnostic,
    Disposable,
    EventEmitter,
    CancellationTokenSource,
    DiagnosticSeverity: { Error: 0, Warning: 1, Information: 2, Hint: 3 },
    ProgressLocation: { SourceControl: 1, Window: 10, Notification: 15 },
    commands: namespace('commands', {
      registerCommand: (id: string, handler: (...args: any[]) => unknown) => {
        if (commands.has(id)) {
          throw new Error(`command '${id}' already exists`);
        }
        commands.set(id, handler);
        return new Disposable(() => commands.delete(id));
      },
      executeCommand: async (id: string, ...args: unknown[]) => commands.get(id)?.(...args),
    }),
    window: namespace('window', {
      get activeTextEditor() {
        return state.activeTextEditor;
      },
      createOutputChannel: () =>
        namespace('outputChannel', {
          name: 'Pacto',
          append: (text: string) => logs.push(text),
          appendLine: (text: string) => logs.push(`${text}\n`),
          show: () => state.outputShown++,
          dispose: () => {},
        }),
      showInformationMessage: show('info'),
      showWarningMessage: show('warning'),
      showErrorMessage: show('error'),
      showInputBox: async (options: unknown) => {
        state.inputOptions.push(options);
        return state.input;
      },
      withProgress: (_options: unknown, task: (progress: unknown, token: unknown) => Promise<unknown>) =>
        task({ report: () => {} }, { isCancellationRequested: false, onCancellationRequested: () => new Disposable() }),
      showTextDocument: async (document: unknown) => document,
    }),
    workspace: namespace('workspace', {
      get textDocuments() {
        return documents;
      },
      workspaceFolders: undefined,
      getConfiguration: (section?: string) => {
        const full = (key: string) => (section ? `${section}.${key}` : key);
        return {
          get: (key: string, fallback?: unknown) => lookup(full(key)) ?? fallback,
          has: (key: string) => lookup(full(key)) !== undefined,
          inspect: () => undefined,
          update: async () => {},
        };
      },
      onDidChangeConfiguration: configuration.event,
      openTextDocument: async (options: { language?: string; content?: string }) => {
        opened.push(options);
        return options;
      },
    }),
    languages: namespace('languages', {
      match: (selector: { scheme?: string; language?: string; pattern?: string }[], document: TextDocument) =>
        selector.some(
          (filter) =>
            (!filter.scheme || filter.scheme === document.uri.scheme) &&
            (!filter.language || filter.language === document.languageId) &&
            (!filter.pattern || !filter.pattern.startsWith('**/') || path.posix.basename(document.uri.path) === filter.pattern.slice(3)),
        )
          ? 10
          : 0,
      createDiagnosticCollection: () =>
        namespace('diagnosticCollection', {
          set: (uri: Uri, items: Diagnostic[]) => diagnostics.set(uri.toString(), items),
          delete: (uri: Uri) => diagnostics.delete(uri.toString()),
          clear: () => diagnostics.clear(),
          dispose: () => diagnostics.clear(),
        }),
    }),
    env: namespace('env', { language: 'en', appName: 'Visual Studio Code' }),
  });
  return {
    vscode,
    commands,
    shown,
    logs,
    opened,
    diagnostics,
    documents,
    state,
    /** Simulates a settings change, as VS Code reports it. */
    changeSettings(changes: Record<string, unknown>): void {
      Object.assign(settings, changes);
      configuration.fire({ affectsConfiguration: (section) => Object.keys(changes).some((it) => it === section || it.startsWith(`${section}.`)) });
    },
  };
}
