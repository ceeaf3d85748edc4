#!/usr/bin/env node
// `npm run lint`: Biome (lint and format), dependency-cruiser (layers, repositories, no cycles,
// see .dependency-cruiser.cjs) and knip (dead files, exports and dependencies), one after the
// other; the first that fails stops the run with its exit code.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const STEPS = [
  ['biome', ['check', '.']],
  ['depcruise', ['apps/bff/src', 'apps/web/src', 'packages/shared/src', '--config', '.dependency-cruiser.cjs']],
  ['knip', ['--no-progress']],
];

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  console.log(`Usage: npm run lint

Runs, in order, and stops at the first failure:
${STEPS.map(([tool, args]) => `  ${tool} ${args.join(' ')}`).join('\n')}`);
  process.exit(0);
}
const bin = join(root, 'node_modules', '.bin');
if (!existsSync(bin)) {
  console.error('The workspace is not installed yet (no node_modules): run `npm start` or `npm test` first.');
  process.exit(1);
}
const env = { ...process.env, PATH: [bin, process.env.PATH].join(delimiter) };
for (const [tool, args] of STEPS) {
  const r = spawnSync(tool, args, { cwd: root, stdio: 'inherit', env });
  if (r.error) throw r.error;
  if (r.status !== 0) process.exit(r.status ?? 1);
}
