// Turns a `workspace/executeCommand` result into a one-line notification. Pure (no `vscode`
// import): the client shows whatever the server returns, and the full JSON is one click away.

export interface Summary {
  message: string;
  /** False when the result reports a problem (an invalid contract): shown as a warning. */
  ok: boolean;
}

export function summarize(command: string, result: unknown): Summary {
  const it = (typeof result === 'object' && result !== null ? result : {}) as Record<string, unknown>;
  const count = (n: unknown, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (command === 'pacto.validate' && typeof it.errors === 'number') {
    const warnings = typeof it.warnings === 'number' ? it.warnings : 0;
    const findings = `${count(it.errors, 'error')}, ${count(warnings, 'warning')}`;
    return it.errors === 0 ? { message: `The contract is valid (${findings}).`, ok: true } : { message: `The contract has ${findings}.`, ok: false };
  }
  if (command === 'pacto.pack' && typeof it.path === 'string') {
    const digest = typeof it.digest === 'string' ? ` (${it.digest})` : '';
    return { message: `Packed the bundle to ${it.path}${digest}.`, ok: true };
  }
  if (command === 'pacto.push' && typeof it.ref === 'string') {
    const verb = it.pushed === false ? 'Already in the registry' : 'Pushed';
    return { message: `${verb}: ${it.ref}${typeof it.digest === 'string' ? ` (${it.digest})` : ''}.`, ok: true };
  }
  if (command === 'pacto.diff' && typeof it.classification === 'string') {
    const changes = Array.isArray(it.changes) ? `, ${count(it.changes.length, 'change')}` : '';
    const against = typeof it.baseline === 'string' ? ` against ${it.baseline}` : '';
    return { message: `Diff${against}: ${it.classification}${changes}; changes are shown in the editor until the baseline is cleared.`, ok: it.classification !== 'BREAKING' };
  }
  if (command === 'pacto.diff.clear') {
    return { message: 'Cleared the diff baseline.', ok: true };
  }
  return { message: `${command} finished.`, ok: true };
}
