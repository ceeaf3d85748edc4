import { expect, type Page, test } from '@playwright/test';
import { ADMIN_PASSWORD } from '../support/constants';
import { login } from '../support/fixtures';
import { useOwnServer } from '../support/own-server';

// Forms built once (react-hook-form + the shared zod schemas) and the traps they no longer set.
const server = useOwnServer(3171);

const SERVICES = '/admin/webservice/services';

/** Add service: the short name follows the name; returns the new service's id. */
async function addService(page: Page, name: string, opts: { restricted?: boolean } = {}): Promise<number> {
  await page.goto(`${server().url}${SERVICES}/new`);
  const form = page.getByRole('form', { name: 'New service' });
  await form.getByRole('textbox', { name: 'Name', exact: true }).fill(name);
  if (opts.restricted) await form.getByRole('checkbox', { name: 'Authorised users only' }).check();
  await form.getByRole('button', { name: 'Add service' }).click();
  await expect(page).toHaveURL(/\/services\/\d+\/functions$/);
  return Number(/services\/(\d+)\/functions/.exec(page.url())?.[1]);
}

const leavePrompt = (page: Page) => page.getByRole('dialog', { name: 'Leave without saving?' });

test.beforeEach(async ({ page }) => {
  await login(page, 'admin', ADMIN_PASSWORD, server().url);
});

test('Add service fills the short name from the name until it is edited; a server field error sits by its field', async ({
  page,
}) => {
  const url = server().url;
  await page.goto(`${url}${SERVICES}/new`);
  const form = page.getByRole('form', { name: 'New service' });
  const name = form.getByRole('textbox', { name: 'Name', exact: true });
  const shortname = form.getByRole('textbox', { name: 'Short name' });
  await name.fill('Group sync');
  await expect(shortname).toHaveValue('group_sync');
  await name.fill('Group sync (Élève) 2');
  await expect(shortname).toHaveValue('group_sync_eleve_2');
  // Edited by hand: it stops following.
  await shortname.fill('groups');
  await name.fill('Group sync');
  await expect(shortname).toHaveValue('groups');
  await form.getByRole('button', { name: 'Add service' }).click();
  await expect(page).toHaveURL(/\/services\/\d+\/functions$/);

  // The same name again: the BFF's field error lands next to Name, which gets the focus.
  await page.goto(`${url}${SERVICES}/new`);
  await name.fill('Group sync');
  await shortname.fill('group_sync_two');
  await form.getByRole('button', { name: 'Add service' }).click();
  await expect(name).toHaveAttribute('aria-invalid', 'true');
  await expect(name).toHaveAccessibleDescription(/A service with this name already exists/);
  await expect(name).toBeFocused();
  await expect(shortname).not.toHaveAttribute('aria-invalid', 'true');
  // The client-side schema: a short name with capitals never reaches the server.
  await name.fill('Other sync');
  await shortname.fill('Bad Name');
  await form.getByRole('button', { name: 'Add service' }).click();
  await expect(shortname).toHaveAccessibleDescription(/Only lowercase letters, digits and underscores/);
  await expect(page).toHaveURL(/\/services\/new$/);
});

test('leaving a form with unsaved changes asks first; after saving it does not', async ({ page }) => {
  const url = server().url;
  const id = await addService(page, 'Prompt service');
  await page.goto(`${url}${SERVICES}/${id}`);
  const form = page.getByRole('form', { name: 'Edit service' });
  const name = form.getByRole('textbox', { name: 'Name', exact: true });
  await name.fill('Prompt service renamed');
  await form.getByRole('link', { name: 'Cancel' }).click();
  await expect(leavePrompt(page)).toBeVisible();
  await leavePrompt(page).getByRole('button', { name: 'Cancel' }).click();
  await expect(leavePrompt(page)).toBeHidden();
  await expect(page).toHaveURL(new RegExp(`/services/${id}$`));
  await expect(name).toHaveValue('Prompt service renamed');

  // Leave without saving: gone, and nothing was saved.
  await form.getByRole('link', { name: 'Cancel' }).click();
  await leavePrompt(page).getByRole('button', { name: 'Leave without saving' }).click();
  await expect(page).toHaveURL(new RegExp(`${SERVICES}$`));
  await expect(page.getByRole('main')).toContainText('Prompt service');
  await expect(page.getByRole('main')).not.toContainText('Prompt service renamed');

  // Saved, then left: no question. The PATCH carries only the changed field.
  await page.goto(`${url}${SERVICES}/${id}`);
  await name.fill('Prompt service saved');
  const patch = page.waitForRequest((r) => r.method() === 'PATCH' && r.url().endsWith(`/api/services/${id}`));
  await form.getByRole('button', { name: 'Save changes' }).click();
  expect((await patch).postDataJSON()).toEqual({ name: 'Prompt service saved' });
  await expect(form.getByText('Changes saved.')).toBeVisible();
  await form.getByRole('link', { name: 'Cancel' }).click();
  await expect(page).toHaveURL(new RegExp(`${SERVICES}$`));
  await expect(leavePrompt(page)).toBeHidden();

  // Undoing a change by hand makes the form clean again: no question.
  await page.goto(`${url}${SERVICES}/${id}`);
  await name.fill('Something else');
  await name.fill('Prompt service saved');
  await form.getByRole('link', { name: 'Cancel' }).click();
  await expect(page).toHaveURL(new RegExp(`${SERVICES}$`));
});

test('the role capability matrix asks before leaving with unsaved permissions', async ({ page }) => {
  const url = server().url;
  await page.goto(`${url}/admin/roles`);
  await page.getByRole('link', { name: 'Edit Student' }).click();
  const rest = page.getByRole('radiogroup', { name: /webservice\/rest:use/ });
  await rest.getByRole('radio', { name: 'Allow' }).check();
  await page.getByRole('link', { name: 'Cancel' }).click();
  await expect(leavePrompt(page)).toBeVisible();
  await leavePrompt(page).getByRole('button', { name: 'Cancel' }).click();
  await expect(rest.getByRole('radio', { name: 'Allow' })).toBeChecked();
  // Back to what was saved: clean, no question.
  await rest.getByRole('radio', { name: 'Not set' }).check();
  await page.getByRole('link', { name: 'Cancel' }).click();
  await expect(page).toHaveURL(/\/admin\/roles$/);
});

test('a form whose session expired keeps what was typed through the sign-in (never the password)', async ({
  page,
  context,
}) => {
  const url = server().url;
  await page.goto(`${url}/admin/users/new`);
  const form = page.getByRole('form', { name: 'New user' });
  await form.getByRole('textbox', { name: 'Username' }).fill('drafty');
  await form.getByRole('textbox', { name: 'First name' }).fill('Dora');
  await form.getByRole('textbox', { name: 'Last name' }).fill('Draft');
  await form.getByRole('textbox', { name: 'Email address' }).fill('dora@example.com');
  await form.getByLabel('Password', { exact: true }).fill('Draft-pass-1');
  await form.getByRole('checkbox', { name: 'Suspended' }).check();

  // The session ends (cookie gone); saving meets a 401 and the shell sends us to sign in.
  await context.clearCookies();
  await form.getByRole('button', { name: 'Create user' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.getByRole('textbox', { name: 'Username' }).fill('admin');
  await page.getByLabel('Password', { exact: true }).fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();

  await expect(page).toHaveURL(/\/admin\/users\/new$/);
  await expect(form.getByText(/Your session had ended/)).toBeVisible();
  await expect(form.getByRole('textbox', { name: 'Username' })).toHaveValue('drafty');
  await expect(form.getByRole('textbox', { name: 'First name' })).toHaveValue('Dora');
  await expect(form.getByRole('checkbox', { name: 'Suspended' })).toBeChecked();
  await expect(form.getByLabel('Password', { exact: true })).toHaveValue('');
  expect(await page.evaluate(() => JSON.stringify(sessionStorage))).not.toContain('Draft-pass-1');

  // Restored once: a reload starts empty (and, being unsaved, the reload itself may ask).
  page.on('dialog', (d) => d.accept());
  await page.reload();
  await expect(form.getByRole('textbox', { name: 'Username' })).toHaveValue('');
});

test('pickers offer only users who may use web services; Delete is not offered where it is refused', async ({
  page,
}) => {
  const url = server().url;
  await page.goto(`${url}/admin/webservice/tokens/new`);
  const search = page.getByRole('searchbox', { name: 'Search users' });
  await search.fill('Susan');
  const users = page.getByRole('list', { name: 'Matching users' });
  await expect(users.getByRole('listitem').filter({ hasText: 'Susan Suspended' })).toContainText(
    'Cannot be chosen. Suspended',
  );
  await expect(page.getByRole('button', { name: /Choose Susan Suspended/ })).toHaveCount(0);
  await search.fill('Uma');
  await expect(users.getByRole('listitem').filter({ hasText: 'Uma Unconfirmed' })).toContainText('Unconfirmed');
  await expect(page.getByRole('button', { name: /Choose Uma Unconfirmed/ })).toHaveCount(0);
  await search.fill('guest');
  await expect(users.getByRole('listitem').filter({ hasText: 'Guest user' })).toContainText('guest account');
  await expect(page.getByRole('button', { name: /Choose Guest user/ })).toHaveCount(0);
  await search.fill('Sasha');
  await expect(page.getByRole('button', { name: /Choose Sasha Learner/ })).toBeVisible();

  await page.goto(`${url}/admin/roles`);
  await expect(page.getByRole('button', { name: 'Delete Student' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Delete Guest' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Delete Authenticated user' })).toHaveCount(0);

  await page.goto(`${url}/admin/users`);
  await expect(page.getByRole('button', { name: 'Delete Sam Student' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Delete Guest user' })).toHaveCount(0);
});

test('a past Valid until on an authorised user asks before saving', async ({ page }) => {
  const url = server().url;
  const id = await addService(page, 'Expiring access', { restricted: true });
  await page.goto(`${url}${SERVICES}/${id}/users`);
  await page.getByRole('searchbox', { name: 'Search users' }).fill('Sasha');
  await page.getByRole('button', { name: /Add Sasha Learner/ }).click();
  await page.getByRole('link', { name: 'Sasha Learner' }).click();

  const form = page.getByRole('form', { name: 'Authorised user settings' });
  await form.getByRole('checkbox', { name: 'No expiry' }).uncheck();
  await form.getByLabel('Valid until').fill('2020-01-01T10:00');
  await expect(form.getByText('This date and time has already passed')).toBeVisible();
  await form.getByRole('button', { name: 'Save changes' }).click();
  const ask = page.getByRole('dialog', { name: 'Valid until is in the past' });
  await expect(ask).toContainText('Sasha Learner is no longer authorised on Expiring access');
  await ask.getByRole('button', { name: 'Cancel' }).click();
  await expect(form.getByText('Changes saved.')).toHaveCount(0);

  await form.getByRole('button', { name: 'Save changes' }).click();
  await ask.getByRole('button', { name: 'Save anyway' }).click();
  await expect(form.getByText('Changes saved.')).toBeVisible();
  await page.goto(`${url}${SERVICES}/${id}/users`);
  await expect(page.getByRole('row', { name: /Sasha Learner/ })).toContainText('Expired');
});
