import { asc, eq, gt } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { courses, groups } from '../db/schema';
import {
  changedTables,
  type Fingerprint,
  fingerprint,
  makeWsSite,
  rawRequest,
  type WsSite,
} from '../fuzz/fuzz-helpers';

// Form fields and query strings are percent-encoded bytes, and the bytes must be UTF-8, as a
// raw body must be: %ff%fe would otherwise be decoded to U+FFFD and stored so. Refused with the
// same clear error ("not valid UTF-8") on REST (query string and urlencoded bodies) and
// /login/token.php; real UTF-8, U+FFFD itself included, still goes through. Multipart text
// fields are decoded strictly by the form reader, so they were refused already: the answer now
// says why.

let site: WsSite;
let courseId: number;

beforeAll(async () => {
  site = await makeWsSite();
  courseId = (
    await site.t.store.db
      .select({ id: courses.id })
      .from(courses)
      .where(gt(courses.id, 1))
      .orderBy(asc(courses.id))
      .limit(1)
  ).at(0)!.id;
});
afterAll(() => site?.t.close());

const REST = '/webservice/rest/server.php';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

interface Snapshot {
  /** Every table (the fuzz suite's fingerprint, on either store). */
  tables: Fingerprint;
  /** The table core_group_create_groups writes, on either store. */
  groups: unknown[];
}

async function snapshot(): Promise<Snapshot> {
  return {
    tables: await fingerprint(site.t.store),
    groups: await site.t.store.db.select().from(groups).orderBy(asc(groups.id)),
  };
}

async function unchangedSince(before: Snapshot) {
  expect(changedTables(before.tables, await fingerprint(site.t.store))).toEqual([]);
  expect(await site.t.store.db.select().from(groups).orderBy(asc(groups.id))).toEqual(before.groups);
}

/** core_group_create_groups with the group's name as raw, already percent-encoded text. */
const groupFields = (encodedName: string) =>
  `groups[0][courseid]=${courseId}&groups[0][name]=${encodedName}&groups[0][description]=d`;

async function createGroup(encodedName: string, where: 'body' | 'query') {
  const query = `wstoken=${site.secret}&wsfunction=core_group_create_groups&moodlewsrestformat=json`;
  const res =
    where === 'body'
      ? await rawRequest(site.t.app, 'POST', `${REST}?${query}`, { headers: FORM, body: groupFields(encodedName) })
      : await rawRequest(site.t.app, 'POST', `${REST}?${query}&${groupFields(encodedName)}`, {
          headers: FORM,
          body: '',
        });
  return { status: res.status, body: JSON.parse(res.text) };
}

const storedName = async (id: number) =>
  (await site.t.store.db.select({ name: groups.name }).from(groups).where(eq(groups.id, id))).at(0)?.name;

const INVALID: [string, string][] = [
  ['%ff%fe (the issue’s case)', '%ff%fe'],
  ['a stray continuation byte', 'a%80b'],
  ['an overlong /', '%C0%AF'],
  ['a UTF-16 surrogate', '%ED%A0%80'],
  ['a truncated sequence', '%E2%82'],
  ['a sequence cut by the next field', '%C3'],
  ['past U+10FFFF', '%F4%90%80%80'],
];

describe.each(['body', 'query'] as const)('REST, fields in the %s', (where) => {
  it.each(INVALID)('refuses %s, changes nothing', async (_what, encoded) => {
    const before = await snapshot();
    const res = await createGroup(encoded, where);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ exception: 'invalid_parameter_exception', errorcode: 'invalidparameter' });
    expect(res.body.message).toMatch(/not valid UTF-8/);
    await unchangedSince(before);
  });

  it('refuses invalid bytes in a field name too', async () => {
    const res = await createGroup(`x&groups[0][na%ffme]=y`, where);
    expect(res.body.message).toMatch(/not valid UTF-8/);
  });

  it('takes real UTF-8: é, 😀, U+FFFD itself, and a % that escapes nothing (kept, as PHP does)', async () => {
    const cases: [string, string][] = [
      ['caf%C3%A9', 'café'],
      ['smile%F0%9F%98%80', 'smile😀'],
      ['replacement%EF%BF%BD', 'replacement\uFFFD'],
      ['100%25 and 5%zz', '100% and 5%zz'],
    ];
    for (const [encoded, name] of cases) {
      const suffix = `${where}-${Math.random().toString(36).slice(2, 8)}`;
      const res = await createGroup(`${encoded}${suffix}`, where);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(await storedName(res.body[0].id)).toBe(`${name}${suffix}`);
    }
  });
});

describe('REST, multipart fields', () => {
  const multipart = (name: Uint8Array) => {
    const enc = new TextEncoder();
    const part = (field: string, value: Uint8Array | string) => [
      enc.encode(`--b\r\nContent-Disposition: form-data; name="${field}"\r\n\r\n`),
      typeof value === 'string' ? enc.encode(value) : value,
      enc.encode('\r\n'),
    ];
    const chunks = [
      ...part('wsfunction', 'core_group_create_groups'),
      ...part('moodlewsrestformat', 'json'),
      ...part('groups[0][courseid]', String(courseId)),
      ...part('groups[0][name]', name),
      ...part('groups[0][description]', 'd'),
      enc.encode('--b--\r\n'),
    ];
    return new Uint8Array(chunks.flatMap((c) => [...c]));
  };
  const send = (name: Uint8Array) =>
    rawRequest(site.t.app, 'POST', `${REST}?wstoken=${site.secret}&moodlewsrestformat=json`, {
      headers: { 'content-type': 'multipart/form-data; boundary=b' },
      body: multipart(name),
    });

  it('refuses a field whose bytes are not UTF-8, changes nothing', async () => {
    const before = await snapshot();
    const res = await send(new Uint8Array([0x61, 0xff, 0xfe, 0x62]));
    expect(JSON.parse(res.text)).toMatchObject({ errorcode: 'invalidparameter' });
    expect(JSON.parse(res.text).message).toMatch(/not valid UTF-8/);
    await unchangedSince(before);
  });

  it('takes a field with real UTF-8, U+FFFD itself included', async () => {
    const res = await send(new TextEncoder().encode('multipart é \uFFFD'));
    expect(res.status, res.text).toBe(200);
    expect(await storedName(JSON.parse(res.text).at(0)!.id)).toBe('multipart é \uFFFD');
  });
});

describe('/login/token.php', () => {
  it('refuses %ff%fe in a field as not UTF-8, whether in the body or the query string', async () => {
    for (const [path, body] of [
      ['/login/token.php', 'username=adm%ff%fein&password=x&service=moodle_mobile_app'],
      ['/login/token.php?username=adm%ff%fein&password=x&service=moodle_mobile_app', ''],
    ] as const) {
      const res = await rawRequest(site.t.app, 'POST', path, { headers: FORM, body });
      const answer = JSON.parse(res.text);
      expect(answer.errorcode, res.text).toBe('invalidparameter');
      expect(answer.error).toMatch(/not valid UTF-8/);
    }
  });
});
