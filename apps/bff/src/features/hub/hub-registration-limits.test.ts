import { count } from 'drizzle-orm';
import type { SQLiteTable } from 'drizzle-orm/sqlite-core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { auditLog, externalTokens, hubSites, roleAssignments, users } from '../../db/schema';
import { type Client, makeTestApp, signIn, type TestApp } from '../../test/helpers';
import { HUB_REGISTRATION_LIMITS } from './hub-limits';
import { enableHub, rpc, siteInfo } from './hub-rpc.test-helpers';
import { normaliseSiteUrl } from './hub-sites.service';

// Anonymous registration is limited: per client address (IPv6 by /64), and for the hub as a
// whole (an hour and a day). A refusal is an XML-RPC fault, as every hub error, and creates
// nothing. And one site is one site, however its address is written.

const { perAddress, hubPerHour, hubPerDay } = HUB_REGISTRATION_LIMITS;
const HOUR = 3_600_000;

let t: TestApp;
let admin: Client;
let publicToken: string;
let nextIp = 1;
/** A fresh documentation address (198.18.0.0/15) for each call that is not about addresses. */
const freshIp = () => {
  const n = nextIp++;
  return `198.18.${n >> 8}.${n & 255}`;
};
let urlNo = 0;
const register = (ip: string, url = `https://site-${++urlNo}.example`) =>
  rpc<{ siteid: number; token: string }>(
    t,
    'hub_register_site',
    [{ siteinfo: siteInfo(`Site ${urlNo}`, url) }],
    publicToken,
    ip,
  );

async function rows() {
  const db = t.store.db;
  const n = async (table: SQLiteTable) => (await db.select({ n: count() }).from(table).limit(1)).at(0)?.n ?? 0;
  return {
    sites: await n(hubSites),
    users: await n(users),
    assignments: await n(roleAssignments),
    tokens: await n(externalTokens),
    audit: await n(auditLog),
  };
}

async function freshHub() {
  await t?.close();
  t = await makeTestApp({ env: { GATEHOUSE_SEED_DEMO: '0' } });
  admin = await signIn(t, 'admin');
  await enableHub(admin, { privacy: 'public', name: 'Open hub' });
  const res = await t.client().get('/local/hub/publictoken.php');
  expect(res.status).toBe(200);
  publicToken = res.body.token;
}

afterAll(() => t?.close());
afterEach(() => vi.useRealTimers());

describe('registration limits', () => {
  beforeAll(freshHub);

  it(`one address makes at most ${perAddress} registration attempts an hour; the next is a fault that creates nothing`, async () => {
    for (let i = 0; i < perAddress; i++) {
      const r = await register('203.0.113.7');
      expect(r.fault, r.text).toBeUndefined();
      expect(r.value?.siteid).toEqual(expect.any(Number));
    }
    const before = await rows();
    const refused = await register('203.0.113.7');
    expect(refused.status).toBe(200);
    expect(refused.fault).toMatchObject({
      errorcode: 'toomanyregistrations',
      faultString: expect.stringMatching(
        /^Too many registration attempts from your address: try again later \| .*ERRORCODE: toomanyregistrations$/,
      ),
    });
    expect(await rows()).toEqual(before);
    // Another address is not held back.
    expect((await register('203.0.113.8')).fault).toBeUndefined();
  });

  it('failed attempts count too (a taken URL)', async () => {
    const ip = '203.0.113.20';
    expect((await register(ip, 'https://taken.example')).fault).toBeUndefined();
    for (let i = 1; i < perAddress; i++) {
      expect((await register(ip, 'https://taken.example')).fault?.errorcode).toBe('sitealreadyregistered');
    }
    expect((await register(ip)).fault?.errorcode).toBe('toomanyregistrations');
  });

  it('IPv6 addresses in one /64 share one budget; the next /64 has its own', async () => {
    for (let i = 0; i < perAddress; i++) {
      expect((await register(`2001:db8:aa:bb::${(i + 1).toString(16)}`)).fault).toBeUndefined();
    }
    expect((await register('2001:db8:aa:bb:ffff:1:2:3')).fault?.errorcode).toBe('toomanyregistrations');
    expect((await register('2001:0db8:00aa:00bb:0:0:0:99')).fault?.errorcode).toBe('toomanyregistrations');
    expect((await register('2001:db8:aa:bc::1')).fault).toBeUndefined();
    // An IPv4-mapped address is its IPv4 address.
    expect((await register('::ffff:203.0.113.7')).fault?.errorcode).toBe('toomanyregistrations');
  });
});

describe('hub-wide limits', () => {
  beforeAll(freshHub);

  it(`the hub takes at most ${hubPerHour} registrations an hour and ${hubPerDay} a day, from any number of addresses`, async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    let registered = 0;
    for (let hour = 0; hour < hubPerDay / hubPerHour; hour++) {
      for (let i = 0; i < hubPerHour; i++) {
        const r = await register(freshIp());
        expect(r.fault, r.text).toBeUndefined();
        registered++;
      }
      const before = await rows();
      const refused = await register(freshIp());
      expect(refused.fault).toMatchObject({
        errorcode: 'hubregistrationlimit',
        faultString: expect.stringMatching(/^This hub takes no more registrations for now: try again later \| /),
      });
      expect(await rows()).toEqual(before);
      vi.setSystemTime(Date.now() + HOUR + 1000);
    }
    expect(registered).toBe(hubPerDay);
    expect((await rows()).sites).toBe(hubPerDay);
    // A new hour, but the day is full.
    expect((await register(freshIp())).fault?.errorcode).toBe('hubregistrationlimit');
    vi.setSystemTime(Date.now() + 24 * HOUR);
    expect((await register(freshIp())).fault).toBeUndefined();
  });

  it('a refused registration (taken URL) does not use up the hub-wide budget', async () => {
    await t.close();
    await freshHub();
    expect((await register(freshIp(), 'https://once.example')).fault).toBeUndefined();
    for (let i = 0; i < hubPerHour + 5; i++) {
      expect((await register(freshIp(), 'https://once.example')).fault?.errorcode).toBe('sitealreadyregistered');
    }
    expect((await register(freshIp())).fault).toBeUndefined();
  });
});

describe('one site, one URL', () => {
  beforeAll(freshHub);

  it.each([
    ['https://x.example', 'https://x.example'],
    ['https://x.example.', 'https://x.example'],
    ['https://x.example/', 'https://x.example'],
    ['https://X.Example:443/index.php', 'https://x.example'],
    ['HTTPS://x.EXAMPLE.:443/', 'https://x.example'],
    ['https://x.example//index.php/', 'https://x.example'],
    ['http://x.example:80/moodle/', 'http://x.example/moodle'],
    ['http://x.example:8080/moodle/index.php', 'http://x.example:8080/moodle'],
    ['https://x.example:80/', 'https://x.example:80'],
    ['https://x.example/moodle/index.php?x=1#top', 'https://x.example/moodle'],
    ['https://bücher.example/', 'https://xn--bcher-kva.example'],
    ['https://BÜCHER.example./Moodle', 'https://xn--bcher-kva.example/Moodle'],
    ['https://[2001:DB8::1]:443/', 'https://[2001:db8::1]'],
  ])('%s is %s', (raw, expected) => {
    expect(normaliseSiteUrl(raw)).toBe(expected);
  });

  it.each([
    'ftp://x.example',
    'javascript:alert(1)',
    'https://user:pass@x.example',
    'https://',
    'https://.',
    'x.example',
    '',
  ])('%s is no site address', (raw) => {
    expect(normaliseSiteUrl(raw)).toBeUndefined();
  });

  it('the spellings of one address register once (sitealreadyregistered)', async () => {
    const first = await register(freshIp(), 'https://x.example');
    expect(first.fault).toBeUndefined();
    for (const url of [
      'https://x.example.',
      'https://X.example:443/index.php',
      'https://x.example/',
      'HTTPS://X.EXAMPLE',
    ]) {
      const r = await register(freshIp(), url);
      expect(r.fault?.errorcode, url).toBe('sitealreadyregistered');
    }
    expect((await t.store.db.select().from(hubSites)).map((s) => s.url)).toEqual(['https://x.example']);
    const idn = await register(freshIp(), 'https://bücher.example/');
    expect(idn.fault).toBeUndefined();
    expect((await register(freshIp(), 'https://xn--bcher-kva.example')).fault?.errorcode).toBe('sitealreadyregistered');
  });

  it('the console normalises a URL it is given, and refuses one that is another site', async () => {
    const other = (await t.store.db.select().from(hubSites)).find((s) => s.url === 'https://xn--bcher-kva.example')!;
    const taken = await admin.patch(`/api/hub/sites/${other.id}`, { url: 'https://X.example.:443/index.php' });
    expect(taken.status).toBe(409);
    const ok = await admin.patch(`/api/hub/sites/${other.id}`, { url: 'https://Y.example./moodle/index.php' });
    expect(ok.status).toBe(200);
    expect(ok.body.url).toBe('https://y.example/moodle');
  });
});
