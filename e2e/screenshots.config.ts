import base from './playwright.config';

// `npx playwright test --config screenshots.config.ts` remakes the README's screenshots
// (docs/screenshots/*.png). Not part of the suite: it asserts nothing a test does not.
export default { ...base, testDir: './screenshots', webServer: undefined, retries: 0 };
