import AxeBuilder from '@axe-core/playwright';
import { expect, type Page, test } from '@playwright/test';
import { ADMIN_PASSWORD } from '../support/constants';
import { login } from '../support/fixtures';
import { useOwnServer } from '../support/own-server';

// Usage you can see (issue 18 §2): real REST calls, successful and refused, then the chart and
// its figures on the token page, the service's page and the Overview.

const server = useOwnServer(3151);

test.beforeAll(async () => {
  // Web services on, REST usable by every user, the mobile service enabled.
  await server().cli('mobile', 'enable');
});

async function createToken(page: Page, url: string, name: string): Promise<string> {
  await page.goto(`${url}/admin/webservice/tokens/new`);
  await page.getByRole('textbox', { name: 'Name' }).fill(name);
  await page.getByRole('searchbox', { name: 'Search users' }).fill('student2');
  await page.getByRole('button', { name: /Choose Sasha Learner/ }).click();
  await page.getByRole('combobox', { name: 'Service' }).selectOption({ label: 'Mobile web services' });
  await page.getByRole('button', { name: 'Create token' }).click();
  return page.getByRole('region', { name: 'Token created' }).getByRole('textbox', { name: 'Token' }).inputValue();
}

async function rest(page: Page, url: string, secret: string, wsfunction: string): Promise<string> {
  const res = await page.request.get(
    `${url}/webservice/rest/server.php?wsfunction=${wsfunction}&moodlewsrestformat=json&wstoken=${secret}`,
  );
  return res.text();
}

test('calls made over REST show on the token page as a chart, with a legend and the figures', async ({ page }) => {
  const url = server().url;
  await login(page, 'admin', ADMIN_PASSWORD, url);
  const secret = await createToken(page, url, 'Charted token');
  for (let i = 0; i < 3; i++)
    expect(await rest(page, url, secret, 'core_webservice_get_site_info')).toContain('student2');
  for (let i = 0; i < 2; i++) expect(await rest(page, url, secret, 'core_no_such_function')).toContain('invalidrecord');

  await page.goto(`${url}/admin/webservice/tokens`);
  await page.getByRole('link', { name: 'Charted token' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Token: Charted token' })).toBeVisible();
  const main = page.getByRole('main');
  // Last access and address are the calls' (made from this machine).
  await expect(main.getByText('127.0.0.1')).toBeVisible();

  const chart = page.getByRole('region', { name: 'Calls' });
  await expect(chart.getByRole('img')).toHaveAccessibleName(
    'Calls per hour, last 48 hours: 5 calls, 3 successful, 2 refused (2 Function not found).',
  );
  const legend = chart.getByRole('list', { name: 'Legend' });
  await expect(legend.getByRole('listitem').filter({ hasText: 'Successful' })).toContainText('3');
  await expect(legend.getByRole('listitem').filter({ hasText: 'Function not found' })).toContainText('2');

  // The figures, one click away.
  await chart.getByText('Show the figures').click();
  const table = chart.getByRole('table', { name: 'Calls by hour' });
  await expect(table.getByRole('columnheader')).toHaveText(['Hour', 'Successful', 'Function not found', 'Total']);
  const row = table.getByRole('row').nth(1);
  await expect(row.getByRole('cell')).toHaveText(['3', '2', '5']);

  // The chart, its legend and the open figures pass axe, in light and in dark.
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    const axe = await new AxeBuilder({ page })
      .include('main')
      .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
      .analyze();
    expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual(
      [],
    );
  }
  await page.emulateMedia({ colorScheme: 'light' });

  // By day: the same calls, in today's bucket.
  await chart.getByRole('button', { name: '30 days' }).click();
  await expect(chart.getByRole('button', { name: '30 days' })).toHaveAttribute('aria-pressed', 'true');
  await expect(chart.getByRole('img')).toHaveAccessibleName(/^Calls per day, last 30 days: 5 calls/);

  // The service's page and the Overview chart them too.
  await main.getByRole('link', { name: 'Mobile web services' }).click();
  await expect(page.getByRole('region', { name: 'Calls through this service' }).getByRole('img')).toHaveAccessibleName(
    /3 successful, 2 refused \(2 Function not found\)/,
  );
  const sideways = () =>
    page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  // On a phone the chart and its figures stay within the page (no sideways scroll).
  await page.setViewportSize({ width: 360, height: 740 });
  await page.getByRole('region', { name: 'Calls through this service' }).getByText('Show the figures').click();
  expect(await sideways()).toBeLessThanOrEqual(0);
  await page.goto(`${url}/admin/webservice/overview`);
  await expect(
    page.getByRole('region', { name: 'Web-service calls on this site' }).getByRole('img'),
  ).toHaveAccessibleName(/Function not found/);
});
