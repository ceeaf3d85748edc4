import { expect, test } from '@playwright/test';
import { ADMIN_PASSWORD, DEMO_PASSWORD } from '../support/constants';
import { login } from '../support/fixtures';
import { OwnServer } from '../support/server';

test('an admin enables web services and REST, creates a user, grants a capability; all of it survives a restart', async ({
  page,
}) => {
  const server = new OwnServer(3101);
  await server.start();
  try {
    const url = server.url;
    await login(page, 'admin', ADMIN_PASSWORD, url);

    await page.goto(`${url}/admin/advanced-features`);
    await expect(page.getByRole('heading', { level: 1, name: 'Advanced features' })).toBeVisible();
    await page.getByRole('checkbox', { name: 'Enable web services', exact: true }).check();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Enable web services' })).toBeVisible();

    await page.goto(`${url}/admin/webservice/protocols`);
    await page.getByRole('button', { name: 'Enable REST protocol' }).click();
    await expect(page.getByRole('button', { name: 'Disable REST protocol' })).toBeVisible();

    await page.goto(`${url}/admin/users/new`);
    const main = page.getByRole('main');
    await main.getByRole('textbox', { name: 'Username' }).fill('jbloggs');
    await main.getByRole('textbox', { name: 'First name' }).fill('Joe');
    await main.getByRole('textbox', { name: 'Last name' }).fill('Bloggs');
    await main.getByRole('textbox', { name: 'Email address' }).fill('joe@example.com');
    await main.getByLabel('Password', { exact: true }).fill('Joe-pass-12');
    await main.getByRole('button', { name: 'Create user' }).click();
    // Back on the list, filtered to the new user.
    await expect(page.getByRole('link', { name: 'jbloggs' })).toBeVisible();

    await page.goto(`${url}/admin/roles`);
    await page.getByRole('link', { name: 'Edit Authenticated user' }).click();
    const rest = page.getByRole('radiogroup', { name: /webservice\/rest:use/ });
    await rest.getByRole('radio', { name: 'Allow' }).check();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(page.getByRole('status').first()).toBeVisible();

    await server.stop();
    await server.start();

    // The session is server-side and lives in the database: it survives the restart too.
    await page.goto(`${url}/admin/advanced-features`);
    await expect(page.getByRole('checkbox', { name: 'Enable web services', exact: true })).toBeChecked();
    await page.goto(`${url}/admin/webservice/protocols`);
    await expect(page.getByRole('button', { name: 'Disable REST protocol' })).toBeVisible();
    await page.goto(`${url}/admin/users?search=jbloggs`);
    await expect(page.getByRole('link', { name: 'jbloggs' })).toBeVisible();
    await page.goto(`${url}/admin/roles`);
    await page.getByRole('link', { name: 'Edit Authenticated user' }).click();
    await expect(
      page.getByRole('radiogroup', { name: /webservice\/rest:use/ }).getByRole('radio', { name: 'Allow' }),
    ).toBeChecked();
    expect(await server.cli('config', 'get', 'webserviceprotocols')).toContain('rest');
  } finally {
    await server.dispose();
  }
});

test('an ordinary user cannot open admin pages', async ({ page }) => {
  await login(page, 'student', DEMO_PASSWORD);
  await expect(page).toHaveURL(/\/preferences/);
  await expect(page.getByRole('navigation', { name: 'Site administration' })).toHaveCount(0);
  for (const path of ['/admin/users', '/admin/roles', '/admin/webservice/protocols', '/admin/audit']) {
    await page.goto(path);
    await expect(page.getByText('You do not have permission')).toBeVisible();
  }
  const res = await page.request.get('/api/users');
  expect(res.status()).toBe(403);
});
