import AxeBuilder from '@axe-core/playwright';
import { expect, type Page, test } from '@playwright/test';
import { ADMIN_PASSWORD, DEMO_PASSWORD } from '../support/constants';
import { login } from '../support/fixtures';
import { useOwnServer } from '../support/own-server';

const server = useOwnServer(3121);

const PHONE = { width: 360, height: 740 };

/** Screens that the navigation does not link to directly (ids of the demo data). */
const DETAIL_SCREENS = [
  '/',
  '/admin/users/4',
  '/admin/roles/new',
  '/admin/roles/1',
  '/admin/webservice/services/new',
  '/admin/webservice/services/1',
  '/admin/webservice/services/1/functions',
  '/admin/webservice/services/1/users',
  '/admin/webservice/tokens/new',
  '/admin/webservice/documentation/core_webservice_get_site_info',
  '/admin/webservice/openapi',
  '/admin/webservice/openapi/1',
  '/no-such-page',
];

const menuButton = (page: Page) => page.getByRole('banner').getByRole('button', { name: 'Menu' });
const drawer = (page: Page) => page.getByRole('dialog', { name: 'Navigation' });

/** Every page link in the navigation drawer, opened from the menu button. */
async function drawerLinks(page: Page): Promise<string[]> {
  // After signing in, the start page redirects: open the drawer once it has landed.
  await expect(page.getByRole('heading', { level: 1 }).first()).toBeVisible();
  await page.waitForLoadState('networkidle');
  await menuButton(page).click();
  await expect(drawer(page)).toBeVisible();
  const hrefs = await drawer(page)
    .getByRole('link')
    .evaluateAll((links) => links.map((a) => new URL((a as HTMLAnchorElement).href).pathname));
  await page.keyboard.press('Escape');
  await expect(drawer(page)).toBeHidden();
  return [...new Set(hrefs)];
}

/**
 * How many pixels the page itself scrolls sideways on this screen (0 when it does not), and the
 * outermost elements that stick out of the window, to say what to fix.
 */
async function sidewaysScroll(page: Page, path: string): Promise<{ over: number; culprits: string }> {
  await page.goto(`${server().url}${path}`);
  await expect(page.getByRole('heading', { level: 1 }).first()).toBeVisible();
  await page.waitForLoadState('networkidle');
  return page.evaluate(() => {
    const doc = document.scrollingElement ?? document.documentElement;
    const over = doc.scrollWidth - window.innerWidth;
    // Sticking out of the window, and not clipped by a box that scrolls or hides its overflow.
    const clipped = (el: Element) => {
      for (let p = el.parentElement; p && p !== document.body; p = p.parentElement)
        if (getComputedStyle(p).overflowX !== 'visible') return true;
      return false;
    };
    const out = (el: Element) => el.getBoundingClientRect().right > window.innerWidth + 1 && !clipped(el);
    const culprits = Array.from(document.body.querySelectorAll('*'))
      .filter((el) => out(el) && !(el.parentElement && el.parentElement !== document.body && out(el.parentElement)))
      .slice(0, 3)
      .map((el) => `<${el.tagName.toLowerCase()} class="${el.getAttribute('class') ?? ''}">`)
      .join(', ');
    return { over, culprits };
  });
}

/** Whether the header's controls are in one row: their middles at one height, inside the header. */
async function headerInOneRow(page: Page): Promise<boolean> {
  return page.getByRole('banner').evaluate((header) => {
    const box = header.getBoundingClientRect();
    const mids = Array.from(header.querySelectorAll('a, button'))
      .map((e) => e.getBoundingClientRect())
      .filter((r) => r.width > 0 && r.height > 0)
      .map((r) => r.top + r.height / 2);
    return mids.length > 0 && Math.max(...mids) - Math.min(...mids) < 8 && box.height <= 64;
  });
}

test('at 360 px no screen of the administration scrolls sideways and the header keeps one row', async ({ page }) => {
  test.setTimeout(240_000);
  await page.setViewportSize(PHONE);
  await login(page, 'admin', ADMIN_PASSWORD, server().url);
  const links = await drawerLinks(page);
  // The whole Site administration tree is in the drawer (a few of its pages, as a check).
  for (const p of ['/admin', '/admin/users', '/admin/webservice/tokens', '/admin/audit', '/preferences/keys'])
    expect(links).toContain(p);
  const found: string[] = [];
  for (const path of [...links, ...DETAIL_SCREENS.filter((p) => !links.includes(p))]) {
    const { over, culprits } = await sidewaysScroll(page, path);
    if (over > 0) found.push(`${path}: the page scrolls ${over}px sideways (${culprits})`);
    if (!(await headerInOneRow(page))) found.push(`${path}: the header wraps`);
    // What is folded away (function parameters, examples) must fit as well once unfolded.
    const unfolded = await page.evaluate(() => {
      const folded = Array.from(document.querySelectorAll('main details:not([open])'));
      for (const d of folded) d.setAttribute('open', '');
      const doc = document.scrollingElement ?? document.documentElement;
      return folded.length ? doc.scrollWidth - window.innerWidth : 0;
    });
    if (unfolded > 0) found.push(`${path}: unfolded, the page scrolls ${unfolded}px sideways`);
  }
  expect(found).toEqual([]);
});

test('from a phone to a wide window the header keeps one row and the page never scrolls sideways', async ({ page }) => {
  await login(page, 'admin', ADMIN_PASSWORD, server().url);
  const found: string[] = [];
  for (const width of [360, 390, 480, 640, 768, 900, 1023, 1024, 1280, 1440]) {
    await page.setViewportSize({ width, height: 800 });
    for (const path of ['/admin/webservice/tokens', '/admin/users']) {
      const { over, culprits } = await sidewaysScroll(page, path);
      if (over > 0) found.push(`${width}px ${path}: the page scrolls ${over}px sideways (${culprits})`);
      if (!(await headerInOneRow(page))) found.push(`${width}px ${path}: the header wraps`);
      // Exactly one way to the navigation: the sidebar on a wide window, the menu button below 1024 px.
      const sidebar = await page
        .getByRole('complementary')
        .getByRole('navigation', { name: 'Site administration' })
        .isVisible();
      const button = await menuButton(page).isVisible();
      if (sidebar === button || sidebar !== width >= 1024)
        found.push(
          `${width}px ${path}: sidebar ${sidebar ? 'shown' : 'hidden'}, menu button ${button ? 'shown' : 'hidden'}`,
        );
    }
  }
  expect(found).toEqual([]);
});

test('at 360 px an ordinary user’s pages do not scroll sideways', async ({ page }) => {
  await page.setViewportSize(PHONE);
  await login(page, 'student', DEMO_PASSWORD, server().url);
  const links = await drawerLinks(page);
  expect(links).toEqual(expect.arrayContaining(['/preferences', '/preferences/keys']));
  const found: string[] = [];
  for (const path of [...links, '/', '/admin/users', '/hub']) {
    const { over, culprits } = await sidewaysScroll(page, path);
    if (over > 0) found.push(`${path}: the page scrolls ${over}px sideways (${culprits})`);
  }
  expect(found).toEqual([]);
});

test('the navigation drawer: menu button, focus trapped inside, Escape and a click outside close it, a link closes it', async ({
  page,
}) => {
  await page.setViewportSize(PHONE);
  await login(page, 'admin', ADMIN_PASSWORD, server().url);
  await page.goto(`${server().url}/admin/users`);
  await expect(page.getByRole('heading', { level: 1, name: 'Browse list of users' })).toBeVisible();
  // No sidebar beside the page on a phone: the tree is behind the menu button.
  await expect(page.getByRole('navigation', { name: 'Site administration' })).toBeHidden();
  const button = menuButton(page);
  await expect(button).toHaveAttribute('aria-expanded', 'false');

  // Opened from the keyboard: focus moves into the drawer and stays there both ways round.
  await button.focus();
  await page.keyboard.press('Enter');
  await expect(drawer(page)).toBeVisible();
  await expect(button).toHaveAttribute('aria-expanded', 'true');
  await expect(drawer(page).getByRole('navigation', { name: 'Site administration' })).toBeVisible();
  const focusInDrawer = () =>
    page.evaluate(() => !!document.activeElement?.closest('dialog[open]') && document.activeElement !== document.body);
  expect(await focusInDrawer()).toBe(true);
  const count = await drawer(page).getByRole('link').count();
  const seen = new Set<number>();
  for (let i = 0; i < count + 3; i++) {
    await page.keyboard.press('Tab');
    expect(await focusInDrawer()).toBe(true);
    seen.add(
      await page.evaluate(() =>
        Array.from(document.querySelectorAll('dialog[open] a, dialog[open] button')).indexOf(
          document.activeElement as Element,
        ),
      ),
    );
  }
  // Tab went round the whole drawer (every link was reached), never out of it.
  expect(seen.size).toBeGreaterThanOrEqual(count);
  for (let i = 0; i < 5; i++) {
    await page.keyboard.press('Shift+Tab');
    expect(await focusInDrawer()).toBe(true);
  }

  // The open drawer, and the page behind it, as accessible as the rest (axe, as accessibility.spec.ts runs it).
  const axe = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([]);

  // Escape closes it and gives the focus back to the menu button.
  await page.keyboard.press('Escape');
  await expect(drawer(page)).toBeHidden();
  await expect(button).toHaveAttribute('aria-expanded', 'false');
  await expect(button).toBeFocused();

  // A click outside the drawer (on the dimmed page) closes it too.
  await button.click();
  await expect(drawer(page)).toBeVisible();
  const panel = await drawer(page).boundingBox();
  expect(panel && panel.width < PHONE.width).toBe(true);
  await page.mouse.click(PHONE.width - 10, PHONE.height / 2);
  await expect(drawer(page)).toBeHidden();
  await expect(button).toBeFocused();

  // So does its own close button (for touch and screen-reader users).
  await button.click();
  await drawer(page).getByRole('button', { name: 'Close menu' }).click();
  await expect(drawer(page)).toBeHidden();
  await expect(button).toBeFocused();

  // Following a link closes it: the new page starts at its heading.
  await button.click();
  await drawer(page).getByRole('link', { name: 'Manage tokens' }).click();
  await expect(page).toHaveURL(/\/admin\/webservice\/tokens$/);
  await expect(drawer(page)).toBeHidden();
  await expect(button).toHaveAttribute('aria-expanded', 'false');
  await expect(page.getByRole('heading', { level: 1, name: 'Manage tokens' })).toBeFocused();

  // On a wide window the tree is a sidebar again and there is no menu button.
  await page.setViewportSize({ width: 1280, height: 800 });
  await expect(page.getByRole('navigation', { name: 'Site administration' })).toBeVisible();
  await expect(button).toBeHidden();
});

test('Manage tokens at 1280×800: every column can be reached inside the table’s own box', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await login(page, 'admin', ADMIN_PASSWORD, server().url);
  // A token with a long name and an IP restriction, as an administrator would make one.
  await page.goto(`${server().url}/admin/webservice/tokens/new`);
  await page.getByRole('searchbox', { name: 'Search users' }).fill('student2');
  await page.getByRole('button', { name: /Choose Sasha Learner/ }).click();
  await page.getByRole('combobox', { name: 'Service' }).selectOption({ label: 'Mobile web services' });
  await page.getByRole('textbox', { name: 'Name' }).fill('Nightly grade export to the student information system');
  await page.getByRole('textbox', { name: 'IP restriction' }).fill('192.168.10.0/24, 10.20.30.40, 2001:db8::/32');
  await page.getByRole('button', { name: 'Create token' }).click();
  await expect(page.getByRole('region', { name: 'Token created' })).toBeVisible();
  await page.goto(`${server().url}/admin/webservice/tokens`);
  const table = page.getByRole('table', { name: 'Tokens' });
  await expect(table.getByRole('row').nth(1)).toBeVisible();
  await page.waitForLoadState('networkidle');
  // The page itself never scrolls sideways: the table does, inside its box.
  expect(await sidewaysScroll(page, '/admin/webservice/tokens')).toMatchObject({ over: 0 });

  const box = table.locator('xpath=..');
  const headers = await table.getByRole('columnheader').all();
  expect(headers.length).toBeGreaterThan(3);
  const fits = await box.evaluate((el) => el.scrollWidth <= el.clientWidth + 1);
  if (!fits) {
    // Wider than its box: a focusable region, scrolled by the keyboard, with a shadow on the hidden side.
    const region = page.getByRole('region', { name: 'Tokens' });
    await expect(region).toBeVisible();
    await expect(page.locator('[data-edge-shadow="right"]')).toBeVisible();
    await region.focus();
    for (
      let i = 0;
      i < 60 && !(await region.evaluate((el) => el.scrollLeft + el.clientWidth >= el.scrollWidth - 1));
      i++
    )
      await page.keyboard.press('ArrowRight');
    await expect(page.locator('[data-edge-shadow="right"]')).toHaveCount(0);
    await expect(page.locator('[data-edge-shadow="left"]')).toBeVisible();
  }
  // Every column header, scrolled to where need be, lies inside the box and inside the window.
  const boxRect = await box.boundingBox();
  if (!boxRect) throw new Error('no table box');
  for (const h of headers) {
    await h.evaluate((el) => el.scrollIntoView({ block: 'nearest', inline: 'nearest' }));
    const r = await h.boundingBox();
    if (!r) throw new Error('a column header has no box');
    const name = (await h.textContent())?.trim() || '(unnamed)';
    expect(r.x, name).toBeGreaterThanOrEqual(boxRect.x - 1);
    expect(r.x + r.width, name).toBeLessThanOrEqual(boxRect.x + boxRect.width + 1);
    expect(r.x + r.width, name).toBeLessThanOrEqual(1280);
  }
  // The last columns the issue names are there to be seen.
  for (const name of ['Last error', 'Actions']) {
    const h = table.getByRole('columnheader', { name });
    if ((await h.count()) > 0) {
      await h.first().evaluate((el) => el.scrollIntoView({ block: 'nearest', inline: 'nearest' }));
      await expect(h.first()).toBeInViewport();
    }
  }
});
