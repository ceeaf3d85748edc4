import type { KnipConfig } from 'knip';

// Dead code across the pnpm workspace: `npx knip`. The vite, vitest, playwright and drizzle-kit
// plugins find their own config files and what those load; the entries below are what no plugin
// or package.json names.
const config: KnipConfig = {
  workspaces: {
    '.': {
      // The benchmark and the root scripts are run by path (package.json's scripts, the README).
      entry: ['bench/*.{mjs,ts}', 'scripts/*.mjs', 'scripts/**/*.test.ts'],
      project: ['bench/**/*.{mjs,ts}', 'scripts/**/*.{mjs,ts}'],
      // Loaded by path or run by name, which knip cannot follow: bench/run.mjs runs
      // node_modules/autocannon/autocannon.js, scripts/faults.mjs requires better-sqlite3 from
      // apps/bff's dependencies, and scripts/lint.mjs runs biome and depcruise.
      ignoreDependencies: ['autocannon', 'better-sqlite3', '@biomejs/biome', 'dependency-cruiser'],
      // `node scripts/pnpm.mjs -r build`: knip reads pnpm's -r (recursive) as node's -r (--require).
      ignoreUnresolved: ['build', 'typecheck'],
    },
    'apps/bff': {
      // src/index.ts, build.mjs and drizzle.config.ts come from package.json and the plugins.
      entry: ['src/cli.ts', 'src/**/*.test.ts'],
      project: ['src/**/*.ts'],
    },
    'apps/web': {
      project: ['src/**/*.{ts,tsx,css}'],
    },
    'packages/shared': {
      entry: ['src/**/*.test.ts'],
      project: ['src/**/*.ts'],
      // A workspace-private package: an export that neither the BFF nor the web imports is dead.
      includeEntryExports: true,
    },
    e2e: {
      // screenshots.config.ts remakes the README's pictures (`npm run screenshots`).
      entry: ['tests/**/*.spec.ts', 'screenshots/*.spec.ts'],
      project: ['**/*.{ts,mjs}'],
    },
  },
};

export default config;
