import { expect, type Page, test } from '@playwright/test';
import { ADMIN_PASSWORD } from '../support/constants';
import { login } from '../support/fixtures';
import { useOwnServer } from '../support/own-server';

// The Overview's warnings and checklists after a token about to expire and an authorised user
// past their Valid until; the test client's HTTP status, error badge, required fields and list
// narrowed to the token's service; the word search of functions (add functions, API documentation).

const server = useOwnServer(3181);
const DAY = 86_400;

test.beforeAll(async () => {
  // Web services on, REST enabled and allowed to every user.
  await server().cli('mobile', 'enable');
});

/** A console API call from the signed-in page (its session cookie and CSRF header), answering the JSON. */
async function api<T = unknown>(page: Page, method: string, path: string, body?: unknown): Promise<T> {
  const res = await page.evaluate(
    async ({ method, path, body }) => {
      const r = await fetch(`/api${path}`, {
        method,
        headers: { 'content-type': 'application/json', 'x-gatehouse-csrf': '1', accept: 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: r.status, text: await r.text() };
    },
    { method, path, body },
  );
  expect(res.status, `${method} ${path}: ${res.text}`).toBeLessThan(300);
  return (res.text ? JSON.parse(res.text) : undefined) as T;
}

async function userId(page: Page, username: string): Promise<number> {
  const list = await api<{ items: { id: number; username: string }[] }>(page, 'GET', `/users?search=${username}`);
  const u = list.items.find((x) => x.username === username);
  expect(u).toBeTruthy();
  return u!.id;
}

const now = () => Math.floor(Date.now() / 1000);

test('the Overview warns of a token about to expire and of a past Valid until; a step is done only while it holds', async ({
  page,
}) => {
  const url = server().url;
  await login(page, 'admin', ADMIN_PASSWORD, url);
  const student = await userId(page, 'student');
  const teacher = await userId(page, 'teacher');

  const restricted = await api<{ id: number }>(page, 'POST', '/services', {
    name: 'Warned sync',
    shortname: 'warned_sync',
    enabled: true,
    restrictedUsers: true,
    requiredCapability: null,
    downloadFiles: false,
    uploadFiles: false,
  });
  await api(page, 'POST', `/services/${restricted.id}/users`, { userIds: [student] });
  await api(page, 'PATCH', `/services/${restricted.id}/users/${student}`, { validUntil: now() - DAY });
  const open = await api<{ id: number }>(page, 'POST', '/services', {
    name: 'Soon sync',
    shortname: 'soon_sync',
    enabled: true,
    restrictedUsers: false,
    requiredCapability: null,
    downloadFiles: false,
    uploadFiles: false,
  });
  await api(page, 'POST', `/services/${open.id}/functions`, { functions: ['core_webservice_get_site_info'] });
  await api(page, 'POST', '/tokens', { userId: teacher, serviceId: open.id, validUntil: now() + 2 * DAY });

  await page.goto(`${url}/admin/webservice/overview`);
  const main = page.getByRole('main');
  const system = page.getByRole('table', { name: 'Allow an external system to control the site' });
  const users = page.getByRole('table', { name: 'Users as clients with token' });
  await expect(main.getByText('1 token expires within 7 days.')).toBeVisible();
  await expect(main.getByRole('link', { name: 'Show the tokens expiring soon' })).toHaveAttribute(
    'href',
    '/admin/webservice/tokens?expiringWithin=7',
  );
  await expect(main.getByText('1 authorised user is past its Valid until')).toBeVisible();
  const selectUser = system.getByRole('row', { name: /Select a specific user/ });
  await expect(selectUser).toContainText('To do');
  await expect(selectUser).toContainText('No authorised user; 1 past their Valid until');
  // The protocol is counted, and the steps both lists share agree.
  for (const list of [system, users]) {
    await expect(list.getByRole('row', { name: /Enable protocols/ })).toContainText('Done');
    await expect(list.getByRole('row', { name: /Enable protocols/ })).toContainText('Enabled: rest, xmlrpc');
  }

  // The warning's link opens the authorised user's settings.
  await main.getByRole('link', { name: 'Sam Student on Warned sync' }).click();
  await expect(page.getByRole('heading', { level: 1, name: /Authorised user settings/ })).toBeVisible();

  // A Valid until in the future: the step is done and the warning goes.
  await api(page, 'PATCH', `/services/${restricted.id}/users/${student}`, { validUntil: now() + 30 * DAY });
  await page.goto(`${url}/admin/webservice/overview`);
  await expect(system.getByRole('row', { name: /Select a specific user/ })).toContainText('Done');
  await expect(main.getByText('1 token expires within 7 days.')).toBeVisible();
  await expect(main.getByText(/authorised user is past/)).toHaveCount(0);
});

test('Manage protocols: AMF answers calls like the others, and the Overview counts it when enabled', async ({
  page,
}) => {
  const url = server().url;
  await login(page, 'admin', ADMIN_PASSWORD, url);
  await page.goto(`${url}/admin/webservice/protocols`);
  const amf = page.getByRole('row', { name: /AMF/ });
  await expect(amf).toContainText('Answers calls: AMF0 and AMF3');
  await expect(amf).not.toContainText('Not built yet');
  await page.getByRole('button', { name: 'Enable AMF' }).click();
  await expect(amf).toContainText('Enabled');
  await page.goto(`${url}/admin/webservice/overview`);
  const protocols = page
    .getByRole('table', { name: 'Allow an external system to control the site' })
    .getByRole('row', { name: /Enable protocols/ });
  await expect(protocols).toContainText('Enabled: rest, xmlrpc, amf');
  await page.goto(`${url}/admin/webservice/protocols`);
  await page.getByRole('button', { name: 'Disable AMF' }).click();
  await expect(page.getByRole('button', { name: 'Enable AMF' })).toBeVisible();
});

test("the test client: the token's functions, required fields, the HTTP status and Moodle's error badge", async ({
  page,
}) => {
  const url = server().url;
  await login(page, 'admin', ADMIN_PASSWORD, url);
  const teacher = await userId(page, 'teacher');
  const service = await api<{ id: number }>(page, 'POST', '/services', {
    name: 'Client sync',
    shortname: 'client_sync',
    enabled: true,
    restrictedUsers: false,
    requiredCapability: null,
    downloadFiles: false,
    uploadFiles: false,
  });
  await api(page, 'POST', `/services/${service.id}/functions`, { functions: ['core_webservice_get_site_info'] });
  const { secret } = await api<{ secret: string }>(page, 'POST', '/tokens', { userId: teacher, serviceId: service.id });

  await page.goto(`${url}/admin/webservice/testclient`);
  await page.getByLabel('Token', { exact: true }).fill(secret);
  await expect(page.getByText('Listing the function of the token’s service, Client sync.')).toBeVisible();
  const fn = page.getByRole('combobox', { name: 'Function' });
  await expect(fn.getByRole('option')).toHaveText(['Choose a function…', 'core_webservice_get_site_info']);

  // Every function, to call one that is not in the service.
  await page.getByRole('button', { name: 'List every function' }).click();
  await fn.selectOption('core_group_create_groups');
  await page.getByRole('button', { name: 'Execute' }).click();
  // Required fields first: nothing is sent.
  await expect(page.getByText('groups[0].courseid is required: fill it in before sending')).toBeVisible();
  await expect(page.getByRole('alert').filter({ hasText: 'Fill in the required parameters first' })).toContainText(
    'groups[0].name',
  );
  await expect(page.getByRole('heading', { name: 'Request' })).toHaveCount(0);
  await page.getByRole('spinbutton', { name: 'courseid', exact: true }).fill('2');
  await page.getByRole('textbox', { name: 'name', exact: true }).fill('From the test client');
  await page.getByRole('textbox', { name: 'description', exact: true }).fill('x');
  await page.getByRole('button', { name: 'Execute' }).click();

  // Moodle refuses it with HTTP 200: the badge names the reason code.
  const response = page.getByRole('heading', { name: 'Response' }).locator('..');
  await expect(response).toContainText('200');
  await expect(response.getByText('Error: accessexception')).toBeVisible();
  await expect(response).toContainText('Moodle error accessexception (with HTTP 200, as Moodle answers errors)');

  // A call that works: no error badge.
  await page.getByRole('button', { name: /List only the service/ }).click();
  await fn.selectOption('core_webservice_get_site_info');
  await page.getByRole('button', { name: 'Execute' }).click();
  await expect(response).toContainText('"sitename"');
  await expect(response.getByText(/^Error:/)).toHaveCount(0);
});

test('the test client over AMF: a Flex RemoteObject call, its AcknowledgeMessage read, a fault’s error code badge', async ({
  page,
}) => {
  const url = server().url;
  await login(page, 'admin', ADMIN_PASSWORD, url);
  await page.goto(`${url}/admin/webservice/protocols`);
  await page.getByRole('button', { name: 'Enable AMF' }).click();
  await expect(page.getByRole('button', { name: 'Disable AMF' })).toBeVisible();
  const admin = await userId(page, 'admin');
  const service = await api<{ id: number }>(page, 'POST', '/services', {
    name: 'Flex sync',
    shortname: 'flex_sync',
    enabled: true,
    restrictedUsers: false,
    requiredCapability: null,
    downloadFiles: false,
    uploadFiles: false,
  });
  await api(page, 'POST', `/services/${service.id}/functions`, { functions: ['core_webservice_get_site_info'] });
  const { secret } = await api<{ secret: string }>(page, 'POST', '/tokens', { userId: admin, serviceId: service.id });

  await page.goto(`${url}/admin/webservice/testclient`);
  await page.getByRole('combobox', { name: 'Protocol' }).selectOption({ label: 'AMF (Flex RemoteObject)' });
  await page.getByLabel('Token', { exact: true }).fill(secret);
  await page.getByRole('combobox', { name: 'Function' }).selectOption('core_webservice_get_site_info');
  await page.getByRole('button', { name: 'Execute' }).click();
  await expect(page.getByRole('region', { name: 'Request body' })).toContainText(
    'flex.messaging.messages.RemotingMessage',
  );
  const response = page.getByRole('heading', { name: 'Response' }).locator('..');
  await expect(response).toContainText('flex.messaging.messages.AcknowledgeMessage');
  await expect(response).toContainText('"sitename"');
  await expect(response.getByText(/^Error:/)).toHaveCount(0);

  // A made-up token: the ErrorMessage's faultCode is the badge.
  await page.getByLabel('Token', { exact: true }).fill(`gwt${'B'.repeat(49)}`);
  await page.getByRole('combobox', { name: 'Function' }).selectOption('core_webservice_get_site_info');
  await page.getByRole('button', { name: 'Execute' }).click();
  await expect(response.getByText('Fault: invalidtoken')).toBeVisible();
  await expect(response).toContainText('Moodle error invalidtoken (with HTTP 200, as Moodle answers errors)');

  await page.goto(`${url}/admin/webservice/protocols`);
  await page.getByRole('button', { name: 'Disable AMF' }).click();
  await expect(page.getByRole('button', { name: 'Enable AMF' })).toBeVisible();
});

test('word search: "groups create" in Add functions, "create group" in the API documentation', async ({ page }) => {
  const url = server().url;
  await login(page, 'admin', ADMIN_PASSWORD, url);
  const service = await api<{ id: number }>(page, 'POST', '/services', {
    name: 'Words sync',
    shortname: 'words_sync',
    enabled: true,
    restrictedUsers: false,
    requiredCapability: null,
    downloadFiles: false,
    uploadFiles: false,
  });
  await page.goto(`${url}/admin/webservice/services/${service.id}/functions`);
  await page.getByRole('button', { name: 'Add functions' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('searchbox', { name: 'Search functions' }).fill('groups create');
  await expect(dialog.getByRole('checkbox', { name: 'core_group_create_groups', exact: true })).toBeVisible();
  await expect(dialog.getByRole('checkbox', { name: 'core_user_create_users' })).toHaveCount(0);
  await dialog.getByRole('checkbox', { name: 'core_group_create_groups', exact: true }).check();
  await dialog.getByRole('button', { name: 'Add functions' }).click();
  await expect(page.getByRole('table', { name: /Functions in service/ })).toContainText('core_group_create_groups');
  // The service's own functions: the same search.
  await page.getByRole('searchbox', { name: 'Search functions in this service' }).fill('create group');
  await expect(page.getByRole('table', { name: /Functions in service/ })).toContainText('core_group_create_groups');
  await page.getByRole('searchbox', { name: 'Search functions in this service' }).fill('user create');
  await expect(page.getByText('No function matches your search')).toBeVisible();

  await page.goto(`${url}/admin/webservice/documentation`);
  await page.getByRole('searchbox', { name: 'Search functions' }).fill('create group');
  await expect(page.getByRole('button', { name: 'core_group_create_groups', exact: true })).toBeVisible();
  await expect(page.getByRole('button', { name: 'core_user_create_users', exact: true })).toHaveCount(0);
});

test("at 360 px the warnings, the protocols' notes and the test client with its error badge do not scroll sideways", async ({
  page,
}) => {
  const url = server().url;
  await page.setViewportSize({ width: 360, height: 740 });
  await login(page, 'admin', ADMIN_PASSWORD, url);
  const sideways = () =>
    page.evaluate(() => (document.scrollingElement ?? document.documentElement).scrollWidth - window.innerWidth);

  // The first test left a token about to expire: the Overview warns of it.
  await page.goto(`${url}/admin/webservice/overview`);
  await expect(page.getByText('1 token expires within 7 days.')).toBeVisible();
  expect(await sideways()).toBeLessThanOrEqual(0);

  await page.goto(`${url}/admin/webservice/protocols`);
  await expect(page.getByRole('row', { name: /AMF/ })).toContainText('Answers calls: AMF0 and AMF3');
  expect(await sideways()).toBeLessThanOrEqual(0);

  // A made-up token: every function is listed, and the call answers invalidtoken with HTTP 200.
  await page.goto(`${url}/admin/webservice/testclient`);
  await page.getByLabel('Token', { exact: true }).fill(`gwt${'A'.repeat(49)}`);
  await expect(page.getByText(/No token matches what was pasted/)).toBeVisible();
  await page.getByRole('combobox', { name: 'Function' }).selectOption('core_webservice_get_site_info');
  await page.getByRole('button', { name: 'Execute' }).click();
  const response = page.getByRole('heading', { name: 'Response' }).locator('..');
  await expect(response.getByText('Error: invalidtoken')).toBeVisible();
  expect(await sideways()).toBeLessThanOrEqual(0);
});
