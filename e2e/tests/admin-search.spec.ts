import { expect, type Page, test } from '@playwright/test';
import { ADMIN_PASSWORD } from '../support/constants';
import { login } from '../support/fixtures';
import { useOwnServer } from '../support/own-server';

const server = useOwnServer(3142);

const sidebar = (page: Page) => page.getByRole('complementary');
const searchBox = (page: Page) => sidebar(page).getByRole('combobox', { name: 'Search administration' });
const results = (page: Page) => sidebar(page).getByRole('listbox', { name: 'Search results' });
const crumbs = (page: Page) => page.getByRole('navigation', { name: 'Breadcrumb' });
const banner = (page: Page) => page.getByRole('region', { name: 'Site status' });

async function api(page: Page, path: string) {
  const res = await page.request.get(`${server().url}/api${path}`);
  expect(res.status()).toBe(200);
  return res.json();
}

test.beforeEach(async ({ page }) => {
  await login(page, 'admin', ADMIN_PASSWORD, server().url);
});

test('admin search finds a setting by its config name, from the keyboard', async ({ page }) => {
  await page.goto(`${server().url}/admin`);
  await searchBox(page).fill('enablewebservices');
  const option = results(page).getByRole('option', { name: /Enable web services.*Advanced features/ });
  await expect(option).toBeVisible();
  await expect(results(page).getByRole('option')).toHaveCount(1);
  await expect(option).toContainText('enablewebservices');

  // Arrow down chooses it (aria-activedescendant), Enter opens its page.
  await searchBox(page).press('ArrowDown');
  await expect(option).toHaveAttribute('aria-selected', 'true');
  await expect(searchBox(page)).toHaveAttribute('aria-activedescendant', (await option.getAttribute('id')) ?? '');
  await searchBox(page).press('Enter');
  await expect(page).toHaveURL(/\/admin\/advanced-features$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Advanced features' })).toBeVisible();
  await expect(results(page)).toBeHidden();

  // Escape closes the list and keeps what was typed.
  await searchBox(page).fill('tokens');
  await expect(results(page)).toBeVisible();
  await searchBox(page).press('Escape');
  await expect(results(page)).toBeHidden();
  await expect(searchBox(page)).toHaveValue('tokens');
});

test('a setting shown on two pages is found on both; Enter with nothing chosen opens the results page', async ({
  page,
}) => {
  await page.goto(`${server().url}/admin`);
  await searchBox(page).fill('enablemobilewebservice');
  await expect(results(page).getByRole('option')).toHaveCount(2);
  await expect(
    results(page)
      .getByRole('option', { name: /Mobile/ })
      .last(),
  ).toBeVisible();
  await searchBox(page).press('Enter');
  await expect(page).toHaveURL(/\/admin\/search\?query=enablemobilewebservice$/);
  await expect(page).toHaveTitle('Search: enablemobilewebservice | Gatehouse');
  const main = page.getByRole('main');
  await expect(main.getByRole('status')).toHaveText('2 results');
  await main
    .getByRole('link', { name: /Enable web services for mobile devices.*Mobile/ })
    .last()
    .click();
  await expect(page).toHaveURL(/\/admin\/webservice\/mobile$/);

  // The results page searches again by itself, and says when nothing matches.
  await page.goto(`${server().url}/admin/search?query=zzzz`);
  await expect(main.getByRole('status')).toHaveText('No pages or settings match.');
  await main.getByRole('searchbox').fill('manage tokens');
  await main.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(/query=manage\+tokens$/);
  await main.getByRole('link', { name: /^Manage tokens/ }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Manage tokens' })).toBeVisible();
});

test('admin search finds pages by title, with the mouse, and on a phone in the menu', async ({ page }) => {
  await page.goto(`${server().url}/admin`);
  await searchBox(page).fill('check permissions');
  await results(page)
    .getByRole('option', { name: /Check system permissions/ })
    .click();
  await expect(page.getByRole('heading', { level: 1, name: 'Check system permissions' })).toBeVisible();

  await page.setViewportSize({ width: 360, height: 740 });
  await page.getByRole('button', { name: 'Menu' }).click();
  const drawer = page.getByRole('dialog', { name: 'Navigation' });
  await drawer.getByRole('combobox', { name: 'Search administration' }).fill('debug');
  await drawer.getByRole('combobox', { name: 'Search administration' }).press('ArrowDown');
  await drawer.getByRole('combobox', { name: 'Search administration' }).press('Enter');
  await expect(drawer).toBeHidden();
  await expect(page.getByRole('heading', { level: 1, name: 'Debugging' })).toBeVisible();
  // No sideways scroll with the search in the header's menu.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
});

test('breadcrumbs are links along the navigation tree, and the title names the thing edited', async ({ page }) => {
  const service = await api(page, '/services/1');
  await page.goto(`${server().url}/admin/webservice/services/1`);
  await expect(page).toHaveTitle(`Edit service: ${service.name} | Gatehouse`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Edit service: ${service.name}`);
  await expect(crumbs(page).getByRole('link')).toHaveText(['Site administration', 'External services']);
  await expect(crumbs(page).getByRole('link', { name: 'Site administration' })).toHaveAttribute('href', '/admin');
  await expect(crumbs(page).getByRole('listitem')).toHaveText([
    'Site administration›',
    'Plugins›',
    'Web services›',
    'External services›',
    service.name,
  ]);
  await expect(crumbs(page).locator('[aria-current="page"]')).toHaveText(service.name);
  await crumbs(page).getByRole('link', { name: 'External services' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'External services' })).toBeVisible();
  await expect(page).toHaveTitle('External services | Gatehouse');
  await expect(crumbs(page).getByRole('link')).toHaveText(['Site administration']);

  const role = await api(page, '/roles/1');
  await page.goto(`${server().url}/admin/roles/1`);
  await expect(page).toHaveTitle(`Edit role: ${role.name || role.shortname} | Gatehouse`);
  await expect(crumbs(page).getByRole('link')).toHaveText(['Site administration', 'Define roles']);

  const user = await api(page, '/users/4');
  const name = `${user.firstname} ${user.lastname}`;
  await page.goto(`${server().url}/admin/users/4`);
  await expect(page).toHaveTitle(`Edit user: ${name} | Gatehouse`);
  await expect(crumbs(page).locator('[aria-current="page"]')).toHaveText(name);
  await crumbs(page).getByRole('link', { name: 'Browse list of users' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Browse list of users' })).toBeVisible();

  // A page below one that is not in the tree: its parent is in the trail.
  await page.goto(`${server().url}/admin/webservice/services/1/users`);
  await expect(page).toHaveTitle(`Authorised users: ${service.name} | Gatehouse`);
  await expect(crumbs(page).getByRole('link')).toHaveText(['Site administration', 'External services']);

  // The user's own pages start at Preferences.
  await page.goto(`${server().url}/preferences/keys`);
  await expect(crumbs(page).getByRole('link')).toHaveText(['Preferences']);
});

test('a banner on every page while maintenance mode or developer debugging is on, gone when off', async ({ page }) => {
  await page.goto(`${server().url}/admin/maintenance`);
  await expect(page.getByRole('heading', { level: 1, name: 'Maintenance mode' })).toBeVisible();
  await expect(banner(page)).toHaveCount(0);

  const main = page.getByRole('main');
  await main.getByRole('combobox', { name: 'Maintenance mode' }).selectOption('1');
  await main.getByRole('button', { name: 'Save changes' }).click();
  // Saved in this window: the banner appears at once, without a reload.
  await expect(banner(page)).toContainText('Maintenance mode is on');
  await page.goto(`${server().url}/admin/webservice/tokens`);
  await expect(banner(page)).toContainText('Maintenance mode is on');
  await expect(banner(page)).not.toContainText('Developer debugging');
  await banner(page).getByRole('link', { name: 'Maintenance mode settings' }).click();
  await expect(page).toHaveURL(/\/admin\/maintenance$/);

  await main.getByRole('combobox', { name: 'Maintenance mode' }).selectOption('0');
  await main.getByRole('button', { name: 'Save changes' }).click();
  await expect(banner(page)).toHaveCount(0);

  await page.goto(`${server().url}/admin/debugging`);
  await main.getByRole('combobox', { name: 'Debug messages' }).selectOption('developer');
  await main.getByRole('button', { name: 'Save changes' }).click();
  await expect(banner(page)).toContainText('Developer debugging is on');
  await page.goto(`${server().url}/preferences`);
  await expect(banner(page).getByRole('link', { name: 'Debugging settings' })).toHaveAttribute(
    'href',
    '/admin/debugging',
  );
  await page.goto(`${server().url}/admin/debugging`);
  await main.getByRole('combobox', { name: 'Debug messages' }).selectOption('none');
  await main.getByRole('button', { name: 'Save changes' }).click();
  await expect(banner(page)).toHaveCount(0);
});
