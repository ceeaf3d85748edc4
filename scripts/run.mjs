#!/usr/bin/env node
// The two README commands (`npm start`, `npm test`) land here. On a fresh machine that has
// only Node.js and npm, this bootstraps a pinned pnpm into .tools/, installs the workspace
// (building better-sqlite3 from source), builds, and then starts the server or runs every test.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureNginxInstalled } from './nginx.mjs';
import { ensurePostgresInstalled } from './pg-cluster.mjs';
import { SERVER_ENV, SERVER_NODE_FLAGS } from './server-flags.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { packageManager } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const pnpmVersion = packageManager.split('@')[1];
const toolsDir = join(root, '.tools');
const pnpmBin = join(toolsDir, 'node_modules', 'pnpm', 'bin', 'pnpm.cjs');
const env = {
  ...process.env,
  PATH: [join(toolsDir, 'node_modules', '.bin'), join(root, 'node_modules', '.bin'), process.env.PATH].join(delimiter),
};

function step(title) {
  console.log(`\n\u25b6 ${title}`);
}

function run(cmd, args, opts = {}) {
  execFileSync(cmd, args, { cwd: root, stdio: 'inherit', env, ...opts });
}

function pnpm(...args) {
  run(process.execPath, [pnpmBin, ...args]);
}

function ensurePnpm() {
  if (existsSync(pnpmBin)) {
    const installed = JSON.parse(readFileSync(join(toolsDir, 'node_modules', 'pnpm', 'package.json'), 'utf8'));
    if (installed.version === pnpmVersion) return;
  }
  step(`Bootstrapping pnpm ${pnpmVersion} into .tools/`);
  run('npm', [
    'install',
    '--prefix',
    toolsDir,
    '--no-save',
    '--no-audit',
    '--no-fund',
    '--loglevel=error',
    `pnpm@${pnpmVersion}`,
  ]);
}

function install() {
  step('Installing dependencies (pnpm install)');
  const frozen = existsSync(join(root, 'pnpm-lock.yaml')) ? ['--frozen-lockfile'] : [];
  pnpm('install', ...frozen, '--prefer-offline');
}

function build() {
  step('Building (shared, BFF, SPA)');
  pnpm('run', 'build');
}

/** Debian packages the tests need: Chromium for Playwright, curl to run the documented examples. */
function ensureTestPackages() {
  const missing = [
    ['/usr/bin/chromium', 'chromium'],
    ['/usr/bin/curl', 'curl'],
  ]
    .filter(([path]) => !existsSync(path))
    .map(([, pkg]) => pkg);
  if (!missing.length) return;
  step(`Installing Debian packages for the tests: ${missing.join(', ')}`);
  const sudo = process.getuid && process.getuid() === 0 ? [] : ['sudo'];
  const apt = (...a) => run(sudo[0] ?? 'apt-get', sudo.length ? ['apt-get', ...a] : a);
  apt('update');
  apt('install', '-y', '--no-install-recommends', ...missing);
}

const USAGE = `Usage: node scripts/run.mjs [start|test|setup]   (npm start, npm test, npm run setup)

Bootstraps pnpm ${pnpmVersion} into .tools/ (no global install), installs the workspace and builds, then
  start   serves Gatehouse (apps/bff/dist/index.js) on PORT (default 3000)
  test    type-check, lint, unit/API tests (SQLite, then PostgreSQL), browser tests,
          fault tests (SQLite, PostgreSQL), cluster test (three nodes behind nginx)
  setup   stops there
Afterwards every step runs on its own with npm run <script> (package.json lists them).`;

const command = process.argv[2] ?? 'start';
if (process.argv.slice(2).some((a) => a === '--help' || a === '-h' || a === 'help')) {
  console.log(USAGE);
  process.exit(0);
}
if (!['start', 'test', 'setup'].includes(command)) {
  console.error(`Unknown command "${command}". Use start, test or setup.\n\n${USAGE}`);
  process.exit(2);
}
try {
  ensurePnpm();
  install();
  build();
  if (command === 'setup') process.exit(0);
  if (command === 'start') {
    step('Starting Gatehouse');
    const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, join(root, 'apps/bff/dist/index.js')], {
      cwd: root,
      stdio: 'inherit',
      env: { ...env, ...SERVER_ENV },
    });
    for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
    child.on('exit', (code, signal) => process.exit(signal ? 0 : (code ?? 0)));
  } else if (command === 'test') {
    ensureTestPackages();
    // PostgreSQL (a private cluster per run) and nginx (the cluster test's load balancer), from Debian.
    ensurePostgresInstalled();
    ensureNginxInstalled();
    step('Type-checking');
    pnpm('run', 'typecheck');
    step('Linting (Biome)');
    pnpm('run', 'lint');
    step('Unit and API tests (Vitest)');
    pnpm('run', 'test:unit');
    step('API and function tests on PostgreSQL (a private cluster, one database per test app)');
    pnpm('run', 'test:pg');
    step('Browser tests (Playwright, Debian Chromium)');
    pnpm('run', 'test:e2e');
    step('Fault test (SIGKILL under load, then check every acknowledged write)');
    pnpm('run', 'test:faults');
    step('Fault test on PostgreSQL (SIGKILL under load on a durable private cluster)');
    pnpm('run', 'test:faults:pg');
    step('Cluster test (three nodes on one PostgreSQL behind nginx: invalidation, leader kill)');
    pnpm('run', 'test:cluster');
    console.log('\nAll checks passed.');
  }
} catch (err) {
  console.error(`\n\u2716 ${err.message ?? err}`);
  process.exit(typeof err.status === 'number' && err.status > 0 ? err.status : 1);
}
