import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { ADMIN_PASSWORD } from '../support/constants';
import { login } from '../support/fixtures';
import { useOwnServer } from '../support/own-server';

const server = useOwnServer(3191);
const out = (name: string) => join(import.meta.dirname, '..', '..', 'docs', 'screenshots', name);

test.beforeAll(async () => {
  await server().cli('mobile', 'enable');
});

test('README screenshots: the token page, its usage chart, a phone view', async ({ page }) => {
  const url = server().url;
  await page.setViewportSize({ width: 1280, height: 900 });
  await login(page, 'admin', ADMIN_PASSWORD, url);
  await page.goto(`${url}/admin/webservice/tokens/new`);
  await page.getByRole('textbox', { name: 'Name' }).fill('Sasha’s phone');
  await page.getByRole('searchbox', { name: 'Search users' }).fill('student2');
  await page.getByRole('button', { name: /Choose Sasha Learner/ }).click();
  await page.getByRole('combobox', { name: 'Service' }).selectOption({ label: 'Mobile web services' });
  await page.getByRole('button', { name: 'Create token' }).click();
  const secret = await page
    .getByRole('region', { name: 'Token created' })
    .getByRole('textbox', { name: 'Token' })
    .inputValue();
  // Real calls: successes, and refusals of two kinds.
  const rest = `${url}/webservice/rest/server.php?moodlewsrestformat=json`;
  for (let i = 0; i < 12; i++) {
    await page.request.get(`${rest}&wsfunction=core_webservice_get_site_info`, {
      headers: { authorization: `Bearer ${secret}` },
    });
  }
  for (let i = 0; i < 3; i++) {
    await page.request.get(`${rest}&wsfunction=core_user_create_users`, {
      headers: { authorization: `Bearer ${secret}` },
    });
  }
  await page.goto(`${url}/admin/webservice/tokens`);
  await page.getByRole('link', { name: 'Sasha’s phone' }).click();
  await expect(page.getByRole('heading', { level: 1, name: /Sasha’s phone/ })).toBeVisible();
  await page.waitForLoadState('networkidle');
  await page.screenshot({ path: out('token-page.png'), fullPage: true });
  const chart = page.getByRole('img', { name: /calls/i }).first();
  await expect(chart).toBeVisible();
  await (await chart.evaluateHandle((el) => el.closest('section') ?? el)).asElement()?.screenshot({
    path: out('usage-chart.png'),
  });

  // The same page on a phone: the navigation behind Menu, the facts in one column.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.reload();
  await page.waitForLoadState('networkidle');
  await page.screenshot({ path: out('phone-token-page.png') });
});
