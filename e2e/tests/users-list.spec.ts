import { expect, type Page, test } from '@playwright/test';
import { ADMIN_PASSWORD } from '../support/constants';
import { login } from '../support/fixtures';
import { useOwnServer } from '../support/own-server';

// Browse list of users on the list kit (issue 18, §4): sortable headers with aria-sort, a search
// that applies as you type, Previous / Next by keyset, a capped count, and selection with the
// bulk suspend / unsuspend, which refuses (and says why) users it cannot change. The no-Delete
// rules stay.

const server = useOwnServer(3221);

const usersTable = (page: Page) => page.getByRole('table', { name: 'Users' });
const usernames = (page: Page) => usersTable(page).getByRole('rowheader').getByRole('link').allTextContents();

test.beforeEach(async ({ page }) => {
  await login(page, 'admin', ADMIN_PASSWORD, server().url);
});

test('sort by a header (aria-sort), then Next and Previous by keyset', async ({ page }) => {
  await page.goto(`${server().url}/admin/users?perPage=4`);
  const table = usersTable(page);
  const header = table.getByRole('columnheader', { name: /Username/ });
  await expect(table.getByRole('rowheader')).toHaveCount(4);
  // Sorted by last name by default.
  await expect(table.getByRole('columnheader', { name: /Last name/ })).toHaveAttribute('aria-sort', 'ascending');
  await expect(header).not.toHaveAttribute('aria-sort');
  await header.getByRole('button').click();
  await expect(header).toHaveAttribute('aria-sort', 'ascending');
  await expect(page).toHaveURL(/sort=username/);
  await expect.poll(() => usernames(page)).toEqual(['admin', 'expired', 'guest', 'manager']);
  const pager = page.getByRole('navigation', { name: 'Pagination' });
  await expect(pager).toContainText(/Showing 4 of \d+ users/);
  await expect(pager.getByRole('button', { name: 'Previous' })).toBeDisabled();

  await pager.getByRole('button', { name: 'Next' }).click();
  await expect(page).toHaveURL(/cursor=/);
  await expect.poll(() => usernames(page)).toEqual(['nologin', 'student', 'student2', 'suspended']);
  await pager.getByRole('button', { name: 'Previous' }).click();
  await expect.poll(() => usernames(page)).toEqual(['admin', 'expired', 'guest', 'manager']);
  // The browser's Back keeps the list's place: the state is in the URL.
  await page.goBack();
  await expect.poll(() => usernames(page)).toEqual(['nologin', 'student', 'student2', 'suspended']);

  await header.getByRole('button').click();
  await expect(header).toHaveAttribute('aria-sort', 'descending');
  await expect(page).not.toHaveURL(/cursor=/);
  await expect.poll(async () => (await usernames(page))[0]).toBe('wsclient');
});

test('the search applies as you type, with one request once typing pauses; the status filter too', async ({ page }) => {
  await page.goto(`${server().url}/admin/users`);
  await expect(usersTable(page)).toBeVisible();
  const searched: string[] = [];
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.pathname === '/api/users' && u.searchParams.has('search')) searched.push(u.searchParams.get('search') ?? '');
  });
  await page.getByRole('searchbox', { name: 'Search users' }).pressSequentially('Sasha', { delay: 40 });
  await expect.poll(() => usernames(page)).toEqual(['student2']);
  await expect(page).toHaveURL(/search=Sasha/);
  expect(searched).toEqual(['Sasha']);
  await expect(page.getByRole('navigation', { name: 'Pagination' })).toContainText('Showing 1 of 1 users');

  await page.getByRole('searchbox', { name: 'Search users' }).fill('');
  await page.getByRole('combobox', { name: 'Status' }).selectOption({ label: 'Suspended' });
  await expect(page).toHaveURL(/status=suspended/);
  await expect.poll(() => usernames(page)).toEqual(['suspended']);
});

test('bulk suspend and unsuspend the selected users; users it cannot change are named, and nothing changes', async ({
  page,
}) => {
  await page.goto(`${server().url}/admin/users?sort=username`);
  const table = usersTable(page);
  const bulk = page.getByRole('toolbar', { name: 'Bulk actions on users' });
  await expect(bulk.getByRole('button', { name: 'Suspend selected (0)', exact: true })).toBeDisabled();
  await table.getByRole('checkbox', { name: 'Select student2' }).check();
  await table.getByRole('checkbox', { name: 'Select teacher' }).check();
  await bulk.getByRole('button', { name: 'Suspend selected (2)', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Suspend users' });
  await expect(dialog).toContainText('their tokens stop working at once');
  await dialog.getByRole('button', { name: 'Suspend 2 users' }).click();
  await expect(page.getByText('Suspended 2 users.')).toBeVisible();
  await expect(dialog).toBeHidden();
  for (const name of ['student2', 'teacher']) {
    await expect(table.getByRole('row').filter({ has: page.getByRole('link', { name, exact: true }) })).toContainText(
      'Suspended',
    );
  }
  // The selection was cleared; the suspended filter shows them.
  await expect(bulk.getByRole('button', { name: 'Suspend selected (0)', exact: true })).toBeDisabled();

  // Yourself (and the guest) cannot be suspended: the dialog says so and nothing is sent.
  await table.getByRole('checkbox', { name: 'Select admin' }).check();
  await table.getByRole('checkbox', { name: 'Select student2' }).check();
  await bulk.getByRole('button', { name: 'Suspend selected (2)', exact: true }).click();
  await expect(dialog).toContainText('These users cannot be suspended: admin (yourself)');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await table.getByRole('checkbox', { name: 'Select admin' }).uncheck();
  await table.getByRole('checkbox', { name: 'Select teacher' }).check();
  await bulk.getByRole('button', { name: 'Unsuspend selected (2)' }).click();
  await page
    .getByRole('dialog', { name: 'Unsuspend users' })
    .getByRole('button', { name: 'Unsuspend 2 users' })
    .click();
  await expect(page.getByText('Unsuspended 2 users.')).toBeVisible();
  await expect(
    table.getByRole('row').filter({ has: page.getByRole('link', { name: 'teacher', exact: true }) }),
  ).not.toContainText('Suspended');

  // The audit log names the change per user.
  await page.goto(`${server().url}/admin/audit?action=user.update`);
  await expect(page.getByRole('main')).toContainText('Suspended user student2 (bulk action)');
});

test('Delete is still offered only where the BFF allows it', async ({ page }) => {
  await page.goto(`${server().url}/admin/users`);
  await expect(page.getByRole('button', { name: 'Delete Sam Student' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Delete Guest user' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Delete Admin User' })).toHaveCount(0);
});
