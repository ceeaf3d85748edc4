import AxeBuilder from '@axe-core/playwright';
import { expect, type Page, test } from '@playwright/test';
import { ADMIN_PASSWORD, DEMO_PASSWORD } from '../support/constants';
import { login } from '../support/fixtures';
import { useOwnServer } from '../support/own-server';

const server = useOwnServer(3141);

/** The main screens, as in accessibility.spec.ts (ids of the demo data). */
const ADMIN_SCREENS = [
  '/admin',
  '/admin/advanced-features',
  '/admin/users',
  '/admin/users/new',
  '/admin/users/4',
  '/admin/roles',
  '/admin/roles/1',
  '/admin/roles/assign',
  '/admin/roles/check',
  '/admin/webservice/overview',
  '/admin/webservice/protocols',
  '/admin/webservice/services',
  '/admin/webservice/services/1',
  '/admin/webservice/services/1/functions',
  '/admin/webservice/services/1/users',
  '/admin/webservice/tokens',
  '/admin/webservice/tokens/new',
  '/admin/webservice/mobile',
  '/admin/webservice/documentation',
  '/admin/webservice/testclient',
  '/admin/maintenance',
  '/admin/debugging',
  '/admin/audit',
  '/admin/hub/settings',
  '/admin/hub/sites',
  '/admin/hub/courses',
  '/admin/search?query=web',
  '/preferences',
  '/preferences/keys',
];

const isDark = (page: Page) => page.evaluate(() => document.documentElement.classList.contains('dark'));
const theme = (page: Page) => page.getByRole('banner').getByRole('combobox', { name: 'Theme' });

/** The serious and critical axe violations of one screen, described. */
async function audit(page: Page, path: string): Promise<string[]> {
  await page.goto(`${server().url}${path}`);
  await expect(page.getByRole('heading', { level: 1 }).first()).toBeVisible();
  await page.waitForLoadState('networkidle');
  expect(await isDark(page), path).toBe(true);
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${path}: ${v.id} (${v.impact}): ${v.help} — ${v.nodes
          .map((n) => n.target.join(' '))
          .slice(0, 3)
          .join(', ')}`,
    );
}

test('dark mode follows the system’s setting and every main screen passes axe in it', async ({ page }) => {
  test.setTimeout(240_000);
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto(`${server().url}/login`);
  expect(await isDark(page)).toBe(true);
  const loginAxe = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  expect(loginAxe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual(
    [],
  );

  await login(page, 'admin', ADMIN_PASSWORD, server().url);
  await expect(theme(page)).toHaveValue('system');
  // The page really is dark: the body's background is darker than its text.
  const [bg, fg] = await page.evaluate(() => {
    const s = getComputedStyle(document.body);
    return [s.backgroundColor, s.color];
  });
  expect(bg).not.toBe(fg);
  const found: string[] = [];
  for (const path of ADMIN_SCREENS) found.push(...(await audit(page, path)));
  // The status banner, in dark mode too.
  expect(
    (
      await page.request.patch(`${server().url}/api/settings`, {
        data: { maintenance_enabled: '1', debug: 'developer' },
        headers: { 'x-gatehouse-csrf': '1' },
      })
    ).status(),
  ).toBe(200);
  found.push(...(await audit(page, '/admin/webservice/services')));
  expect(
    (
      await page.request.patch(`${server().url}/api/settings`, {
        data: { maintenance_enabled: '0', debug: 'none' },
        headers: { 'x-gatehouse-csrf': '1' },
      })
    ).status(),
  ).toBe(200);
  expect(found).toEqual([]);
});

test('an ordinary user’s pages pass axe in dark mode too', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await login(page, 'student', DEMO_PASSWORD, server().url);
  const found: string[] = [];
  for (const path of ['/preferences', '/preferences/keys']) found.push(...(await audit(page, path)));
  expect(found).toEqual([]);
});

test('the header’s Theme control is remembered across a reload, applied before the app’s script runs', async ({
  page,
}) => {
  await page.emulateMedia({ colorScheme: 'light' });
  await login(page, 'admin', ADMIN_PASSWORD, server().url);
  expect(await isDark(page)).toBe(false);

  await theme(page).selectOption('dark');
  expect(await isDark(page)).toBe(true);
  await page.reload();
  await expect(theme(page)).toHaveValue('dark');
  expect(await isDark(page)).toBe(true);

  // No flash of the light theme: with the app's own scripts blocked, the page is already dark
  // (public/theme.js runs in <head>, before the first paint).
  await page.route('**/assets/*.js', (route) => route.abort());
  await page.goto(`${server().url}/admin`, { waitUntil: 'domcontentloaded' });
  expect(await isDark(page)).toBe(true);
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  expect(bg).not.toMatch(/^rgb\(2[45]\d, 2[45]\d, 2[45]\d\)$/);
  await page.unroute('**/assets/*.js');

  // Light stays light whatever the system says; System follows it again.
  await page.goto(`${server().url}/admin`);
  await theme(page).selectOption('light');
  await page.emulateMedia({ colorScheme: 'dark' });
  expect(await isDark(page)).toBe(false);
  await page.reload();
  await expect(theme(page)).toHaveValue('light');
  expect(await isDark(page)).toBe(false);
  await theme(page).selectOption('system');
  expect(await isDark(page)).toBe(true);
  await page.emulateMedia({ colorScheme: 'light' });
  await expect.poll(() => isDark(page)).toBe(false);
  expect(await page.evaluate(() => localStorage.getItem('gatehouse.theme'))).toBeNull();
});
