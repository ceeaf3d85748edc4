import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { users } from '../../db/schema';
import { makeClock, makeTestApp, signIn, type TestApp } from '../../test/helpers';

// Moodle's user.firstaccess (set once, by user_accesstime_log, at the first visit) and lastlogin:
// a console sign-in sets both, and a later one moves only lastlogin. core_user_get_users_by_field
// and the participant lists return firstaccess.

let t: TestApp;
const clock = makeClock();
beforeAll(async () => {
  t = await makeTestApp({ now: clock.now });
});
afterAll(() => t.close());

const row = async (username: string) =>
  (
    await t.store.db
      .select({ firstaccess: users.firstaccess, lastlogin: users.lastlogin })
      .from(users)
      .where(eq(users.username, username))
      .limit(1)
  ).at(0);

it('the first console sign-in sets firstaccess; a later one leaves it and moves lastlogin', async () => {
  expect((await row('student'))?.firstaccess).toBe(0);
  await signIn(t, 'student');
  const first = await row('student');
  expect(first?.firstaccess).toBeGreaterThan(0);
  expect(first?.lastlogin).toBe(first?.firstaccess);
  clock.advance(3600);
  await signIn(t, 'student');
  const second = await row('student');
  expect(second?.firstaccess).toBe(first?.firstaccess);
  expect(second?.lastlogin).toBe((first?.lastlogin ?? 0) + 3600);
});
