import { expect, test } from '@playwright/test';
import { ADMIN_PASSWORD } from '../support/constants';
import { login } from '../support/fixtures';
import { useOwnServer } from '../support/own-server';

const server = useOwnServer(3102);

// The seed's "Creating a service", "Adding functions to the service" and "Authorise only
// specific users", click by click.
test('an admin creates a custom service, adds create group, restricts it and authorises a user', async ({ page }) => {
  const url = server().url;
  await login(page, 'admin', ADMIN_PASSWORD, url);

  // Site administration > Plugins > Web services > External services > Add
  await page.goto(`${url}/admin`);
  await page
    .getByRole('navigation', { name: 'Site administration' })
    .getByRole('link', { name: 'External services' })
    .click();
  await expect(page.getByRole('heading', { level: 1, name: 'External services' })).toBeVisible();
  await expect(page.getByRole('rowheader', { name: 'Mobile web services', exact: true })).toBeVisible();
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Add service' })).toBeVisible();
  await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Group sync');
  await page.getByRole('textbox', { name: 'Short name' }).fill('group_sync');
  await page.getByRole('checkbox', { name: 'Enabled' }).check();
  await page.getByRole('button', { name: 'Add service' }).click();

  // Add functions: pick "create group"; deprecated functions are not offered.
  await expect(page.getByRole('heading', { level: 1, name: 'Functions in service Group sync' })).toBeVisible();
  await page.getByRole('button', { name: 'Add functions' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('searchbox', { name: 'Search functions' }).fill('create_groups');
  await expect(dialog.getByText('moodle_group_create_groups')).toHaveCount(0);
  await dialog.getByRole('checkbox', { name: 'core_group_create_groups' }).check();
  await dialog.getByRole('button', { name: 'Add functions' }).click();
  await expect(page.getByRole('main').getByText('core_group_create_groups').first()).toBeVisible();
  await expect(page.getByText('moodle/course:managegroups').first()).toBeVisible();

  // Edit: Authorised users only.
  await page.goto(`${url}/admin/webservice/services`);
  await page.getByRole('link', { name: /Edit.*Group sync/ }).click();
  await expect(page.getByRole('textbox', { name: 'Short name' })).not.toBeEditable();
  await page.getByRole('checkbox', { name: 'Authorised users only' }).check();
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(
    page
      .getByRole('status')
      .filter({ hasText: /saved|Saved/ })
      .first(),
  ).toBeVisible();

  // Authorised users: add Terry Teacher; the missing capabilities are shown.
  await page.goto(`${url}/admin/webservice/services`);
  await page
    .getByRole('row', { name: /Group sync/ })
    .getByRole('link', { name: 'Authorised users' })
    .click();
  await expect(page.getByRole('heading', { level: 1, name: 'Authorised users' })).toBeVisible();
  await page.getByRole('searchbox', { name: 'Search users' }).fill('teacher');
  await page.getByRole('button', { name: 'Add Terry Teacher' }).click();
  const row = page.getByRole('row', { name: /Terry Teacher/ });
  await expect(row).toBeVisible();

  // Click the full name: IP restriction and valid until.
  await row.getByRole('link', { name: 'Terry Teacher' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Authorised user settings' })).toBeVisible();
  await page.getByRole('textbox', { name: 'IP restriction' }).fill('10.0.0.0/8, 2001:db8::/32, 192.0.2.7');
  const noExpiry = page.getByRole('checkbox', { name: 'No expiry' });
  if (await noExpiry.isChecked()) await noExpiry.uncheck();
  await page.getByLabel('Valid until').fill('2031-06-30T12:00');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(
    page
      .getByRole('status')
      .filter({ hasText: /saved|Saved/ })
      .first(),
  ).toBeVisible();

  await page.goto(`${url}/admin/webservice/services`);
  await page
    .getByRole('row', { name: /Group sync/ })
    .getByRole('link', { name: 'Authorised users' })
    .click();
  const saved = page.getByRole('row', { name: /Terry Teacher/ });
  await expect(saved).toContainText('10.0.0.0/8, 2001:db8::/32, 192.0.2.7');
  await expect(saved).toContainText('2031');
});
