// Where the tests find the repository and the real server binary ($PACTO_LSP_BIN, default
// target/debug/pacto-lsp; a relative $PACTO_LSP_BIN is taken from editors/vscode).

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** editors/vscode (this file runs from out/tsc/test). */
export const PACKAGE_ROOT = path.resolve(__dirname, '..', '..', '..');
export const REPO_ROOT = path.resolve(PACKAGE_ROOT, '..', '..');
export const BINARY = path.resolve(
  PACKAGE_ROOT,
  process.env.PACTO_LSP_BIN || path.join(REPO_ROOT, 'target', 'debug', process.platform === 'win32' ? 'pacto-lsp.exe' : 'pacto-lsp'),
);

export function requireBinary(): void {
  assert.ok(
    fs.existsSync(BINARY),
    `pacto-lsp binary not found at ${BINARY}: build it first (\`cargo build\` in the repository root) or point PACTO_LSP_BIN at it`,
  );
}
