import { multiple, PHP_KEY_ORDER, single, validateParameters, value } from '@gatehouse/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../features/audit/audit.service';
import { addServiceFunctions } from '../features/services/services.service';
import { makeWsSite, rawRequest, type WsSite } from '../fuzz/fuzz-helpers';
import { fromPairs } from './params';

// PHP arrays as Moodle reads them. PHP builds `values[0]=a&values[2]=b` (what
// http_build_query(array_filter(…)) sends) into array(0 => 'a', 2 => 'b'), and
// external_api::validate_parameters reads a multiple structure with
//   foreach ($params as $param) { $result[] = static::validate_parameters($description->content, $param); }
// so the keys are dropped and the values taken in PHP's order: the order they were sent in.

let site: WsSite;
beforeAll(async () => {
  site = await makeWsSite();
  await addServiceFunctions(site.t.deps, site.serviceId, ['core_user_get_users_by_field'], SYSTEM_ACTOR);
});
afterAll(() => site?.t.close());

const REST = '/webservice/rest/server.php';

async function rest(fn: string, body: string, method: 'POST' | 'GET' = 'POST') {
  const query = `wstoken=${site.secret}&moodlewsrestformat=json&wsfunction=${fn}`;
  const res =
    method === 'GET'
      ? await rawRequest(site.t.app, 'GET', `${REST}?${query}&${body}`)
      : await rawRequest(site.t.app, 'POST', `${REST}?${query}`, {
          body,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        });
  expect(res.status).toBe(200);
  return JSON.parse(res.text);
}

const user = (key: string, username: string) =>
  [
    `users[${key}][username]=${username}`,
    `users[${key}][password]=Secret-pass-1`,
    `users[${key}][firstname]=F`,
    `users[${key}][lastname]=L`,
    `users[${key}][email]=${username}@example.com`,
  ].join('&');

const usernames = (out: { username: string }[]) => out.map((u) => u.username);

describe('bracket lists through a real REST call (core_user_create_users)', () => {
  it('with a gap: users[0], users[2]', async () => {
    const out = await rest('core_user_create_users', `${user('0', 'gap.a')}&${user('2', 'gap.b')}`);
    expect(usernames(out)).toEqual(['gap.a', 'gap.b']);
  });

  it('starting at 1: users[1], users[2]', async () => {
    const out = await rest('core_user_create_users', `${user('1', 'one.a')}&${user('2', 'one.b')}`);
    expect(usernames(out)).toEqual(['one.a', 'one.b']);
  });

  it('in the order sent, not by key: users[5], users[1], users[3]', async () => {
    const out = await rest(
      'core_user_create_users',
      `${user('5', 'order.c')}&${user('1', 'order.a')}&${user('3', 'order.b')}`,
    );
    expect(usernames(out)).toEqual(['order.c', 'order.a', 'order.b']);
  });

  it('with a string key before an index: users[first], users[7]', async () => {
    const out = await rest('core_user_create_users', `${user('first', 'named.a')}&${user('7', 'named.b')}`);
    expect(usernames(out)).toEqual(['named.a', 'named.b']);
  });

  it('a list of one that starts at 3 (core_group_create_groups)', async () => {
    const out = await rest(
      'core_group_create_groups',
      'groups[3][courseid]=2&groups[3][name]=Gap group&groups[3][description]=',
    );
    expect(out).toMatchObject([{ name: 'Gap group', courseid: 2 }]);
  });
});

describe('in the query string (GET)', () => {
  it('values[0]=admin&values[2]=teacher, as http_build_query(array_filter(…)) sends it', async () => {
    const out = await rest('core_user_get_users_by_field', 'field=username&values[0]=admin&values[2]=teacher', 'GET');
    expect(usernames(out).sort()).toEqual(['admin', 'teacher']);
  });

  it('values[1]=… of core_group_delete_groups and a list of ids with a gap', async () => {
    const made = await rest(
      'core_group_create_groups',
      [
        'groups[0][courseid]=2&groups[0][name]=Q1&groups[0][description]=',
        'groups[1][courseid]=2&groups[1][name]=Q2&groups[1][description]=',
      ].join('&'),
    );
    const [a, b] = made.map((g: { id: number }) => g.id);
    expect(await rest('core_group_delete_groups', `groupids[1]=${a}&groupids[4]=${b}`, 'GET')).toBeNull();
    const left = await rest('core_group_get_course_groups', 'courseid=2', 'GET');
    expect(left.map((g: { name: string }) => g.name)).not.toContain('Q1');
    expect(left.map((g: { name: string }) => g.name)).not.toContain('Q2');
  });
});

describe('fromPairs: PHP arrays', () => {
  it('keeps PHP key order where it differs from JavaScript enumeration, and nowhere else', () => {
    const p = fromPairs([
      ['v[2]', 'b'],
      ['v[0]', 'a'],
      ['w[0]', 'x'],
      ['w[1]', 'y'],
    ]) as Record<string, Record<string | symbol, unknown>>;
    expect(p.v?.[PHP_KEY_ORDER]).toEqual(['2', '0']);
    expect(p.w?.[PHP_KEY_ORDER]).toBeUndefined();
    // Not enumerable: JSON, spreads and key listings see only the request's own keys.
    expect(JSON.stringify(p.v)).toBe('{"0":"a","2":"b"}');
    expect(Object.getOwnPropertySymbols({ ...p.v })).toEqual([]);
  });

  it('an index after a string key is out of order; a[] appends after the largest index', () => {
    const p = fromPairs([
      ['a[x]', '1'],
      ['a[0]', '2'],
      ['b[5]', '1'],
      ['b[]', '2'],
      ['b[-1]', '3'],
      ['b[]', '4'],
      ['c[]', '1'],
      ['c[0]', '2'],
    ]) as Record<string, Record<string | symbol, unknown>>;
    expect(p.a?.[PHP_KEY_ORDER]).toEqual(['x', '0']);
    expect(p.b).toEqual({ 5: '1', 6: '2', '-1': '3', 7: '4' });
    expect(p.b?.[PHP_KEY_ORDER]).toEqual(['5', '6', '-1', '7']);
    // c[0] overwrites what c[] put at 0, as in PHP.
    expect(p.c).toEqual({ 0: '2' });
  });
});

describe('validateParameters: a multiple structure takes any PHP array', () => {
  const desc = single({ users: multiple(single({ username: value('raw', 'a name') })) });

  it('an object with a gap, starting at 1, or with string keys', () => {
    const u = (username: string) => ({ username });
    expect(validateParameters(desc, { users: { 0: u('a'), 2: u('b') } })).toEqual({ users: [u('a'), u('b')] });
    expect(validateParameters(desc, { users: { 1: u('a'), 2: u('b') } })).toEqual({ users: [u('a'), u('b')] });
    expect(validateParameters(desc, { users: { x: u('a'), y: u('b') } })).toEqual({ users: [u('a'), u('b')] });
  });

  it('in recorded PHP order', () => {
    const list = { 0: { username: 'second' }, 2: { username: 'first' } };
    Object.defineProperty(list, PHP_KEY_ORDER, { value: ['2', '0'] });
    expect(validateParameters(desc, { users: list })).toEqual({
      users: [{ username: 'first' }, { username: 'second' }],
    });
  });

  it('still refuses what is not an array', () => {
    expect(() => validateParameters(desc, { users: 'x' })).toThrow("Only arrays accepted. The bad value is: 'x'");
    // users[username]=x: PHP's array('username' => 'x') is a list of one 'x', which is no user.
    expect(() => validateParameters(desc, { users: { username: 'x' } })).toThrow(
      "users => 0: Only arrays accepted. The bad value is: 'x'",
    );
  });
});
