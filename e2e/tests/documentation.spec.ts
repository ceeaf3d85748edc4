import { expect, test } from '@playwright/test';
import { ADMIN_PASSWORD } from '../support/constants';
import { login } from '../support/fixtures';
import { useOwnServer } from '../support/own-server';

const server = useOwnServer(3108);

test.beforeAll(async () => {
  const s = server();
  await s.cli('config', 'set', 'enablewebservices', '1');
  await s.cli('config', 'set', 'enablewsdocumentation', '1');
  await s.cli('protocol', 'enable', 'rest');
  // Administrators get keys only from Manage tokens (never automatically): one on a service
  // that holds the group functions.
  await s.cli('service', 'enable', 'moodle_mobile_app');
});

test('an admin browses to core_group_create_groups, reads its arguments, tries it and sees the result', async ({
  page,
}) => {
  const url = server().url;
  await login(page, 'admin', ADMIN_PASSWORD, url);

  // A service with the function, and the admin's own key on it.
  await page.goto(`${url}/admin/webservice/services/new`);
  await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Docs');
  await page.getByRole('textbox', { name: 'Short name' }).fill('docs');
  await page.getByRole('checkbox', { name: 'Enabled' }).check();
  await page.getByRole('button', { name: 'Add service' }).click();
  await page.getByRole('button', { name: 'Add functions' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('searchbox', { name: 'Search functions' }).fill('core_group_create_groups');
  await dialog.getByRole('checkbox', { name: 'core_group_create_groups' }).check();
  await dialog.getByRole('button', { name: 'Add functions' }).click();
  await expect(page.getByRole('main').getByText('core_group_create_groups').first()).toBeVisible();
  await page.goto(`${url}/admin/webservice/tokens/new`);
  await page.getByRole('searchbox', { name: 'Search users' }).fill('admin');
  await page.getByRole('button', { name: /Choose Admin User/ }).click();
  await page.getByRole('combobox', { name: 'Service' }).selectOption({ label: 'Docs' });
  await page.getByRole('button', { name: 'Create token' }).click();
  await expect(page.getByRole('region', { name: 'Token created' })).toBeVisible();

  // Plugins > Web services > API documentation: search, open, read.
  await page.goto(`${url}/admin`);
  await page
    .getByRole('navigation', { name: 'Site administration' })
    .getByRole('link', { name: 'API documentation' })
    .click();
  await expect(page.getByRole('heading', { level: 1, name: 'API documentation' })).toBeVisible();
  await page.getByRole('searchbox', { name: 'Search functions' }).fill('create_groups');
  await page.getByRole('button', { name: 'core_group_create_groups' }).click();
  await expect(page).toHaveURL(/\/admin\/webservice\/documentation\/core_group_create_groups$/);
  const doc = page.getByRole('article', { name: 'core_group_create_groups' });
  const args = doc.getByRole('region', { name: 'Arguments' });
  await expect(args).toContainText('courseid');
  await expect(args).toContainText('descriptionformat');
  await expect(args).toContainText(/default/i);
  await expect(doc.getByRole('region', { name: 'Response' })).toContainText('enrolmentkey');
  await expect(doc).toContainText('moodle/course:managegroups');
  await doc.getByRole('tab', { name: 'REST (JSON)' }).click();
  await expect(doc.getByRole('region', { name: 'Examples' })).toContainText('curl');

  // Try it, with the admin's own key, through the BFF.
  const tryIt = doc.getByRole('form', { name: 'Try core_group_create_groups' });
  // The admin's only key that offers the function is chosen for them.
  await expect(tryIt.getByRole('combobox', { name: 'Key' })).not.toHaveValue('');
  await tryIt.getByRole('button', { name: 'Fill with example' }).click();
  await tryIt.getByRole('textbox', { name: 'name', exact: true }).fill('Made from the docs');
  await tryIt.getByRole('button', { name: 'Try it' }).click();
  await expect(doc.getByText(/"name": "Made from the docs"/)).toBeVisible();

  // A deep link opens the same function.
  await page.goto(`${url}/admin/webservice/documentation/core_group_create_groups`);
  await expect(
    page.getByRole('article', { name: 'core_group_create_groups' }).getByRole('region', { name: 'Arguments' }),
  ).toBeVisible();
});
