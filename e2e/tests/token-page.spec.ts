import { expect, type Page, test } from '@playwright/test';
import { ADMIN_PASSWORD } from '../support/constants';
import { login } from '../support/fixtures';
import { useOwnServer } from '../support/own-server';

const server = useOwnServer(3131);

test.beforeAll(async () => {
  // Web services on, REST usable by every user, the mobile service enabled.
  await server().cli('mobile', 'enable');
});

/** Manage tokens > Add, for student2 on the mobile service; the secret shown once. */
async function createToken(page: Page, url: string, name: string): Promise<string> {
  await page.goto(`${url}/admin/webservice/tokens/new`);
  await page.getByRole('textbox', { name: 'Name' }).fill(name);
  await page.getByRole('searchbox', { name: 'Search users' }).fill('student2');
  await page.getByRole('button', { name: /Choose Sasha Learner/ }).click();
  await page.getByRole('combobox', { name: 'Service' }).selectOption({ label: 'Mobile web services' });
  await page.getByRole('button', { name: 'Create token' }).click();
  return page.getByRole('region', { name: 'Token created' }).getByRole('textbox', { name: 'Token' }).inputValue();
}

async function siteInfo(page: Page, url: string, secret: string): Promise<string> {
  const res = await page.request.get(
    `${url}/webservice/rest/server.php?wsfunction=core_webservice_get_site_info&moodlewsrestformat=json`,
    { headers: { authorization: `Bearer ${secret}` } },
  );
  return res.text();
}

test('the token page: everything about a token, edit, regenerate and copy once', async ({ page, context }) => {
  const url = server().url;
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: url });
  await login(page, 'admin', ADMIN_PASSWORD, url);
  const secret = await createToken(page, url, 'Page token');
  expect(await siteInfo(page, url, secret)).toContain('student2');

  await page.goto(`${url}/admin/webservice/tokens`);
  await page.getByRole('link', { name: 'Page token' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Token: Page token' })).toBeVisible();
  const main = page.getByRole('main');
  await expect(main.getByRole('link', { name: 'Sasha Learner' })).toBeVisible();
  await expect(main.getByRole('link', { name: 'Mobile web services' })).toBeVisible();
  await expect(main).toContainText('Last address');
  const functions = page.getByRole('table', { name: 'Functions of the service' });
  await expect(functions.getByRole('row', { name: /core_webservice_get_site_info/ })).toContainText('Allowed');
  await expect(page.getByRole('table', { name: 'Protocols' }).getByRole('row', { name: /REST/ })).toContainText(
    'Allowed',
  );

  // Edit: the name and an IP restriction, which the very next call obeys.
  const form = page.getByRole('form', { name: 'Edit token' });
  await form.getByRole('textbox', { name: 'Name' }).fill('Renamed token');
  await form.getByRole('textbox', { name: 'IP restriction' }).fill('192.0.2.1');
  await form.getByRole('button', { name: 'Save changes' }).click();
  await expect(form.getByText('Saved.')).toBeVisible();
  await expect(page.getByRole('heading', { level: 1, name: 'Token: Renamed token' })).toBeVisible();
  expect(await siteInfo(page, url, secret)).toContain('accessexception');
  await form.getByRole('textbox', { name: 'IP restriction' }).fill('');
  await form.getByRole('button', { name: 'Save changes' }).click();
  await expect(main.getByText('192.0.2.1')).toHaveCount(0);
  expect(await siteInfo(page, url, secret)).toContain('student2');

  // Bad input: a clear error beside the field, nothing saved.
  await form.getByRole('textbox', { name: 'IP restriction' }).fill('300.1.1.1');
  await form.getByRole('button', { name: 'Save changes' }).click();
  await expect(form.getByRole('textbox', { name: 'IP restriction' })).toHaveAttribute('aria-invalid', 'true');
  await expect(form.getByRole('textbox', { name: 'IP restriction' })).toBeFocused();
  expect(await siteInfo(page, url, secret)).toContain('student2');
  await form.getByRole('textbox', { name: 'IP restriction' }).fill('');

  // Unsaved changes: leaving the page asks first, and staying keeps what was typed.
  await form.getByRole('textbox', { name: 'Name' }).fill('Unsaved name');
  await page.getByRole('link', { name: 'Manage tokens' }).first().click();
  const leave = page.getByRole('dialog', { name: 'Leave without saving?' });
  await expect(leave).toBeVisible();
  await leave.getByRole('button', { name: 'Cancel' }).click();
  await expect(leave).toBeHidden();
  await expect(form.getByRole('textbox', { name: 'Name' })).toHaveValue('Unsaved name');
  await form.getByRole('textbox', { name: 'Name' }).fill('Renamed token');

  // Regenerate: asks, shows the new secret once; the old one stops at once.
  await page.getByRole('button', { name: 'Regenerate secret' }).click();
  const dialog = page.getByRole('dialog', { name: 'Regenerate secret' });
  await dialog.getByRole('button', { name: 'Regenerate', exact: true }).click();
  const panel = page.getByRole('region', { name: 'New secret' });
  const fresh = await panel.getByRole('textbox', { name: 'Token' }).inputValue();
  expect(fresh).toMatch(/^gwt[0-9A-Za-z]{49}$/);
  expect(fresh).not.toBe(secret);
  await panel.getByRole('button', { name: 'Copy token' }).click();
  await expect(panel.getByRole('status')).toHaveText('Copied');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(fresh);
  expect(await siteInfo(page, url, secret)).toContain('invalidtoken');
  expect(await siteInfo(page, url, fresh)).toContain('student2');
  await page.reload();
  await expect(page.getByRole('heading', { level: 1, name: 'Token: Renamed token' })).toBeVisible();
  await expect(page.getByRole('region', { name: 'New secret' })).toHaveCount(0);
  expect(await page.content()).not.toContain(fresh);
});

test('bulk revoke from the list: the confirmation says how many, and they stop at once', async ({ page }) => {
  const url = server().url;
  await login(page, 'admin', ADMIN_PASSWORD, url);
  const one = await createToken(page, url, 'Bulk one');
  const two = await createToken(page, url, 'Bulk two');
  const keep = await createToken(page, url, 'Bulk keep');
  await page.goto(`${url}/admin/webservice/tokens?name=Bulk`);
  await page.getByRole('checkbox', { name: 'Select token Bulk one' }).check();
  await page.getByRole('checkbox', { name: 'Select token Bulk two' }).check();
  await page.getByRole('button', { name: 'Revoke selected (2)' }).click();
  const dialog = page.getByRole('dialog', { name: 'Revoke tokens' });
  await expect(dialog).toContainText('2 tokens');
  await dialog.getByRole('button', { name: 'Revoke 2 tokens' }).click();
  await expect(page.getByText('Revoked 2 tokens.')).toBeVisible();
  await expect(page.getByRole('link', { name: 'Bulk one' })).toHaveCount(0);
  await expect(page.getByRole('link', { name: 'Bulk keep' })).toBeVisible();
  expect(await siteInfo(page, url, one)).toContain('invalidtoken');
  expect(await siteInfo(page, url, two)).toContain('invalidtoken');
  expect(await siteInfo(page, url, keep)).toContain('student2');

  // All of a user, from one of their tokens: counted first.
  await page.getByRole('link', { name: 'Bulk keep' }).click();
  await page.getByRole('button', { name: /Revoke all tokens of Sasha Learner/ }).click();
  const all = page.getByRole('dialog', { name: 'Revoke tokens' });
  await expect(all).toContainText(/Revoke every token of Sasha Learner: \d+ tokens?\?/);
  await all.getByRole('button', { name: /^Revoke \d+ tokens?$/ }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Manage tokens' })).toBeVisible();
  await expect(page.getByText(/Revoked \d+ tokens?\./)).toBeVisible();
  expect(await siteInfo(page, url, keep)).toContain('invalidtoken');
});
