import { expect, type Page, test } from '@playwright/test';
import { ADMIN_PASSWORD } from '../support/constants';
import { login } from '../support/fixtures';
import { useOwnServer } from '../support/own-server';

// Manage sites and Manage courses on the list kit (issue 18, §4 and §3): sortable headers with
// aria-sort, filters that apply as they change (the keywords once typing pauses), Previous / Next
// by keyset, a bulk action through the kit's toolbar, and subjects shown by their Moodle names.
// Over the demo hub (four sites, eight courses), seeded when the hub is first enabled.

const server = useOwnServer(3211);

test.beforeAll(async ({ browser }) => {
  await server().cli('config', 'set', 'enablewebservices', '1');
  await server().cli('protocol', 'enable', 'xmlrpc');
  const page = await browser.newPage();
  await login(page, 'admin', ADMIN_PASSWORD, server().url);
  await page.goto(`${server().url}/admin/hub/settings`);
  await page.getByRole('checkbox', { name: 'Enabled' }).check();
  await page.getByRole('textbox', { name: 'Hub name' }).fill('List hub');
  await page.getByRole('combobox', { name: 'Privacy' }).selectOption('public');
  await page.getByRole('textbox', { name: 'Contact email' }).fill('hub@lists.example');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'The hub is enabled' })).toBeVisible();
  await page.close();
});

async function signIn(page: Page) {
  await login(page, 'admin', ADMIN_PASSWORD, server().url);
}

test('Manage sites: sort by a header (aria-sort), Next and Previous by keyset', async ({ page }) => {
  await signIn(page);
  await page.goto(`${server().url}/admin/hub/sites?perPage=2`);
  const table = page.getByRole('table', { name: 'Registered sites' });
  const siteHeader = table.getByRole('columnheader', { name: 'Site', exact: true });
  const languageHeader = table.getByRole('columnheader', { name: 'Language', exact: true });
  const sites = table.getByRole('rowheader');
  await expect(siteHeader).toHaveAttribute('aria-sort', 'ascending');
  await expect(sites).toHaveText([/^Escuela Abierta/, /^Lycée du Lac/]);
  const pager = page.getByRole('navigation', { name: 'Pagination' });
  await expect(pager).toContainText('Showing 2 of 4 sites');
  await expect(pager.getByRole('button', { name: 'Previous' })).toBeDisabled();

  await pager.getByRole('button', { name: 'Next' }).click();
  await expect(sites).toHaveText([/^Northwind Academy/, /^Riverside Community College/]);
  await expect(page).toHaveURL(/cursor=/);
  await expect(pager.getByRole('button', { name: 'Next' })).toBeDisabled();
  await pager.getByRole('button', { name: 'Previous' }).click();
  await expect(sites).toHaveText([/^Escuela Abierta/, /^Lycée du Lac/]);

  // Another header: ascending by it (then by name); the first header is no longer sorted.
  await languageHeader.getByRole('button').click();
  await expect(languageHeader).toHaveAttribute('aria-sort', 'ascending');
  await expect(siteHeader).not.toHaveAttribute('aria-sort');
  await expect(page).not.toHaveURL(/cursor=/);
  await expect(sites).toHaveText([/^Northwind Academy/, /^Riverside Community College/]);
  await pager.getByRole('button', { name: 'Next' }).click();
  await expect(sites).toHaveText([/^Escuela Abierta/, /^Lycée du Lac/]);
  await languageHeader.getByRole('button').click();
  await expect(languageHeader).toHaveAttribute('aria-sort', 'descending');
  await expect(sites).toHaveText([/^Lycée du Lac/, /^Escuela Abierta/]);
});

test('Manage sites: the keywords apply once typing pauses, the other filters at once, all in the URL', async ({
  page,
}) => {
  await signIn(page);
  await page.goto(`${server().url}/admin/hub/sites`);
  const sites = page.getByRole('table', { name: 'Registered sites' }).getByRole('rowheader');
  await expect(sites).toHaveCount(4);
  const searched: string[] = [];
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.pathname === '/api/hub/sites' && u.searchParams.has('search'))
      searched.push(u.searchParams.get('search') ?? '');
  });
  await page.getByRole('searchbox', { name: 'Keywords' }).pressSequentially('lycee-du', { delay: 40 });
  await expect(sites).toHaveText([/^Lycée du Lac/]);
  await expect(page).toHaveURL(/search=lycee-du/);
  expect(searched).toEqual(['lycee-du']);
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await expect(sites).toHaveCount(4);

  await page.getByRole('combobox', { name: 'Trusted' }).selectOption('yes');
  await expect(page).toHaveURL(/trusted=yes/);
  await expect(sites).toHaveText([/^Lycée du Lac/, /^Northwind Academy/]);
  // A country code applies once it is a whole one.
  await page.getByRole('textbox', { name: 'Country' }).fill('f');
  await expect(page).not.toHaveURL(/country=/);
  await page.getByRole('textbox', { name: 'Country' }).fill('fr');
  await expect(page).toHaveURL(/country=FR/);
  await expect(sites).toHaveText([/^Lycée du Lac/]);
  // Typing replaces the history entry (no entry per key); Back goes to the list before the choices.
  await page.goBack();
  await expect(sites).toHaveCount(4);
  await expect(page).not.toHaveURL(/trusted=/);
});

test('Manage courses: sort by a header, search as you type, Next and Previous', async ({ page }) => {
  await signIn(page);
  await page.goto(`${server().url}/admin/hub/courses?perPage=3`);
  const table = page.getByRole('table', { name: 'Published courses' });
  const courses = table.getByRole('rowheader');
  const modified = table.getByRole('columnheader', { name: 'Modified', exact: true });
  await expect(modified).toHaveAttribute('aria-sort', 'descending');
  await expect(courses).toHaveCount(3);
  const courseHeader = table.getByRole('columnheader', { name: 'Course', exact: true });
  await courseHeader.getByRole('button').click();
  await expect(courseHeader).toHaveAttribute('aria-sort', 'ascending');
  await expect(modified).not.toHaveAttribute('aria-sort');
  await expect(courses).toHaveText([/^Assessment design/, /^Brouillon : SVT/, /^Introduction to bookkeeping/]);
  const pager = page.getByRole('navigation', { name: 'Pagination' });
  await expect(pager).toContainText('Showing 3 of 8 courses');
  await pager.getByRole('button', { name: 'Next' }).click();
  await expect(courses).toHaveText([/^Lectura en primaria/, /^Mathématiques/, /^Physique-chimie/]);
  await pager.getByRole('button', { name: 'Next' }).click();
  await expect(courses).toHaveText([/^Running a Moodle site/, /^Teaching with open/]);
  await expect(pager.getByRole('button', { name: 'Next' })).toBeDisabled();
  await pager.getByRole('button', { name: 'Previous' }).click();
  await expect(courses).toHaveText([/^Lectura en primaria/, /^Mathématiques/, /^Physique-chimie/]);

  const searched: string[] = [];
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.pathname === '/api/hub/courses' && u.searchParams.has('search'))
      searched.push(u.searchParams.get('search') ?? '');
  });
  await page.getByRole('searchbox', { name: 'Keywords' }).pressSequentially('bookkeeping', { delay: 40 });
  await expect(courses).toHaveText([/^Introduction to bookkeeping/]);
  await expect(page).toHaveURL(/search=bookkeeping/);
  expect(searched).toEqual(['bookkeeping']);
  await expect(page).not.toHaveURL(/cursor=/);
});

test('subjects by their Moodle names: the list, its filter, the course settings and the visitors’ search', async ({
  page,
  browser,
}) => {
  await signIn(page);
  await page.goto(`${server().url}/admin/hub/courses`);
  const table = page.getByRole('table', { name: 'Published courses' });
  await expect(table.getByRole('row').filter({ hasText: 'Introduction to bookkeeping' })).toContainText(
    'Accounting (080101)',
  );
  await page.getByRole('combobox', { name: 'Subject' }).selectOption('070303');
  await expect(page).toHaveURL(/subject=070303/);
  await expect(table.getByRole('rowheader')).toHaveText([/^Assessment design/, /^Teaching with open/]);
  await expect(table.getByRole('row').filter({ hasText: 'Teaching with open' })).toContainText(
    'Education Studies (070303)',
  );

  await page.getByRole('link', { name: 'Settings of Teaching with open educational resources' }).click();
  const subject = page.getByRole('combobox', { name: 'Subject' });
  await expect(subject).toHaveValue('070303');
  await expect(subject.locator('option:checked')).toHaveText(/Education Studies/);

  const visitor = await browser.newContext();
  const anon = await visitor.newPage();
  await anon.goto(`${server().url}/hub?q=open`);
  await expect(anon.getByRole('article').filter({ hasText: 'Teaching with open' })).toContainText(
    'Education Studies (070303)',
  );
  await visitor.close();
});

test('Manage courses: select rows and make them visible from the kit’s bulk actions', async ({ page }) => {
  await signIn(page);
  await page.goto(`${server().url}/admin/hub/courses?visibility=hidden&sort=fullname&dir=asc`);
  const table = page.getByRole('table', { name: 'Published courses' });
  await expect(table.getByRole('rowheader')).toHaveText([
    /^Brouillon : SVT/,
    /^Introduction to bookkeeping/,
    /^Running a Moodle site/,
  ]);
  const bar = page.getByRole('toolbar', { name: 'With selected courses' });
  await expect(bar.getByRole('button', { name: 'Make visible (0)' })).toBeDisabled();
  await page.getByRole('checkbox', { name: 'Select Introduction to bookkeeping' }).check();
  await page.getByRole('checkbox', { name: 'Select Running a Moodle site for adult learners' }).check();
  await bar.getByRole('button', { name: 'Make visible (2)' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Made visible 2 courses.' })).toBeVisible();
  await expect(table.getByRole('rowheader')).toHaveText([/^Brouillon : SVT/]);
  await expect(bar.getByRole('button', { name: 'Make visible (0)' })).toBeDisabled();

  // Select every course on the page, then clear the selection.
  await page.getByRole('checkbox', { name: 'Select every course on this page' }).check();
  await expect(bar.getByRole('button', { name: 'Hide selected (1)' })).toBeEnabled();
  await bar.getByRole('button', { name: 'Clear selection' }).click();
  await expect(bar.getByRole('button', { name: 'Hide selected (0)' })).toBeDisabled();
});
