// Bundles the BFF's own code, and the workspace's TypeScript packages, into dist/.
// Third-party dependencies stay external and load from node_modules at run time.
import { readFileSync } from 'node:fs';
import { build } from 'esbuild';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
const thirdParty = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).filter(
  (n) => !n.startsWith('@gatehouse/'),
);

await build({
  entryPoints: ['src/index.ts', 'src/cli.ts'],
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: [...thirdParty, ...thirdParty.map((n) => `${n}/*`)],
  sourcemap: true,
  logLevel: 'warning',
});
