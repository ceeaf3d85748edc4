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
    ],
  },
});
