import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { ADMIN_PASSWORD } from '../support/constants';
import { login } from '../support/fixtures';
import { useOwnServer } from '../support/own-server';

// The list kit (issue 18, §4) on Manage tokens and the audit log: sortable headers with
// aria-sort, Previous / Next by keyset, a debounced search, selection with a bulk action, the
// expiry filter, and the audit log's names and CSV export.

const server = useOwnServer(3161);
const DAY = 86_400_000;
const iso = (ms: number) => new Date(Date.now() + ms).toISOString();

test.beforeAll(async () => {
  await server().cli('mobile', 'enable');
  // Seven tokens: two expire within a week, the others later.
  for (let i = 1; i <= 7; i++) {
    await server().cli(
      'token',
      'create',
      '--user',
      'student2',
      '--service',
      'moodle_mobile_app',
      '--name',
      `Kit ${i}`,
      '--valid-until',
      iso(i <= 2 ? 2 * DAY + 3_600_000 : (10 + i) * DAY),
    );
  }
});

const tokensUrl = () => `${server().url}/admin/webservice/tokens?name=Kit&perPage=3`;

test('sort by a header (aria-sort), then Next and Previous by keyset', async ({ page }) => {
  await login(page, 'admin', ADMIN_PASSWORD, server().url);
  await page.goto(tokensUrl());
  const table = page.getByRole('table', { name: 'Tokens' });
  const nameHeader = table.getByRole('columnheader', { name: /Name/ });
  const names = () => table.getByRole('rowheader').getByRole('link').allTextContents();
  await expect(table.getByRole('rowheader')).toHaveCount(3);
  await expect(nameHeader).not.toHaveAttribute('aria-sort');
  await nameHeader.getByRole('button').click();
  await expect(nameHeader).toHaveAttribute('aria-sort', 'ascending');
  await expect.poll(names).toEqual(['Kit 1', 'Kit 2', 'Kit 3']);
  await expect(page).toHaveURL(/sort=name/);
  await expect(page.getByRole('navigation', { name: 'Pagination' })).toContainText('Showing 3 of 7 tokens');
  await expect(page.getByRole('button', { name: 'Previous' })).toBeDisabled();

  await page.getByRole('button', { name: 'Next' }).click();
  await expect.poll(names).toEqual(['Kit 4', 'Kit 5', 'Kit 6']);
  await expect(page).toHaveURL(/cursor=/);
  await page.getByRole('button', { name: 'Next' }).click();
  await expect.poll(names).toEqual(['Kit 7']);
  await expect(page.getByRole('button', { name: 'Next' })).toBeDisabled();
  await page.getByRole('button', { name: 'Previous' }).click();
  await expect.poll(names).toEqual(['Kit 4', 'Kit 5', 'Kit 6']);
  // Back (the browser's) keeps the list's place: the state is in the URL.
  await page.goBack();
  await expect.poll(names).toEqual(['Kit 7']);

  await nameHeader.getByRole('button').click();
  await expect(nameHeader).toHaveAttribute('aria-sort', 'descending');
  await expect.poll(names).toEqual(['Kit 7', 'Kit 6', 'Kit 5']);
  await expect(page).not.toHaveURL(/cursor=/);
});

test('the search waits for typing to pause: one request for the whole word', async ({ page }) => {
  await login(page, 'admin', ADMIN_PASSWORD, server().url);
  await page.goto(`${server().url}/admin/webservice/tokens`);
  await expect(page.getByRole('table', { name: 'Tokens' })).toBeVisible();
  const searched: string[] = [];
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.pathname === '/api/tokens' && u.searchParams.has('name')) searched.push(u.searchParams.get('name') ?? '');
  });
  await page.getByRole('searchbox', { name: 'Name' }).pressSequentially('Kit 5', { delay: 40 });
  await expect(page.getByRole('table', { name: 'Tokens' }).getByRole('rowheader')).toHaveCount(1);
  await expect(page).toHaveURL(/name=Kit\+5/);
  expect(searched).toEqual(['Kit 5']);
});

test('expiry: "expires in 2 days" with the date on hover, and the "expiring within" filter', async ({ page }) => {
  await login(page, 'admin', ADMIN_PASSWORD, server().url);
  await page.goto(tokensUrl().replace('perPage=3', 'perPage=25'));
  const table = page.getByRole('table', { name: 'Tokens' });
  const row = table.getByRole('row').filter({ hasText: 'Kit 1' });
  const expiry = row.locator('time').filter({ hasText: /^expires in/ });
  await expect(expiry).toHaveText('expires in 2 days');
  await expect(expiry).toHaveAttribute('title', /\d{4}-\d{2}-\d{2}T/);
  await page.getByRole('combobox', { name: 'Expiry' }).selectOption({ label: 'Expiring within 7 days' });
  await expect(table.getByRole('rowheader')).toHaveCount(2);
  await expect(page).toHaveURL(/expiringWithin=7/);
  await page.getByRole('combobox', { name: 'Expiry' }).selectOption({ label: 'Expiring within… (days)' });
  await page.getByRole('spinbutton', { name: 'Days' }).fill('14');
  await expect(page).toHaveURL(/expiringWithin=14/);
  await expect(table.getByRole('rowheader')).toHaveCount(4);
  await page.getByRole('combobox', { name: 'Expiry' }).selectOption({ label: 'Expired' });
  await expect(page.getByText('No tokens found')).toBeVisible();
});

test('select two rows and revoke them from the bulk actions; the audit log names who did it, and exports', async ({
  page,
}) => {
  await login(page, 'admin', ADMIN_PASSWORD, server().url);
  await page.goto(tokensUrl().replace('perPage=3', 'perPage=25'));
  await page.getByRole('checkbox', { name: 'Select token Kit 6' }).check();
  await page.getByRole('checkbox', { name: 'Select token Kit 7' }).check();
  const bar = page.getByRole('toolbar', { name: 'Bulk actions' });
  await bar.getByRole('button', { name: 'Revoke selected (2)' }).click();
  const dialog = page.getByRole('dialog', { name: 'Revoke tokens' });
  await dialog.getByRole('button', { name: 'Revoke 2 tokens' }).click();
  await expect(page.getByText('Revoked 2 tokens.')).toBeVisible();
  await expect(page.getByRole('link', { name: 'Kit 7' })).toHaveCount(0);
  await expect(page.getByRole('link', { name: 'Kit 5' })).toBeVisible();

  // Select all on the page, then clear.
  await page.getByRole('checkbox', { name: 'Select every token on this page' }).check();
  await expect(bar.getByRole('button', { name: 'Revoke selected (5)' })).toBeEnabled();
  await bar.getByRole('button', { name: 'Clear selection' }).click();
  await expect(bar.getByRole('button', { name: 'Revoke selected (0)' })).toBeDisabled();

  await page.goto(`${server().url}/admin/audit?action=token.`);
  const log = page.getByRole('table', { name: /Audit log entries/ });
  const revoke = log.getByRole('row').filter({ hasText: 'token.revoke' });
  await expect(revoke).toContainText('Admin User');
  await expect(revoke.locator('time')).toHaveAttribute('title', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  // A token made from the command line: the target by name, a link to the token.
  const created = log.getByRole('row').filter({ hasText: 'token.create' }).filter({ hasText: 'Kit 5' });
  await expect(created.getByRole('link', { name: 'Kit 5' })).toBeVisible();
  await expect(created).toContainText('cli');

  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: /Export CSV/ }).click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/^audit-log-\d{4}-\d{2}-\d{2}\.csv$/);
  const csv = readFileSync((await file.path()) as string, 'utf8');
  expect(csv.startsWith('\uFEFFTime (UTC),Username,User,Action,Target type,Target id,Target,Summary')).toBe(true);
  expect(csv).toContain(',admin,Admin User,token.revoke,token,');
  expect(csv).toContain('token.create');
  expect(csv).not.toContain('auth.login');
});
