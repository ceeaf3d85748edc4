import { defineConfig } from 'vitest/config';

// Root test config: one Vitest project per package that has unit/API tests.
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
          pool: 'forks',
          testTimeout: 20_000,
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
