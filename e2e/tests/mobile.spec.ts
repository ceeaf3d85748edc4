import { expect, test } from '@playwright/test';
import { ADMIN_PASSWORD, DEMO_PASSWORD } from '../support/constants';
import { login } from '../support/fixtures';
import { useOwnServer } from '../support/own-server';

const server = useOwnServer(3105);

test('an admin ticks the mobile toggle; a user then logs in through /login/token.php and calls get_site_info', async ({
  page,
  request,
}) => {
  const url = server().url;
  // Before: the mobile service is refused.
  const before = await request.post(`${url}/login/token.php`, {
    form: { username: 'student', password: DEMO_PASSWORD, service: 'moodle_mobile_app' },
  });
  expect((await before.json()).errorcode).toBe('enablewsdescription');

  await login(page, 'admin', ADMIN_PASSWORD, url);
  await page.goto(`${url}/admin/webservice/mobile`);
  await expect(page.getByRole('heading', { level: 1, name: 'Mobile web services' })).toBeVisible();
  const toggle = page.getByRole('checkbox', { name: 'Enable web services for mobile devices' });
  await expect(toggle).not.toBeChecked();
  await toggle.check();
  await page.getByRole('button', { name: 'Save changes' }).click();
  // The console shows what the toggle changed.
  const changed = page.getByRole('status').filter({ hasText: 'What changed' });
  await expect(changed).toContainText('enablewebservices');
  await expect(changed).toContainText('Mobile web services');
  await expect(changed).toContainText('webservice/rest:use');
  await expect(changed).toContainText('webservice/xmlrpc:use');
  await page.reload();
  await expect(page.getByRole('checkbox', { name: 'Enable web services for mobile devices' })).toBeChecked();

  const login2 = await request.post(`${url}/login/token.php`, {
    form: { username: 'student', password: DEMO_PASSWORD, service: 'moodle_mobile_app' },
  });
  const { token, privatetoken } = await login2.json();
  expect(token).toMatch(/^gwt/);
  expect(privatetoken).toBeNull();
  const info = await request.get(
    `${url}/webservice/rest/server.php?wstoken=${token}&wsfunction=core_webservice_get_site_info&moodlewsrestformat=json`,
  );
  const body = await info.json();
  expect(body.username).toBe('student');
  expect(body.functions.map((f: { name: string }) => f.name)).toContain('core_enrol_get_users_courses');
});
