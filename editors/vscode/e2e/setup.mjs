// Finishes installing code-server under Node 24 (run by `npm ci` as this package's postinstall).
//
// code-server's own postinstall installs VS Code's dependencies and builds their native modules, and it
// refuses any Node but 24. The machine's npm runs on an older Node, so package.json denies that script
// (`allowScripts`) and this one runs it instead with the Node 24 binary of the `node` package: npm is
// started from a PATH that finds that binary first, and node-gyp compiles against its headers (no
// download from nodejs.org).

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const codeServer = join(here, 'node_modules', 'code-server');
const headers = join(here, 'node_modules', 'node', 'node_modules', `node-${process.platform}-${process.arch}`);

const major = Number(process.versions.node.split('.')[0]);
if (major !== 24) {
  fail(`expected the Node 24 binary of the \`node\` package, got ${process.version}`);
}
if (!existsSync(join(headers, 'include', 'node', 'node.h'))) {
  fail(`no Node headers under ${headers}`);
}

const npmVersion = spawnSync('npm', ['--version'], { encoding: 'utf8', env: environment() }).stdout?.trim() || 'unknown';
console.log(`setup: installing code-server's dependencies with Node ${process.version} and npm ${npmVersion}`);
const result = spawnSync('sh', ['./postinstall.sh'], {
  cwd: codeServer,
  stdio: 'inherit',
  env: {
    ...environment(),
    // postinstall.sh reads the Node version from npm's user agent, which npm sets for its scripts.
    npm_config_user_agent: `npm/${npmVersion} node/${process.version} ${process.platform} ${process.arch}`,
    npm_config_nodedir: headers,
    npm_config_audit: 'false',
    npm_config_fund: 'false',
  },
});
if (result.status !== 0) {
  fail(`code-server's postinstall.sh failed (exit ${result.status ?? result.signal}); is libkrb5-dev installed?`);
}

/** The environment with this Node's folder first on PATH, so `npm` and node-gyp run on it. */
function environment() {
  return { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH}` };
}

function fail(message) {
  console.error(`setup: ${message}`);
  process.exit(1);
}
