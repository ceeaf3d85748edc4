import { expect, type Page, type Request, type Route, test } from '@playwright/test';
import { ADMIN_PASSWORD } from '../support/constants';
import { login } from '../support/fixtures';
import { useOwnServer } from '../support/own-server';

// Route loaders (apps/web/src/screen-data.ts): a screen's queries leave with its code chunk, not
// after it has mounted, under the keys the screen asks for, so that nothing is fetched twice.

const server = useOwnServer(3231);

test.beforeAll(async () => {
  await server().cli('mobile', 'enable');
});

const pathOf = (r: Request) => new URL(r.url()).pathname;

/** Records the console API requests the page makes, by path and query. */
function recordApi(page: Page): string[] {
  const seen: string[] = [];
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.pathname.startsWith('/api/')) seen.push(u.pathname + u.search);
  });
  return seen;
}

/** Holds a screen's code chunk until released: what the page asks for meanwhile came from the loader. */
async function holdChunk(page: Page, screen: string) {
  let held: Route | undefined;
  let requested: () => void = () => {};
  const asked = new Promise<void>((resolve) => {
    requested = resolve;
  });
  await page.route(new RegExp(`/assets/${screen}-[\\w-]+\\.js$`), (route) => {
    held = route;
    requested();
  });
  return {
    asked,
    release: () => held?.continue(),
  };
}

test("a screen's data is on its way while its code still downloads", async ({ page }) => {
  const url = server().url;
  await login(page, 'admin', ADMIN_PASSWORD, url);
  await page.goto(`${url}/admin/webservice/services`);
  await expect(page.getByRole('heading', { level: 1, name: 'External services' })).toBeVisible();

  const chunk = await holdChunk(page, 'tokens-list');
  const list = page.waitForRequest((r) => pathOf(r) === '/api/tokens');
  const services = page.waitForRequest((r) => pathOf(r) === '/api/tokens/services');
  await page.getByRole('navigation').getByRole('link', { name: 'Manage tokens' }).first().click();
  await chunk.asked;
  // The chunk has not arrived, and both of the screen's queries have left.
  await Promise.all([list, services]);
  await chunk.release();
  await expect(page.getByRole('heading', { level: 1, name: 'Manage tokens' })).toBeVisible();
});

test("each of a screen's queries is fetched once: the loader's and the screen's are the same", async ({ page }) => {
  const url = server().url;
  await login(page, 'admin', ADMIN_PASSWORD, url);
  await page.goto(`${url}/admin/webservice/tokens/new`);
  await page.getByRole('textbox', { name: 'Name' }).fill('Loader token');
  await page.getByRole('searchbox', { name: 'Search users' }).fill('student2');
  await page.getByRole('button', { name: /Choose Sasha Learner/ }).click();
  await page.getByRole('combobox', { name: 'Service' }).selectOption({ label: 'Mobile web services' });
  await page.getByRole('button', { name: 'Create token' }).click();
  await expect(page.getByRole('region', { name: 'Token created' })).toBeVisible();

  // A list whose state is in the URL (sort, direction): read as the screen reads it.
  let api = recordApi(page);
  await page.goto(`${url}/admin/webservice/tokens?sort=user&dir=asc`);
  const link = page.getByRole('link', { name: 'Loader token' });
  await expect(link).toBeVisible();
  expect(api.filter((p) => p.startsWith('/api/tokens?'))).toHaveLength(1);
  expect(api.filter((p) => p === '/api/tokens/services')).toHaveLength(1);
  const tokenPath = new URL((await link.getAttribute('href')) ?? '', url).pathname;
  const id = tokenPath.split('/').pop();

  // A page whose parts load under one another (the token, what it may call, its chart): all at
  // once, each once, on a fresh load of the page.
  api = recordApi(page);
  await page.goto(`${url}${tokenPath}`);
  await expect(page.getByRole('heading', { level: 1, name: 'Token: Loader token' })).toBeVisible();
  await expect(page.getByRole('table', { name: 'Functions of the service' })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Calls' })).toBeVisible();
  for (const path of [`/api/tokens/${id}`, `/api/tokens/${id}/access`, `/api/tokens/${id}/usage?range=48h`]) {
    expect(
      api.filter((p) => p === path),
      path,
    ).toHaveLength(1);
  }
});
