import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Root test config: one Vitest project per package that has unit/API tests.

/**
 * `npm run test:pg` runs the BFF's suite again on PostgreSQL (GATEHOUSE_TEST_DATABASE_URL, set by
 * scripts/pg-cluster.mjs). These files test SQLite itself (its file, its locks, its backup, a full
 * disk under it) and stay on SQLite; single tests
 * of that kind elsewhere skip themselves (`onPostgres`, apps/bff/src/test/test-store.ts).
 */
const SQLITE_ONLY = [
  'src/features/backup/backup.test.ts',
  'src/features/backup/backup-files.test.ts',
  'src/features/backup/restore-verify.test.ts',
  'src/full-disk.test.ts',
  'src/data-folder.test.ts',
  'src/db/data-folder.test.ts',
  'src/db/seed.test.ts',
  'src/cli.test.ts',
];
const onPostgres = Boolean(process.env.GATEHOUSE_TEST_DATABASE_URL);

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'shared',
          root: './packages/shared',
          include: ['src/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'bff',
          root: './apps/bff',
          include: ['src/**/*.test.ts'],
          exclude: onPostgres ? SQLITE_ONLY : [],
          pool: 'forks',
          // The files share their worker (the app's modules are imported once per worker, not once
          // per file: that import was half the run). src/test/setup.ts puts back, before each file,
          // the globals a file can leave changed.
          isolate: false,
          setupFiles: [fileURLToPath(new URL('./apps/bff/src/test/setup.ts', import.meta.url))],
          testTimeout: 20_000,
          // A beforeAll that fills a list past its count cap (10 000 rows) took over the default
          // 10 s on PostgreSQL on a busy machine.
          hookTimeout: 30_000,
        },
      },
      {
        // The SPA's plain modules (no DOM): the QueryClient's handlers.
        test: {
          name: 'web',
          root: './apps/web',
          include: ['src/**/*.test.ts'],
        },
      },
      {
        // The root's own scripts, and the README's commands run as written.
        test: {
          name: 'scripts',
          root: './scripts',
          include: ['**/*.test.ts'],
          // Some cases start the real servers (npm run serve / dev) while the rest of the suite runs.
          testTimeout: 180_000,
        },
      },
    ],
  },
});
