import { defineConfig, devices } from '@playwright/test';
import { ADMIN_PASSWORD, BASE_PORT, DEMO_PASSWORD } from './support/constants';

// The browser tests run against the built SPA served by the real BFF on a fresh data folder,
// in Debian's Chromium (no browser download on this machine).
export default defineConfig({
  testDir: './tests',
  fullyParallel: false,
  workers: 1,
  retries: process.env.CI ? 1 : 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI ? [['list']] : [['list'], ['html', { open: 'never' }]],
  use: {
    baseURL: `http://127.0.0.1:${BASE_PORT}`,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    {
      name: 'chromium',
      use: {
        ...devices['Desktop Chrome'],
        launchOptions: {
          executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
          args: [
            '--no-sandbox',
            '--disable-gpu',
            '--disable-background-networking',
            '--disable-component-update',
            '--no-first-run',
          ],
        },
      },
    },
  ],
  webServer: {
    command: 'node support/start-server.mjs',
    url: `http://127.0.0.1:${BASE_PORT}/api/auth/me`,
    // The server answers 401 for /me when nobody is signed in: any answer means it is up.
    ignoreHTTPSErrors: true,
    reuseExistingServer: false,
    timeout: 60_000,
    env: { PORT: String(BASE_PORT), GATEHOUSE_ADMIN_PASSWORD: ADMIN_PASSWORD, GATEHOUSE_DEMO_PASSWORD: DEMO_PASSWORD },
  },
});
