import AxeBuilder from '@axe-core/playwright';
import { expect, type Page, test } from '@playwright/test';
import { ADMIN_PASSWORD, DEMO_PASSWORD } from '../support/constants';
import { login } from '../support/fixtures';
import { useOwnServer } from '../support/own-server';

const server = useOwnServer(3106);

/** Every screen of the console, as an administrator sees it (ids of the demo data). */
const ADMIN_SCREENS = [
  '/admin',
  '/admin/advanced-features',
  '/admin/users',
  '/admin/users/new',
  '/admin/users/4',
  '/admin/roles',
  '/admin/roles/new',
  '/admin/roles/1',
  '/admin/roles/assign',
  '/admin/roles/check',
  '/admin/webservice/overview',
  '/admin/webservice/protocols',
  '/admin/webservice/services',
  '/admin/webservice/services/new',
  '/admin/webservice/services/1',
  '/admin/webservice/services/1/functions',
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
  '/preferences',
  '/preferences/keys',
  '/no-such-page',
];

/** The serious and critical axe violations of one screen, described. */
async function audit(page: Page, path: string): Promise<string[]> {
  await page.goto(`${server().url}${path}`);
  await expect(page.getByRole('heading', { level: 1 }).first()).toBeVisible();
  await page.waitForLoadState('networkidle');
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

test('no serious or critical axe violations on any admin screen', async ({ page }) => {
  test.setTimeout(180_000);
  await login(page, 'admin', ADMIN_PASSWORD, server().url);
  const found: string[] = [];
  for (const path of ADMIN_SCREENS) found.push(...(await audit(page, path)));
  expect(found).toEqual([]);
});

test('no serious or critical axe violations on the login page and an ordinary user’s pages', async ({ page }) => {
  await page.goto(`${server().url}/login`);
  const result = await new AxeBuilder({ page }).analyze();
  expect(result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual(
    [],
  );
  await login(page, 'student', DEMO_PASSWORD, server().url);
  const found: string[] = [];
  for (const path of ['/preferences', '/preferences/keys', '/admin/users', '/hub'])
    found.push(...(await audit(page, path)));
  expect(found).toEqual([]);
});

test('the OpenAPI documents page: no serious axe violations from phone to wide, light and dark, and by keyboard', async ({
  page,
}) => {
  const url = server().url;
  await login(page, 'admin', ADMIN_PASSWORD, url);
  const found: string[] = [];
  // Under a dark preference the console turns dark (index.css): the page must stay as legible as in light.
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    // A narrow window (below 1024 px the navigation is a drawer behind the Menu button) and a laptop;
    // narrow-screens.spec.ts walks every screen at 360 px.
    for (const width of [600, 1280]) {
      await page.setViewportSize({ width, height: 800 });
      for (const path of ['/admin/webservice/openapi', '/admin/webservice/openapi/1']) {
        await page.goto(`${url}${path}`);
        await expect(page.getByRole('heading', { level: 1, name: 'OpenAPI documents' })).toBeVisible();
        await page.waitForLoadState('networkidle');
        // The page's own content (the shell around it is every screen's, audited above at desktop width).
        const result = await new AxeBuilder({ page })
          .include('main')
          .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
          .analyze();
        for (const v of result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical'))
          found.push(
            `${colorScheme} ${width}px ${path}: ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
          );
        // Nothing in it wider than the column it gets: long names, links and commands wrap or scroll.
        const overflow = await page.getByRole('main').evaluate((m) => m.scrollWidth - m.clientWidth);
        if (overflow > 0) found.push(`${colorScheme} ${width}px ${path}: ${overflow}px wider than its column`);
      }
    }
  }
  expect(found).toEqual([]);

  // By keyboard: Tab to a download link, Enter saves the document; a service's functions open
  // from their disclosure and lead into the API documentation.
  await page.emulateMedia({ colorScheme: 'light' });
  await page.goto(`${url}/admin/webservice/openapi`);
  const download = page.getByRole('link', { name: 'Download OpenAPI of all functions' });
  await expect(download).toBeVisible();
  for (let i = 0; i < 40 && !(await download.evaluate((el) => el === document.activeElement)); i++) {
    await page.keyboard.press('Tab');
  }
  await expect(download).toBeFocused();
  const saved = page.waitForEvent('download');
  await page.keyboard.press('Enter');
  expect((await saved).suggestedFilename()).toBe('gatehouse-all-functions.openapi.json');
  const mobile = page.getByRole('article', { name: 'Mobile web services' });
  const summary = mobile.getByText('Read and try its functions');
  for (let i = 0; i < 40 && !(await summary.evaluate((el) => el === document.activeElement)); i++) {
    await page.keyboard.press('Tab');
  }
  await expect(summary).toBeFocused();
  await page.keyboard.press('Enter');
  const fn = mobile.getByRole('link', { name: 'core_webservice_get_site_info', exact: true });
  await fn.focus();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/admin\/webservice\/documentation\/core_webservice_get_site_info$/);
});

test('an administrator can sign in, enable web services and create a token with the keyboard alone', async ({
  page,
}) => {
  await page.goto(`${server().url}/login`);
  const username = page.getByRole('textbox', { name: 'Username' });
  await expect(username).toBeVisible();
  // Tab from the top of the page to the first field (the username field, or autofocus already there).
  for (let i = 0; i < 5 && !(await username.evaluate((el) => el === document.activeElement)); i++) {
    await page.keyboard.press('Tab');
  }
  await expect(username).toBeFocused();
  await page.keyboard.type('admin');
  await page.keyboard.press('Tab');
  await page.keyboard.type(ADMIN_PASSWORD);
  await page.keyboard.press('Enter');
  await expect(page.getByRole('button', { name: 'Log out' })).toBeVisible();

  await page.goto(`${server().url}/admin/advanced-features`);
  const box = page.getByRole('checkbox', { name: 'Enable web services', exact: true });
  await box.focus();
  await page.keyboard.press('Space');
  await expect(box).toBeChecked();
  await page.keyboard.press('Tab');
  // Tab until the save button has focus, then press Enter.
  for (
    let i = 0;
    i < 10 && !(await page.getByRole('button', { name: 'Save changes' }).evaluate((b) => b === document.activeElement));
    i++
  ) {
    await page.keyboard.press('Tab');
  }
  await page.keyboard.press('Enter');
  await expect(page.getByRole('status').filter({ hasText: 'Enable web services' })).toBeVisible();

  await page.goto(`${server().url}/admin/webservice/tokens/new`);
  await page.getByRole('searchbox', { name: 'Search users' }).focus();
  await page.keyboard.type('teacher');
  const choose = page.getByRole('button', { name: /Choose Terry Teacher/ });
  await choose.focus();
  await page.keyboard.press('Enter');
  const service = page.getByRole('combobox', { name: 'Service' });
  await service.focus();
  await service.selectOption({ label: 'Mobile web services' });
  await page.getByRole('button', { name: 'Create token' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('region', { name: 'Token created' })).toBeVisible();

  // Dialogs: Escape closes and focus returns to the button that opened them.
  await page.goto(`${server().url}/admin/webservice/tokens`);
  const del = page.getByRole('button', { name: /^Delete/ }).first();
  await del.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('dialog')).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('dialog')).toHaveCount(0);
  await expect(del).toBeFocused();
});
