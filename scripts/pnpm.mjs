#!/usr/bin/env node
// The root scripts run pnpm through here (`node scripts/pnpm.mjs -r build`), so that `npm run
// <script>` works in a plain shell after `npm start` or `npm test` has bootstrapped once: it runs
// the pnpm those commands put in .tools/ (no global install), or the pnpm that is running this
// script when one is (`pnpm build` with your own pnpm), with .tools/node_modules/.bin and
// node_modules/.bin on PATH so that the workspace's scripts find pnpm, tsc, vite, vitest...
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { basename, delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bootstrapped = join(root, '.tools', 'node_modules', 'pnpm', 'bin', 'pnpm.cjs');
const NOT_READY =
  'run `npm start` or `npm test` first: they bootstrap pnpm into .tools/ and install the workspace ' +
  '(or `npm run setup`, which does the same without starting anything)';

/** The pnpm to run: the one running this script when it is a pnpm, else the bootstrapped one. */
function findPnpm() {
  const running = process.env.npm_execpath;
  if (running && /^pnpm(\.c?js)?$/.test(basename(running)) && existsSync(running)) return running;
  return existsSync(bootstrapped) ? bootstrapped : undefined;
}

const pnpm = findPnpm();
if (!pnpm) {
  console.error(`pnpm is not bootstrapped yet (no ${join('.tools', 'node_modules', 'pnpm')}): ${NOT_READY}.`);
  process.exit(1);
}
if (!existsSync(join(root, 'node_modules'))) {
  console.error(`The workspace is not installed yet (no node_modules): ${NOT_READY}.`);
  process.exit(1);
}

const env = {
  ...process.env,
  PATH: [join(root, '.tools', 'node_modules', '.bin'), join(root, 'node_modules', '.bin'), process.env.PATH].join(
    delimiter,
  ),
};
// pnpm.cjs is a script for this Node; a standalone pnpm (@pnpm/exe) is an executable.
const [cmd, args] = /\.c?js$/.test(pnpm)
  ? [process.execPath, [pnpm, ...process.argv.slice(2)]]
  : [pnpm, process.argv.slice(2)];
const child = spawn(cmd, args, { stdio: 'inherit', env });
// A long-running step (dev) stops with its parent: pass on the signals npm or a supervisor sends.
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
child.on('error', (err) => {
  console.error(`Could not run pnpm (${pnpm}): ${err.message}`);
  process.exit(1);
});
child.on('exit', (code, signal) => process.exit(code ?? 128 + (constants.signals[signal] ?? 0)));
