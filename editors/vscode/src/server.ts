// Finds the pacto-lsp executable. Pure Node (no `vscode` import) so the order can be unit-tested.
//
// Order: the `PACTO_LSP_PATH` environment variable (development), the `pacto.server.path` setting,
// the binary shipped in the extension's `bin/` folder, then `pacto-lsp` on `PATH`.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const ENV_OVERRIDE = 'PACTO_LSP_PATH';
export const SETTING = 'pacto.server.path';

export interface ResolveInput {
  /** The `pacto.server.path` setting; empty or undefined when unset. */
  setting: string | undefined;
  /** The extension's install folder (holds `bin/` when a binary is shipped). */
  extensionPath: string;
  /** Environment to read `PACTO_LSP_PATH` and `PATH` from. */
  env: Record<string, string | undefined>;
  platform?: NodeJS.Platform;
  /** Relative setting values are taken relative to this folder (the first workspace folder). */
  workspaceFolder?: string;
}

export type ServerSource = 'env' | 'setting' | 'bundled' | 'path';

export interface ResolvedServer {
  command: string;
  source: ServerSource;
}

/** A server path that cannot be used; `fromSetting` tells the client to offer "Open Settings". */
export class ServerPathError extends Error {
  constructor(
    message: string,
    readonly fromSetting: boolean,
  ) {
    super(message);
    this.name = 'ServerPathError';
  }
}

export function resolveServerPath(input: ResolveInput): ResolvedServer {
  const platform = input.platform ?? process.platform;
  const override = input.env[ENV_OVERRIDE]?.trim();
  if (override) {
    return { command: checked(expand(override, input.workspaceFolder), `The ${ENV_OVERRIDE} environment variable`, false), source: 'env' };
  }
  const setting = input.setting?.trim();
  if (setting) {
    return { command: checked(expand(setting, input.workspaceFolder), `The ${SETTING} setting`, true), source: 'setting' };
  }
  const binary = executableName(platform);
  const bundled = path.join(input.extensionPath, 'bin', binary);
  if (isExecutable(bundled)) {
    return { command: bundled, source: 'bundled' };
  }
  const onPath = findOnPath(binary, input.env, platform);
  if (onPath) {
    return { command: onPath, source: 'path' };
  }
  throw new ServerPathError(
    `Cannot find the pacto-lsp language server: it is not in this extension's bin/ folder nor on PATH. ` +
      `Install it with \`cargo install --path .\` from a clone of the pacto-lsp repository (this puts pacto-lsp in ~/.cargo/bin, ` +
      `which must be on PATH), or set ${SETTING} to the binary.`,
    true,
  );
}

export function executableName(platform: NodeJS.Platform): string {
  return platform === 'win32' ? 'pacto-lsp.exe' : 'pacto-lsp';
}

function checked(file: string, what: string, fromSetting: boolean): string {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new ServerPathError(`${what} is "${file}", but that file does not exist.`, fromSetting);
  }
  if (!stat.isFile()) {
    throw new ServerPathError(`${what} is "${file}", which is not a file (it should name the pacto-lsp binary).`, fromSetting);
  }
  if (!isExecutable(file)) {
    throw new ServerPathError(`${what} is "${file}", but that file is not executable (try \`chmod +x\`).`, fromSetting);
  }
  return file;
}

function expand(file: string, workspaceFolder: string | undefined): string {
  if (file === '~' || file.startsWith('~/') || file.startsWith('~\\')) {
    file = path.join(os.homedir(), file.slice(1));
  }
  if (!path.isAbsolute(file) && workspaceFolder) {
    file = path.join(workspaceFolder, file);
  }
  return path.resolve(file);
}

function isExecutable(file: string): boolean {
  try {
    return fs.statSync(file).isFile() && (fs.accessSync(file, fs.constants.X_OK), true);
  } catch {
    return false;
  }
}

function findOnPath(binary: string, env: Record<string, string | undefined>, platform: NodeJS.Platform): string | undefined {
  // Windows spells it `Path`; environment lookups there are case-insensitive.
  const value = env.PATH ?? env.Path ?? '';
  const delimiter = platform === 'win32' ? ';' : ':';
  for (const folder of value.split(delimiter)) {
    if (!folder) {
      continue;
    }
    const candidate = path.join(folder.replace(/^"(.*)"$/, '$1'), binary);
    if (isExecutable(candidate)) {
      return candidate;
    }
  }
  return undefined;
}
