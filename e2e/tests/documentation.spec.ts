import { readFile } from 'node:fs/promises';
import { expect, type Page, test } from '@playwright/test';
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

  // A deep link opens the same function, scrolled to with its heading's button focused.
  await page.goto(`${url}/admin/webservice/documentation/core_group_create_groups`);
  const linked = page.getByRole('article', { name: 'core_group_create_groups' });
  await expect(linked.getByRole('region', { name: 'Arguments' })).toBeVisible();
  await expect(linked.getByRole('button', { name: 'core_group_create_groups', expanded: true })).toBeFocused();
  await expect(linked).toBeInViewport();
});

/** A service name as a hostile administrator might choose it: HTML and Markdown that must stay text. */
const EVIL = '<img src=x onerror=alert(1)>[link](http://evil.example)';

/** Clicks a download link and returns the file it saved, as JSON, with its suggested name. */
async function downloadJson(page: Page, click: () => Promise<void>) {
  const download = page.waitForEvent('download');
  await click();
  const file = await download;
  return { name: file.suggestedFilename(), json: JSON.parse(await readFile(await file.path(), 'utf8')) };
}

// biome-ignore lint/suspicious/noExplicitAny: a downloaded JSON document, asserted field by field
type Json = any;

/** The shape of an OpenAPI 3.1 document for Gatehouse's REST endpoint, one POST per function. */
function expectOpenApi(doc: Json, functions: string[]) {
  expect(doc.openapi).toBe('3.1.0');
  expect(typeof doc.info.title).toBe('string');
  expect(doc.info.version).toBe('1.0.0');
  // The server is the site's public address (GATEHOUSE_WWWROOT), whatever address the browser used.
  expect(doc.servers).toEqual([{ url: expect.stringMatching(/^https?:\/\/[^/]+$/) }]);
  // fileToken (token= on the file endpoints) only where the document lists file endpoints.
  const schemes = Object.keys(doc.components.securitySchemes).sort();
  expect(schemes.filter((s) => s !== 'fileToken')).toEqual(['bearerToken', 'wstoken']);
  if (schemes.includes('fileToken'))
    expect(doc.paths['/webservice/upload.php'] ?? doc.paths['/webservice/pluginfile.php']).toBeTruthy();
  for (const f of functions) {
    const op = doc.paths[`/webservice/rest/server.php/${f}`]?.post;
    expect(op?.operationId, f).toBe(f);
    expect(op.responses['200'].content['application/json'].schema.oneOf).toHaveLength(2);
  }
}

test('the OpenAPI documents page shows a hostile service name as text and downloads valid documents', async ({
  page,
}) => {
  const url = server().url;
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  const cspViolations: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
  });
  await login(page, 'admin', ADMIN_PASSWORD, url);

  // A service with a hostile name and one function.
  await page.goto(`${url}/admin/webservice/services/new`);
  await page.getByRole('textbox', { name: 'Name', exact: true }).fill(EVIL);
  await page.getByRole('textbox', { name: 'Short name' }).fill('evil');
  await page.getByRole('button', { name: 'Add service' }).click();
  await page.getByRole('button', { name: 'Add functions' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('searchbox', { name: 'Search functions' }).fill('core_webservice_get_site_info');
  await dialog.getByRole('checkbox', { name: 'core_webservice_get_site_info' }).check();
  await dialog.getByRole('button', { name: 'Add functions' }).click();
  await expect(page.getByRole('main').getByText('core_webservice_get_site_info').first()).toBeVisible();

  // The services list links to the service's document; the page is a plain console page under
  // the console's own CSP (no inline styles).
  await page.goto(`${url}/admin/webservice/services`);
  await page.getByRole('link', { name: `OpenAPI of ${EVIL}` }).click();
  await expect(page).toHaveURL(/\/admin\/webservice\/openapi\/\d+$/);
  const res = await page.reload();
  const csp = res?.headers()['content-security-policy'] ?? '';
  expect(csp).toContain("style-src 'self'");
  expect(csp).not.toContain('unsafe-inline');
  await expect(page.getByRole('heading', { level: 1, name: 'OpenAPI documents' })).toBeVisible();

  // The name is shown literally, and nothing in the page was made of it.
  const card = page.getByRole('article', { name: EVIL, exact: true });
  await expect(card.getByRole('heading', { level: 3 })).toHaveText(EVIL);
  await expect(page.getByRole('main').locator('img')).toHaveCount(0);
  await expect(page.locator('img:not([src="/favicon.svg"])')).toHaveCount(0);
  await expect(page.locator('a[href*="evil.example"]')).toHaveCount(0);
  await expect(page.getByRole('link', { name: 'link', exact: true })).toHaveCount(0);

  // Its download link saves the service's OpenAPI document.
  const one = await downloadJson(page, () =>
    card.getByRole('link', { name: `Download OpenAPI of ${EVIL}`, exact: true }).click(),
  );
  expect(one.name).toBe('gatehouse-evil.openapi.json');
  expectOpenApi(one.json, ['core_webservice_get_site_info']);
  expect(Object.keys(one.json.paths)).toEqual(['/webservice/rest/server.php/core_webservice_get_site_info']);
  expect(one.json.info.title).toBe(`Gatehouse web services: ${EVIL}`);

  // Reading and Try it are the console's own API documentation.
  await card.getByText('Read and try its functions').click();
  await card.getByRole('link', { name: 'core_webservice_get_site_info', exact: true }).click();
  await expect(page).toHaveURL(/\/admin\/webservice\/documentation\/core_webservice_get_site_info$/);
  await expect(page.getByRole('article', { name: 'core_webservice_get_site_info' })).toBeVisible();

  // Every document, on the page's full list: all functions, and each service in its own card.
  await page.goto(`${url}/admin/webservice/openapi`);
  await expect(page.getByRole('article', { name: EVIL, exact: true })).toBeVisible();
  await expect(page.getByRole('article', { name: 'Mobile web services' })).toBeVisible();
  const all = await downloadJson(page, () =>
    page
      .getByRole('article', { name: 'All functions' })
      .getByRole('link', { name: 'Download OpenAPI of all functions' })
      .click(),
  );
  expect(all.name).toBe('gatehouse-all-functions.openapi.json');
  expectOpenApi(all.json, ['core_webservice_get_site_info', 'core_group_create_groups']);
  await expect(page.locator('img:not([src="/favicon.svg"])')).toHaveCount(0);

  expect(dialogs).toEqual([]);
  expect(cspViolations).toEqual([]);
});
