import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { expect, type Locator, type Page, test } from '@playwright/test';
import { ADMIN_PASSWORD } from '../support/constants';
import { login } from '../support/fixtures';
import { useOwnServer } from '../support/own-server';

const server = useOwnServer(3107);

// The seed's "How to set up a Moodle Hub server", "Managing sites" and "Managing courses":
// the admin sets the hub up, a site registers over XML-RPC as a Moodle site does, publishes two
// courses, and the admin manages the site and its courses.

const SITE = 'Kiwi Test College';
const SITE_URL = 'https://kiwi-college.example.nz';
const COURSE_A = 'Kiwi basket weaving';
const COURSE_B = 'Kiwi pottery for beginners';

const xmlText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function xmlrpcValue(v: unknown): string {
  if (typeof v === 'boolean') return `<value><boolean>${v ? 1 : 0}</boolean></value>`;
  if (typeof v === 'number') return `<value><int>${v}</int></value>`;
  if (typeof v === 'string') return `<value><string>${xmlText(v)}</string></value>`;
  if (Array.isArray(v)) return `<value><array><data>${v.map(xmlrpcValue).join('')}</data></array></value>`;
  const members = Object.entries(v as object)
    .map(([k, x]) => `<member><name>${k}</name>${xmlrpcValue(x)}</member>`)
    .join('');
  return `<value><struct>${members}</struct></value>`;
}

/** A methodCall with one struct of named arguments, as packages/shared's xmlrpcRequest writes it. */
const xmlrpcRequest = (fn: string, args: unknown) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<methodCall><methodName>${fn}</methodName><params><param>${xmlrpcValue(args)}</param></params></methodCall>\n`;

async function xmlrpcCall(fn: string, args: unknown, token: string): Promise<string> {
  const res = await fetch(`${server().url}/webservice/xmlrpc/server.php?wstoken=${token}`, {
    method: 'POST',
    headers: { 'content-type': 'text/xml' },
    body: xmlrpcRequest(fn, args),
  });
  expect(res.status).toBe(200);
  const text = await res.text();
  expect(text, `${fn} answered a fault`).not.toContain('<fault>');
  return text;
}

const course = (sitecourseid: number, fullname: string) => ({
  sitecourseid,
  fullname,
  shortname: `KIWI${sitecourseid}`,
  description: `About ${fullname}`,
  language: 'en',
  publishername: 'Pat Publisher',
  publisheremail: 'pat@kiwi-college.example.nz',
  contributornames: '',
  coverage: '',
  creatorname: 'Cora Creator',
  licenceshortname: 'cc-sa',
  subject: '0111',
  audience: 'educators',
  educationallevel: 'tertiary',
  creatornotes: '',
  creatornotesformat: 1,
  demourl: `${SITE_URL}/demo/${sitecourseid}`,
  enrollable: false,
});

async function openHubPage(page: Page, label: string) {
  await page
    .getByRole('navigation', { name: 'Site administration' })
    .getByRole('link', { name: label, exact: true })
    .click();
}

test('an admin sets up the hub, a site registers and publishes, the admin manages it', async ({ page, browser }) => {
  const url = server().url;
  await login(page, 'admin', ADMIN_PASSWORD, url);

  // Site administration > Hub > Settings: without web services and XML-RPC the page says so.
  await page.goto(`${url}/admin`);
  await openHubPage(page, 'Settings');
  await expect(page.getByRole('heading', { level: 1, name: 'Hub settings' })).toBeVisible();
  await expect(page.getByText('Enable web services for the hub')).toBeVisible();
  await expect(page.getByText('Enable the XML-RPC protocol')).toBeVisible();

  // The seed's set-up steps: enable web services, enable the XML-RPC protocol.
  await server().cli('config', 'set', 'enablewebservices', '1');
  await server().cli('protocol', 'enable', 'xmlrpc');
  await page.reload();
  await expect(page.getByRole('heading', { level: 1, name: 'Hub settings' })).toBeVisible();
  await expect(page.getByRole('textbox', { name: 'Hub name' })).toBeVisible();
  await expect(page.getByText('Enable web services for the hub')).toHaveCount(0);
  await expect(page.getByText('Enable the XML-RPC protocol')).toHaveCount(0);

  // A private hub without a password is refused, next to the password field.
  await page.getByRole('checkbox', { name: 'Enabled' }).check();
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByText('A private hub needs a password').first()).toBeVisible();
  await expect(page.getByLabel('Hub password')).toHaveAttribute('aria-invalid', 'true');

  // Markup in a field that the hub returns to sites as text is refused, next to the field.
  await page.getByRole('textbox', { name: 'Hub name' }).fill('<b>Kiwi</b> hub');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByText('Plain text only').first()).toBeVisible();
  await expect(page.getByRole('textbox', { name: 'Hub name' })).toHaveAttribute('aria-invalid', 'true');

  // Public, then save: the hub shows what it created, protected.
  await page.getByRole('textbox', { name: 'Hub name' }).fill('Kiwi hub');
  await page.getByRole('textbox', { name: 'Description' }).fill('Courses shared by New Zealand sites.');
  await page.getByRole('combobox', { name: 'Privacy' }).selectOption('public');
  await page.getByRole('textbox', { name: 'Contact email' }).fill('hub@kiwi.example.nz');
  await page.getByRole('button', { name: 'Save changes' }).click();
  const created = page.getByRole('status').filter({ hasText: 'The hub is enabled' });
  await expect(created).toBeVisible();
  await expect(created).toContainText(/created \d+ roles?, \d+ users?, \d+ services? and \d+ tokens?/);
  await expect(created).toContainText('protected');

  // A site registers the way a Moodle site does: the public token, then XML-RPC.
  const pub = await fetch(`${url}/local/hub/publictoken.php`);
  expect(pub.status).toBe(200);
  const { token: publicToken } = (await pub.json()) as { token: string };
  const registered = await xmlrpcCall(
    'hub_register_site',
    {
      siteinfo: {
        name: SITE,
        url: SITE_URL,
        description: 'A polytechnic sharing its craft courses.',
        contactname: 'Kara Kiwi',
        contactemail: 'kara@kiwi-college.example.nz',
        language: 'en',
        countrycode: 'NZ',
        courses: 12,
        users: 340,
      },
      password: '',
    },
    publicToken,
  );
  const siteToken = registered.match(/<name>token<\/name><value><string>([^<]+)</)?.[1];
  expect(siteToken, registered).toBeTruthy();
  const published = await xmlrpcCall(
    'hub_register_courses',
    { courses: [course(1, COURSE_A), course(2, COURSE_B)] },
    siteToken as string,
  );
  expect(published.match(/<int>/g)).toHaveLength(2);

  // Manage sites: find the site (the filters apply as they change), trust it and prioritise it.
  await openHubPage(page, 'Manage sites');
  await expect(page.getByRole('heading', { level: 1, name: 'Manage sites' })).toBeVisible();
  await page.getByRole('searchbox', { name: 'Keywords' }).fill('kiwi');
  await page.getByRole('combobox', { name: 'Trusted' }).selectOption('no');
  await expect(page).toHaveURL(/search=kiwi/);
  const row = page.getByRole('row', { name: new RegExp(SITE) });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText(SITE_URL);
  await expect(row).toContainText('Published here: 2 (0 visible)');
  await expect(row.getByText('Protected')).toBeVisible();
  await page.getByRole('button', { name: `Trust ${SITE}` }).click();
  await expect(page.getByRole('status').filter({ hasText: `${SITE} is trusted` })).toBeVisible();
  // No longer "not trusted": clear the filter to keep seeing it.
  await page.getByRole('combobox', { name: 'Trusted' }).selectOption('yes');
  await expect(page.getByRole('button', { name: `Untrust ${SITE}` })).toBeVisible();
  await page.getByRole('button', { name: `Prioritise ${SITE}` }).click();
  await expect(page.getByRole('button', { name: `Unprioritise ${SITE}` })).toBeVisible();
  // A prioritised site is always trusted: untrusting it ends its priority too, and the message says so.
  await page.getByRole('button', { name: `Untrust ${SITE}` }).click();
  await expect(
    page.getByRole('status').filter({ hasText: `${SITE} is no longer trusted, nor prioritised` }),
  ).toBeVisible();
  await page.getByRole('combobox', { name: 'Trusted' }).selectOption('no');
  await page.getByRole('button', { name: `Prioritise ${SITE}` }).click();
  await expect(page.getByRole('status').filter({ hasText: `${SITE} is prioritised` })).toBeVisible();
  await page.getByRole('combobox', { name: 'Trusted' }).selectOption('yes');
  await expect(page.getByRole('button', { name: `Unprioritise ${SITE}` })).toBeVisible();

  // Manage courses: the site's two courses wait, hidden (the site was not trusted then).
  await openHubPage(page, 'Manage courses');
  await expect(page.getByRole('heading', { level: 1, name: 'Manage courses' })).toBeVisible();
  await page.getByRole('combobox', { name: 'Site' }).selectOption({ label: SITE });
  await expect(page.getByRole('rowheader', { name: new RegExp(COURSE_A) })).toBeVisible();
  await expect(page.getByRole('row')).toHaveCount(3);

  // Bulk: select all on this page, make them visible.
  await page.getByRole('checkbox', { name: 'Select every course on this page' }).check();
  await expect(page.getByRole('checkbox', { name: `Select ${COURSE_A}` })).toBeChecked();
  await page
    .getByRole('toolbar', { name: 'With selected courses' })
    .getByRole('button', { name: 'Make visible (2)' })
    .click();
  await expect(page.getByRole('status').filter({ hasText: 'Made visible 2 courses.' })).toBeVisible();

  // Settings: a new full name.
  await page.getByRole('link', { name: `Settings of ${COURSE_A}` }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Course settings' })).toBeVisible();
  await page.getByRole('textbox', { name: 'Full name' }).fill(`${COURSE_A} (revised)`);
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Changes saved.' })).toBeVisible();

  // Visitors see the visible courses on the hub's search page, the prioritised site's first.
  const visitor = await browser.newContext();
  const anon = await visitor.newPage();
  await anon.goto(`${url}/hub`);
  await expect(anon.getByRole('heading', { level: 1, name: 'Kiwi hub' })).toBeVisible();
  await anon.getByRole('searchbox', { name: 'Search courses' }).fill('kiwi');
  await anon.getByRole('button', { name: 'Search', exact: true }).click();
  const result = anon.getByRole('article').filter({ hasText: `${COURSE_A} (revised)` });
  await expect(result).toBeVisible();
  await expect(result).toContainText('Prioritised');
  await expect(result).toContainText(SITE);

  // Hide the renamed course: it leaves the visitors' search.
  await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'Manage courses' }).click();
  await page.getByRole('combobox', { name: 'Site' }).selectOption({ label: SITE });
  await page.getByRole('button', { name: `Hide ${COURSE_A} (revised)` }).click();
  await expect(page.getByRole('button', { name: `Show ${COURSE_A} (revised)` })).toBeVisible();
  await anon.reload();
  await expect(anon.getByRole('article').filter({ hasText: COURSE_B })).toBeVisible();
  await expect(anon.getByRole('article').filter({ hasText: COURSE_A })).toHaveCount(0);
  await visitor.close();

  // Delete the site with its courses: the message to its contact is in the outbox.
  await openHubPage(page, 'Manage sites');
  await page.getByRole('button', { name: `Delete ${SITE}` }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete site' });
  await expect(dialog).toContainText('kara@kiwi-college.example.nz');
  await dialog.getByRole('checkbox', { name: 'Also delete all its courses' }).check();
  await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
  await expect(dialog).toBeHidden();
  const done = page.getByRole('status').filter({ hasText: `Deleted the site ${SITE} and its 2 courses.` });
  await expect(done).toBeVisible();
  await expect(done).toContainText(`Your site "${SITE}" was removed from the hub "Kiwi hub"`);
  await expect(done).toContainText('Dear Kara Kiwi');
  await expect(page.getByRole('row', { name: new RegExp(SITE) })).toHaveCount(0);
  const outbox = page.locator('section').filter({ has: page.getByRole('heading', { level: 2, name: 'Outbox' }) });
  await expect(outbox).toContainText(`Your site "${SITE}" was removed`);

  // Manage courses: the site's courses are gone.
  await openHubPage(page, 'Manage courses');
  await page.getByRole('searchbox', { name: 'Keywords' }).fill('kiwi');
  await expect(page.getByText('No courses found')).toBeVisible();

  // Manage sites: the demo sites (seeded when the hub was first enabled). A contact's address is
  // a plain mailto: link.
  await openHubPage(page, 'Manage sites');
  const lycee = page.getByRole('row', { name: /Lycée du Lac/ });
  await expect(lycee.getByRole('link', { name: 'moodle@lycee-du-lac.example.fr' })).toHaveAttribute(
    'href',
    'mailto:moodle@lycee-du-lac.example.fr',
  );
  // Bulk delete: select two sites, the dialog says what goes with them, and both go.
  await page.getByRole('checkbox', { name: 'Select Lycée du Lac' }).check();
  await page.getByRole('checkbox', { name: 'Select Escuela Abierta' }).check();
  await page.getByRole('button', { name: 'Delete selected sites (2)' }).click();
  const bulk = page.getByRole('dialog', { name: 'Delete 2 sites' });
  await expect(bulk).toContainText('Lycée du Lac');
  await expect(bulk).toContainText('Escuela Abierta');
  await expect(bulk).toContainText('hub users and access tokens are removed');
  await expect(bulk).toContainText("A message is sent to each site's contact");
  await bulk.getByRole('checkbox', { name: 'Also delete all their courses' }).check();
  await bulk.getByRole('button', { name: 'Delete 2 sites' }).click();
  await expect(bulk).toBeHidden();
  await expect(page.getByRole('status').filter({ hasText: /Deleted 2 sites and their \d+ courses?\./ })).toBeVisible();
  await expect(page.getByRole('row', { name: /Lycée du Lac/ })).toHaveCount(0);
  await expect(page.getByRole('row', { name: /Escuela Abierta/ })).toHaveCount(0);
  await expect(page.getByRole('row', { name: /Northwind Academy/ })).toHaveCount(1);
});

// ---- A Moodle site registers through siteregistration.php ------------------------------------

/** PHP's rawurlencode(). */
const rawurlencode = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);

/** moodle_url::get_query_string() with $escaped = false (lib/weblib.php): an empty value is the bare key. */
const moodleQuery = (params: [string, string | number][]) =>
  params.map(([k, v]) => (v === '' ? rawurlencode(k) : `${rawurlencode(k)}=${rawurlencode(String(v))}`)).join('&');

/**
 * An XML-RPC call as Moodle 3.1-3.3's webservice_xmlrpc_client sends it (webservice/xmlrpc/lib.php:
 * xmlrpc_encode_request($functionname, array_values($params), array('encoding' => 'utf-8',
 * 'escaping' => 'markup'))), here for a function without parameters: xmlrpc-epi writes <params/>.
 */
async function moodleSiteCall(fn: string, token: string): Promise<string> {
  const res = await fetch(`${server().url}/local/hub/webservice/webservices.php?wstoken=${token}`, {
    method: 'POST',
    headers: { 'content-type': 'text/xml' },
    body: `<?xml version="1.0" encoding="utf-8"?>\n<methodCall>\n<methodName>${fn}</methodName>\n<params/>\n</methodCall>\n`,
  });
  expect(res.status).toBe(200);
  const text = await res.text();
  expect(text, `${fn} answered a fault`).not.toContain('<fault>');
  return text;
}

test('a Moodle site registers through siteregistration.php: pending, confirmed, then unregistered in Manage sites', async ({
  page,
}) => {
  const url = server().url;
  const NAME = 'Moa Ridge School';
  const SECRET = 'Zx8Qw2Er4Ty6Ui8Op0As2Df4Gh6Jk8Lm127.0.0.1';

  // The Moodle site: answers at its address, and its confirmregistration.php takes the token.
  const tokens: string[] = [];
  const site = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://site');
    if (u.pathname === '/moa/admin/registration/confirmregistration.php') {
      tokens.push(u.searchParams.get('newtoken') ?? '');
      res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>Registration confirmed</h1>');
    } else res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>Moa Ridge</h1>');
  });
  await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
  const siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}/moa`;
  try {
    await login(page, 'admin', ADMIN_PASSWORD, url);

    // Hub settings: a site on this machine's own address may register only when allowed.
    await page.goto(`${url}/admin`);
    await openHubPage(page, 'Settings');
    const local = page.getByRole('checkbox', { name: 'Sites on local addresses may register' });
    await expect(local).not.toBeChecked();
    await local.check();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Changes saved.' })).toBeVisible();
    await expect(page.getByText('Moodle sites register', { exact: true })).toBeVisible();

    // admin/registration/register.php's redirect (the form's fields in form order, then token and url).
    const query = moodleQuery([
      ['huburl', url],
      ['hubname', ''],
      ['password', ''],
      ['name', NAME],
      ['privacy', 'named'],
      ['description', 'A rural school sharing its science units.'],
      ['language', 'en'],
      ['address', ''],
      ['regioncode', '-'],
      ['countrycode', 'NZ'],
      ['geolocation', ''],
      ['contactname', 'Mere Moa'],
      ['contactphone', ''],
      ['contactemail', 'mere@moa-ridge.example.nz'],
      ['contactable', 1],
      ['emailalert', 0],
      ['imageurl', ''],
      ['moodleversion', '2017051500.02'],
      ['moodlerelease', '3.3+ (Build: 20170525)'],
      ['courses', 4],
      ['users', 120],
      ['submitbutton', `Register with ${url}`],
      ['enrolments', 150],
      ['street', ''],
      ['token', SECRET],
      ['url', siteUrl],
    ]);
    // The administrator's browser goes to the hub and comes back to the site with the token.
    await page.goto(`${url}/local/hub/siteregistration.php?${query}`);
    await expect(page.getByRole('heading', { name: 'Registration confirmed' })).toBeVisible();
    expect(page.url()).toMatch(/\/moa\/admin\/registration\/confirmregistration\.php\?newtoken=[A-Za-z0-9]+&url=/);
    expect(tokens).toHaveLength(1);

    // Manage sites: pending until the site calls the hub with its token.
    await page.goto(`${url}/admin`);
    await openHubPage(page, 'Manage sites');
    await page.getByRole('combobox', { name: 'Registration' }).selectOption('pending');
    await expect(page).toHaveURL(/status=pending/);
    const row = page.getByRole('row', { name: new RegExp(NAME) });
    await expect(row).toContainText('Pending');
    await expect(row).toContainText("Waiting for the site's first call with its token");

    await moodleSiteCall('hub_get_info', tokens[0] as string);
    await page.reload();
    await expect(page.getByRole('row', { name: new RegExp(NAME) })).toHaveCount(0);
    await page.getByRole('combobox', { name: 'Registration' }).selectOption('confirmed');
    await expect(page.getByRole('row', { name: new RegExp(NAME) })).toContainText('Confirmed');

    // The site leaves (admin/registration/index.php: hub_unregister_site): hidden unless asked for.
    await moodleSiteCall('hub_unregister_site', tokens[0] as string);
    await page.getByRole('combobox', { name: 'Registration' }).selectOption('registered');
    await expect(page.getByRole('row', { name: new RegExp(NAME) })).toHaveCount(0);
    await page.getByRole('combobox', { name: 'Registration' }).selectOption('unregistered');
    const gone = page.getByRole('row', { name: new RegExp(NAME) });
    await expect(gone).toContainText('Unregistered');

    // Its page shows what it sent, and its secret can be marked stolen (asks first).
    await gone.getByRole('link', { name: `Settings of ${NAME}` }).click();
    const registration = page.locator('section').filter({ has: page.getByRole('heading', { name: 'Registration' }) });
    await expect(registration).toContainText('Unregistered');
    await expect(registration).toContainText('3.3+ (Build: 20170525) (version 2017051500.02)');
    await expect(registration).toContainText('Publish name');
    await page.getByRole('button', { name: 'Mark the secret stolen' }).click();
    const ask = page.getByRole('dialog', { name: `Mark the secret of ${NAME} stolen?` });
    await ask.getByRole('button', { name: 'Mark stolen' }).click();
    await expect(ask).toBeHidden();
    await expect(page.getByText('registrations with it are refused')).toBeVisible();

    // The same secret is refused from now on: local_hub's stolen-secret page, no redirect.
    await page.goto(`${url}/local/hub/siteregistration.php?${query}`);
    await expect(page.getByRole('heading', { name: 'Site secret stolen' })).toBeVisible();
    expect(tokens).toHaveLength(1);
  } finally {
    await new Promise((r) => site.close(r));
  }
});

// ---- A published course's screenshots and backup in the console and the visitors' search ------

/** A 300 × 200 PNG, as a site's course screenshot. */
const SCREENSHOT_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAASwAAADICAIAAADdvUsCAAAACXBIWXMAAAPoAAAD6AG1e1JrAAABsUlEQVR42u3TQQ0AAAjEsNOCSTyhEhk8aFIFS5aaBg5FAjAhmBAwIZgQMCGYEDAhmBAwIZgQMCGYEDAhmBAwIZgQMCGYEDAhmBAwIZgQMCGYEDAhmBAwIZgQMCGYEDAhmBAwIZgQMCGYEDAhmBAwIZgQMCGYEDAhmBAwIZgQMCGYEDAhmBAwIZgQMCGYEDAhmBAwIZgQMCGYEDAhmBAwIZgQTKgCmBBMCJgQTAiYEEwImBBMCJgQTAiYEEwImBBMCJgQTAiYEEwImBBMCJgQTAiYEEwImBBMCJgQTAiYEEwImBBMCJgQTAiYEEwImBBMCJgQTAiYEEwImBBMCJgQTAiYEEwImBBMCJgQTAiYEEwImBBMCJgQTAiYEEwImBBMCJgQTAgmVAFMCCYETAgmBEwIJgRMCCYETAgmBEwIJgRMCCYETAgmBEwIJgRMCCYETAgmBEwIJgRMCCYETAgmBEwIJgRMCCYETAgmBEwIJgRMCCYETAgmBEwIJgRMCCYETAgmBEwIJgRMCCYETAgmBEwIJgRMCCYETAgmBEwIJgRMCCYETAgmBBMCJgQTAiaEnxYKkMhqz/3cuAAAAABJRU5ErkJggg==',
  'base64',
);

/**
 * An XML-RPC call as Moodle 3.1–3.3's webservice_xmlrpc_client sends it to
 * {hub}/local/hub/webservice/webservices.php?wstoken=… (webservice/xmlrpc/lib.php:
 * xmlrpc_encode_request($functionname, array_values($params), …)): the parameters positional,
 * one <param> each (xmlrpc-epi's whitespace left out: the parser ignores it).
 */
async function localHubCall(fn: string, params: unknown[], token: string): Promise<string> {
  const body = `<?xml version="1.0" encoding="utf-8"?>\n<methodCall>\n<methodName>${fn}</methodName>\n<params>${params
    .map((p) => `<param>${xmlrpcValue(p)}</param>`)
    .join('')}</params>\n</methodCall>\n`;
  const res = await fetch(`${server().url}/local/hub/webservice/webservices.php?wstoken=${token}`, {
    method: 'POST',
    headers: { 'content-type': 'text/xml; charset=utf-8', 'user-agent': 'Moodle XML-RPC Client/1.0' },
    body,
  });
  expect(res.status).toBe(200);
  const text = await res.text();
  expect(text, `${fn} answered a fault`).not.toContain('<fault>');
  return text;
}

/**
 * POST {hub}/local/hub/webservice/upload.php as Moodle's curl class posts an array with a stored
 * file (lib/filelib.php curl::post, the file part named by the pool file's content hash, sent
 * as application/octet-stream), the fields in the order the site's script lists them.
 */
async function curlUpload(fields: [string, string | Buffer][]): Promise<void> {
  const boundary = '------------------------fedcba9876543210';
  const chunks: Buffer[] = [];
  for (const [name, v] of fields) {
    chunks.push(
      typeof v === 'string'
        ? Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${v}\r\n`)
        : Buffer.concat([
            Buffer.from(
              `--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${createHash('sha1').update(v).digest('hex')}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
            ),
            v,
            Buffer.from('\r\n'),
          ]),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  const res = await fetch(`${server().url}/local/hub/webservice/upload.php`, {
    method: 'POST',
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, accept: '*/*' },
    body: new Uint8Array(Buffer.concat(chunks)),
  });
  expect(res.status, await res.clone().text()).toBe(200);
}

/** The image has loaded, at this natural width. */
async function expectLoaded(img: Locator, width: number) {
  await expect(img).toBeVisible();
  await expect.poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth)).toBe(width);
}

test("a course's screenshot and backup, uploaded as a Moodle site does, in Manage courses and the visitors' search", async ({
  page,
  browser,
}) => {
  const url = server().url;
  const SHOTS = 'Tuatara field studies';
  const SHOTS_SITE = 'Tuatara Bay School';
  const backup = gzipSync(Buffer.from('moodle_backup.xml and the course, as a .mbz'));

  await server().cli('config', 'set', 'enablewebservices', '1');
  await server().cli('protocol', 'enable', 'xmlrpc');
  await login(page, 'admin', ADMIN_PASSWORD, url);
  await page.goto(`${url}/admin`);
  await openHubPage(page, 'Settings');
  await page.getByRole('checkbox', { name: 'Enabled' }).check();
  await page.getByRole('textbox', { name: 'Hub name' }).fill('Kiwi hub');
  await page.getByRole('combobox', { name: 'Privacy' }).selectOption('public');
  await page.getByRole('textbox', { name: 'Contact email' }).fill('hub@kiwi.example.nz');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(
    page
      .getByRole('status')
      .filter({ hasText: /Changes saved|The hub is enabled|No changes to save/ })
      .first(),
  ).toBeVisible();

  // The site registers (the public token, hub_register_site) and publishes over webservices.php
  // as course/publish/metadata.php does: hub_register_courses(array($courseinfo)), positional.
  const { token: publicToken } = (await (await fetch(`${url}/local/hub/publictoken.php`)).json()) as { token: string };
  const registered = await xmlrpcCall(
    'hub_register_site',
    {
      siteinfo: {
        name: SHOTS_SITE,
        url: 'https://tuatara-bay.example.nz',
        description: 'A coastal school.',
        contactname: 'Tama Tuatara',
        contactemail: 'tama@tuatara-bay.example.nz',
        language: 'en',
        countrycode: 'NZ',
        courses: 3,
        users: 90,
      },
      password: '',
    },
    publicToken,
  );
  const siteToken = registered.match(/<name>token<\/name><value><string>([^<]+)</)?.[1] as string;
  expect(siteToken, registered).toBeTruthy();
  const ids = await localHubCall(
    'hub_register_courses',
    [[{ ...course(7, SHOTS), shortname: 'TUATARA7', demourl: '', screenshots: 1 }]],
    siteToken,
  );
  const courseId = ids.match(/<int>(\d+)<\/int>/)?.[1] as string;
  expect(courseId, ids).toBeTruthy();
  // metadata.php: filetype, file, courseid, filename, screenshotnumber, token; backup.php: filetype, courseid, file, token.
  await curlUpload([
    ['filetype', 'screenshot'],
    ['file', SCREENSHOT_PNG],
    ['courseid', courseId],
    ['filename', 'tuatara.png'],
    ['screenshotnumber', '1'],
    ['token', siteToken],
  ]);
  await curlUpload([
    ['filetype', 'backup'],
    ['courseid', courseId],
    ['file', backup],
    ['token', siteToken],
  ]);

  // Manage courses: the course waits, hidden; its screenshot and backup are there all the same.
  await openHubPage(page, 'Manage courses');
  await page.getByRole('combobox', { name: 'Site' }).selectOption({ label: SHOTS_SITE });
  const row = page.getByRole('row', { name: new RegExp(SHOTS) });
  await expect(row).toContainText('Hidden');
  const thumb = row.getByRole('button', { name: `Screenshot 1 of ${SHOTS}` });
  await expectLoaded(thumb.locator('img'), 150);
  const backupLink = row.getByRole('link', { name: `Download the course backup of ${SHOTS} (${backup.length} bytes)` });
  await expect(backupLink).toHaveAttribute('href', `/api/hub/courses/${courseId}/backup`);
  const got = await page.request.get(`${url}/api/hub/courses/${courseId}/backup`);
  expect(Buffer.from(await got.body()).equals(backup)).toBe(true);
  // The keyboard opens the larger view; Escape closes it and focus comes back.
  await thumb.focus();
  await page.keyboard.press('Enter');
  const viewer = page.getByRole('dialog', { name: `Screenshot 1 of ${SHOTS}` });
  await expectLoaded(viewer.getByRole('img', { name: `Screenshot 1 of ${SHOTS}` }), 300);
  await page.keyboard.press('Escape');
  await expect(viewer).toBeHidden();
  await expect(thumb).toBeFocused();
  await row.getByRole('button', { name: `Show ${SHOTS}` }).click();
  await expect(row.getByRole('button', { name: `Hide ${SHOTS}` })).toBeVisible();

  // The visitors' search, on a phone: the thumbnail from download.php, the backup offered.
  const visitor = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const anon = await visitor.newPage();
  await anon.goto(`${url}/hub?q=tuatara`);
  const result = anon.getByRole('article').filter({ hasText: SHOTS });
  await expect(result).toBeVisible();
  const visitorThumb = result.getByRole('button', { name: `Screenshot 1 of ${SHOTS}` }).locator('img');
  await expect(visitorThumb).toHaveAttribute(
    'src',
    `/local/hub/webservice/download.php?courseid=${courseId}&filetype=screenshot&screenshotnumber=1`,
  );
  await expectLoaded(visitorThumb, 150);
  const offered = result.getByRole('link', { name: `Download the course backup of ${SHOTS} (${backup.length} bytes)` });
  await expect(offered).toHaveAttribute(
    'href',
    `/local/hub/webservice/download.php?courseid=${courseId}&filetype=backup`,
  );
  const fromHub = await anon.request.get(
    `${url}/local/hub/webservice/download.php?courseid=${courseId}&filetype=backup`,
  );
  expect(Buffer.from(await fromHub.body()).equals(backup)).toBe(true);
  expect(await anon.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await result.getByRole('button', { name: `Screenshot 1 of ${SHOTS}` }).click();
  const larger = anon.getByRole('dialog', { name: `Screenshot 1 of ${SHOTS}` });
  await expectLoaded(larger.getByRole('img', { name: `Screenshot 1 of ${SHOTS}` }), 300);
  await larger.getByRole('button', { name: 'Close' }).click();
  await expect(larger).toBeHidden();

  // Course settings: the administrator deletes the screenshot, then the backup (asked first).
  await page.getByRole('link', { name: `Settings of ${SHOTS}` }).click();
  const files = page.getByRole('region', { name: 'Screenshots and backup' });
  await expectLoaded(files.getByRole('button', { name: `Screenshot 1 of ${SHOTS}` }).locator('img'), 150);
  await files.getByRole('button', { name: 'Delete screenshot 1' }).click();
  const ask = page.getByRole('dialog', { name: 'Delete screenshots' });
  await expect(ask).toContainText(`Delete screenshot 1 of ${SHOTS}?`);
  await ask.getByRole('button', { name: 'Cancel' }).click();
  await expect(ask).toBeHidden();
  await expect(files.getByRole('button', { name: `Screenshot 1 of ${SHOTS}` })).toBeVisible();
  await files.getByRole('button', { name: 'Delete screenshot 1' }).click();
  await ask.getByRole('button', { name: 'Delete', exact: true }).click();
  await expect(ask).toBeHidden();
  await expect(files.getByRole('status').filter({ hasText: `Deleted screenshot 1 of ${SHOTS}.` })).toBeVisible();
  await expect(files).toContainText('The site has uploaded no screenshots for this course.');
  await files.getByRole('button', { name: 'Delete backup' }).click();
  const askBackup = page.getByRole('dialog', { name: 'Delete backup' });
  await expect(askBackup).toContainText(`(${backup.length} bytes)`);
  await askBackup.getByRole('button', { name: 'Delete', exact: true }).click();
  await expect(askBackup).toBeHidden();
  await expect(files).toContainText('No backup: the site has not uploaded one');

  // The visitors' search no longer shows or offers them.
  await anon.reload();
  await expect(result).toBeVisible();
  await expect(result.getByRole('button', { name: `Screenshot 1 of ${SHOTS}` })).toHaveCount(0);
  await expect(result.getByRole('link', { name: /Download the course backup/ })).toHaveCount(0);
  await visitor.close();
});
