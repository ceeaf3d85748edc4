import { expect, test } from '@playwright/test';
import { ADMIN_PASSWORD, DEMO_PASSWORD } from '../support/constants';
import { login } from '../support/fixtures';
import { useOwnServer } from '../support/own-server';

const server = useOwnServer(3103);

test.beforeAll(async () => {
  // Web services on, REST usable by every user, and an open service the manager may use: the
  // mobile toggle from the CLI, as an admin would script it.
  await server().cli('mobile', 'enable');
});

// The seed's "Create a token": Manage tokens > Add, select the user and service, save.
test('an admin creates a token for a user and copies it once; it is not shown again', async ({ page, context }) => {
  const url = server().url;
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: url });
  await login(page, 'admin', ADMIN_PASSWORD, url);
  await page.goto(`${url}/admin/webservice/tokens`);
  await expect(page.getByRole('heading', { level: 1, name: 'Manage tokens' })).toBeVisible();
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Create token' })).toBeVisible();
  await page.getByRole('searchbox', { name: 'Search users' }).fill('student2');
  await page.getByRole('button', { name: /Choose Sasha Learner/ }).click();
  await page.getByRole('combobox', { name: 'Service' }).selectOption({ label: 'Mobile web services' });
  await page.getByRole('button', { name: 'Create token' }).click();

  const panel = page.getByRole('region', { name: 'Token created' });
  await expect(panel).toBeVisible();
  const secret = await panel.getByRole('textbox', { name: 'Token' }).inputValue();
  expect(secret).toMatch(/^gwt[0-9A-Za-z]{49}$/);
  await panel.getByRole('button', { name: 'Copy token' }).click();
  await expect(panel.getByRole('status')).toHaveText('Copied');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);

  // The token works (the same call an external system would make)...
  const res = await page.request.get(
    `${url}/webservice/rest/server.php?wsfunction=core_webservice_get_site_info&moodlewsrestformat=json`,
    {
      headers: { authorization: `Bearer ${secret}` },
    },
  );
  expect(await res.text()).toContain('student2');
  // ...and it is never shown again: not after a reload, not in the list.
  await page.reload();
  await expect(page.getByRole('region', { name: 'Token created' })).toHaveCount(0);
  await page.goto(`${url}/admin/webservice/tokens`);
  await expect(page.getByRole('main')).toContainText('Sasha Learner');
  expect(await page.content()).not.toContain(secret);
});

test('a user with the createtoken capability gets a key on Security keys, resets it and sees the new secret once', async ({
  page,
}) => {
  const url = server().url;
  await login(page, 'manager', DEMO_PASSWORD, url);
  await page.goto(`${url}/preferences/keys`);
  await expect(page.getByRole('heading', { level: 1, name: 'Security keys' })).toBeVisible();
  const created = page.getByRole('region', { name: /New security key for Mobile web services/ });
  await expect(created).toBeVisible();
  const first = await created.getByRole('textbox', { name: 'Security key' }).inputValue();
  expect(first).toMatch(/^gwt/);

  await page
    .getByRole('button', { name: /^Reset/ })
    .first()
    .click();
  const dialog = page.getByRole('dialog', { name: 'Reset security key' });
  await expect(dialog).toBeVisible();
  await dialog.getByRole('button', { name: 'Reset', exact: true }).click();
  const fresh = page.getByRole('region', { name: /New key for/ });
  await expect(fresh).toBeVisible();
  const second = await fresh.getByRole('textbox', { name: 'Security key' }).inputValue();
  expect(second).toMatch(/^gwt/);
  expect(second).not.toBe(first);

  await page.reload();
  await expect(page.getByRole('region', { name: /New key for|New security key/ })).toHaveCount(0);
  expect(await page.content()).not.toContain(second);
  await expect(page.getByRole('main')).toContainText('Mobile web services');
});
