import { expect, type Page } from '@playwright/test';

/** Signs in through the login form, as a person would. */
export async function login(page: Page, username: string, password: string, baseUrl = ''): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  await page.getByRole('textbox', { name: 'Username' }).fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByRole('button', { name: 'Log out' })).toBeVisible();
}
