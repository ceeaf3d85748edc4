import { expect, type Page, test } from '@playwright/test';
import { ADMIN_PASSWORD, DEMO_PASSWORD } from '../support/constants';
import { login } from '../support/fixtures';
import { useOwnServer } from '../support/own-server';

// The last hand-written forms on the form hook (issue 18, §4): Advanced features (two forms, one
// leave guard for the page), Mobile web services, and the login form with its expired-password
// step. Each asks before leaving with unsaved changes and sends only what changed.

const server = useOwnServer(3223);

const leavePrompt = (page: Page) => page.getByRole('dialog', { name: 'Leave without saving?' });

test('Advanced features: either form unsaved asks before leaving; saving sends only what changed', async ({ page }) => {
  const url = server().url;
  await login(page, 'admin', ADMIN_PASSWORD, url);
  await page.goto(`${url}/admin/advanced-features`);
  const features = page.getByRole('form', { name: 'Advanced features' });
  const ws = features.getByRole('checkbox', { name: 'Enable web services', exact: true });
  const toMobile = features.getByRole('link', { name: 'Mobile', exact: true });

  // The first form unsaved: asked, and Cancel stays with the change.
  await ws.check();
  await toMobile.click();
  await expect(leavePrompt(page)).toBeVisible();
  await leavePrompt(page).getByRole('button', { name: 'Cancel' }).click();
  await expect(page).toHaveURL(/\/admin\/advanced-features$/);
  await expect(ws).toBeChecked();

  // Saved: only the changed setting goes, and leaving no longer asks while the other form is clean.
  const patch = page.waitForRequest((r) => r.method() === 'PATCH' && r.url().endsWith('/api/settings'));
  await features.getByRole('button', { name: 'Save changes' }).click();
  expect((await patch).postDataJSON()).toEqual({ enablewebservices: '1' });
  await expect(page.getByRole('status').filter({ hasText: 'Enable web services' })).toBeVisible();

  // The second form unsaved: the page's one guard asks too.
  const limits = page.getByRole('form', { name: 'File uploads' });
  const quota = limits.getByRole('textbox', { name: 'User quota (bytes)' });
  await quota.fill('2048');
  await toMobile.click();
  await expect(leavePrompt(page)).toBeVisible();
  await leavePrompt(page).getByRole('button', { name: 'Cancel' }).click();
  // A value the shared schema refuses never reaches the server.
  await quota.fill('12abc');
  await limits.getByRole('button', { name: 'Save file limits' }).click();
  await expect(quota).toHaveAttribute('aria-invalid', 'true');
  await expect(quota).toHaveAccessibleDescription(/A whole number of bytes/);
  await quota.fill('2048');
  const limitsPatch = page.waitForRequest((r) => r.method() === 'PATCH' && r.url().endsWith('/api/settings'));
  await limits.getByRole('button', { name: 'Save file limits' }).click();
  expect((await limitsPatch).postDataJSON()).toEqual({ userquota: '2048' });
  await expect(limits.getByRole('status').filter({ hasText: 'User quota' })).toBeVisible();
  await toMobile.click();
  await expect(page).toHaveURL(/\/admin\/webservice\/mobile$/);
  await expect(leavePrompt(page)).toBeHidden();
});

test('Mobile web services: an unsaved toggle asks before leaving; saved, it says what changed', async ({ page }) => {
  const url = server().url;
  await login(page, 'admin', ADMIN_PASSWORD, url);
  await page.goto(`${url}/admin/webservice/mobile`);
  const toggle = page.getByRole('checkbox', { name: 'Enable web services for mobile devices' });
  await toggle.check();
  await page.getByRole('link', { name: 'Advanced features' }).last().click();
  await expect(leavePrompt(page)).toBeVisible();
  await leavePrompt(page).getByRole('button', { name: 'Cancel' }).click();
  await expect(toggle).toBeChecked();
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'What changed' })).toContainText('Mobile web services');
  await expect(toggle).toBeChecked();
  await page.getByRole('link', { name: 'Advanced features' }).last().click();
  await expect(page).toHaveURL(/\/admin\/advanced-features$/);
  await expect(page.getByRole('checkbox', { name: 'Enable web services for mobile devices' })).toBeChecked();
});

test('the login form: field errors by their fields, a wrong password, and the expired-password step', async ({
  page,
}) => {
  const url = server().url;
  await page.goto(`${url}/login`);
  const username = page.getByRole('textbox', { name: 'Username' });
  const password = page.getByLabel('Password', { exact: true });
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(username).toHaveAttribute('aria-invalid', 'true');
  await expect(username).toHaveAccessibleDescription('Enter your username');
  await expect(username).toBeFocused();

  await username.fill('student');
  await password.fill('not-the-password');
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'Invalid login' })).toBeVisible();

  // Ed's password has expired: the right password leads to choosing a new one.
  await username.fill('expired');
  await password.fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByRole('heading', { name: 'Choose a new password' })).toBeVisible();
  const fresh = page.getByLabel('New password', { exact: true });
  await expect(fresh).toBeFocused();
  // Back returns to the login form, the focus on its password; signing in again comes back here.
  await page.getByRole('button', { name: 'Back' }).click();
  await expect(password).toBeFocused();
  await expect(username).toHaveValue('expired');
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(fresh).toBeFocused();
  await fresh.fill('Fresh-pass-2');
  await page.getByLabel('New password again').fill('Fresh-pass-3');
  await page.getByRole('button', { name: 'Change password and log in' }).click();
  await expect(page.getByLabel('New password again')).toHaveAccessibleDescription('The two passwords differ');
  await page.getByLabel('New password again').fill('Fresh-pass-2');
  await page.getByRole('button', { name: 'Change password and log in' }).click();
  await expect(page.getByRole('button', { name: 'Log out' })).toBeVisible();
});
