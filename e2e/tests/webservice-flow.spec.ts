import { expect, type Page, test } from '@playwright/test';
import { ADMIN_PASSWORD } from '../support/constants';
import { login } from '../support/fixtures';
import { useOwnServer } from '../support/own-server';

const server = useOwnServer(3104);

async function allow(page: Page, url: string, role: string, capability: RegExp) {
  await page.goto(`${url}/admin/roles`);
  await page.getByRole('link', { name: `Edit ${role}` }).click();
  await page.getByRole('radiogroup', { name: capability }).getByRole('radio', { name: 'Allow' }).check();
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByRole('status').first()).toBeVisible();
}

// The seed's whole flow: enable web services, enable a protocol, create a service, add the
// function, enable capabilities, create a token, then call core_group_create_groups through the
// test client and find the group afterwards.
test('from enabling web services to a group created through the test client', async ({ page }) => {
  const url = server().url;
  await login(page, 'admin', ADMIN_PASSWORD, url);

  await page.goto(`${url}/admin/advanced-features`);
  await page.getByRole('checkbox', { name: 'Enable web services', exact: true }).check();
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Enable web services' })).toBeVisible();

  await page.goto(`${url}/admin/webservice/protocols`);
  await page.getByRole('button', { name: 'Enable REST protocol' }).click();
  await expect(page.getByRole('button', { name: 'Disable REST protocol' })).toBeVisible();

  await page.goto(`${url}/admin/webservice/services/new`);
  await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Groups');
  await page.getByRole('textbox', { name: 'Short name' }).fill('groups');
  await page.getByRole('checkbox', { name: 'Enabled' }).check();
  await page.getByRole('button', { name: 'Add service' }).click();
  await page.getByRole('button', { name: 'Add functions' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('searchbox', { name: 'Search functions' }).fill('core_group');
  await dialog.getByRole('checkbox', { name: 'core_group_create_groups' }).check();
  await dialog.getByRole('checkbox', { name: 'core_group_get_course_groups' }).check();
  await dialog.getByRole('button', { name: 'Add functions' }).click();
  await expect(page.getByRole('main').getByText('core_group_get_course_groups').first()).toBeVisible();

  // Enabling capabilities: the protocol's use capability for the teacher (who manages groups).
  await allow(page, url, 'Teacher', /webservice\/rest:use/);

  await page.goto(`${url}/admin/webservice/tokens/new`);
  await page.getByRole('searchbox', { name: 'Search users' }).fill('teacher');
  await page.getByRole('button', { name: /Choose Terry Teacher/ }).click();
  await page.getByRole('combobox', { name: 'Service' }).selectOption({ label: 'Groups' });
  await page.getByRole('button', { name: 'Create token' }).click();
  const secret = await page
    .getByRole('region', { name: 'Token created' })
    .getByRole('textbox', { name: 'Token' })
    .inputValue();

  await page.goto(`${url}/admin/webservice/testclient`);
  await expect(page.getByRole('heading', { level: 1, name: 'Web service test client' })).toBeVisible();
  await page.getByRole('combobox', { name: 'Protocol' }).selectOption({ label: 'REST (JSON)' });
  await page.getByLabel('Token').fill(secret);
  await page.getByRole('combobox', { name: 'Function' }).selectOption('core_group_create_groups');
  await page.getByRole('button', { name: 'Fill with example' }).click();
  const name = page.getByRole('textbox', { name: 'name', exact: true });
  await name.fill('Tuesday tutorial');
  await page.getByRole('button', { name: 'Execute' }).click();
  const response = page.getByRole('main').getByText(/"name": "Tuesday tutorial"/);
  await expect(response).toBeVisible();

  // The group exists: the same client reads the course's groups, and the audit log has it.
  await page.getByRole('combobox', { name: 'Function' }).selectOption('core_group_get_course_groups');
  await page.getByRole('button', { name: 'Fill with example' }).click();
  await page.getByRole('button', { name: 'Execute' }).click();
  await expect(page.getByRole('main').getByText(/"name": "Tuesday tutorial"/)).toBeVisible();
  await page.goto(`${url}/admin/audit?search=Tuesday`);
  await expect(page.getByRole('main')).toContainText('Tuesday tutorial');
});
