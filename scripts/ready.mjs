#!/usr/bin/env node
// `node scripts/ready.mjs <file> <args>` runs a Node entry point of the workspace (the built CLI
// or server, the bench, the fault test) in this process, exactly as `node <file> <args>` would,
// once the workspace is installed; before that, or when a built file is missing, it says what to
// do instead of failing with a module-not-found error.
import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = resolve(import.meta.dirname, '..');
const NOT_READY =
  'run `npm start` or `npm test` first: they bootstrap pnpm into .tools/, install the workspace and ' +
  'build it (or `npm run setup`, which does the same without starting anything)';

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('Usage: node scripts/ready.mjs <file> [arguments]');
  process.exit(2);
}
const file = resolve(root, entry);
if (!existsSync(join(root, 'node_modules'))) {
  console.error(`The workspace is not installed yet (no node_modules): ${NOT_READY}.`);
  process.exit(1);
}
if (!existsSync(file)) {
  console.error(`${relative(root, file)} does not exist yet: ${NOT_READY}.`);
  process.exit(1);
}
// The entry point reads process.argv as if it had been started directly.
process.argv = [process.argv[0], file, ...args];
await import(pathToFileURL(file).href);
