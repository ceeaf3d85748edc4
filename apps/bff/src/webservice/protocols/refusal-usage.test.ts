import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../features/audit/audit.service';
import { makeWsSite, type WsSite } from '../../fuzz/fuzz-helpers';
import { type Client, restCall, signIn } from '../../test/helpers';

// Issue 18 §2: every refused call counts. Two refusals the protocol route answers itself, before
// the access-check chain runs: a disabled protocol's empty 403, and a token-first protocol's body
// over the anonymous limit sent without a token (refused as invalidtoken, Moodle's code for "no
// token found"). Both count on the site's figures; the 403 counts on the token too when the
// request named a token the access cache already holds.

const KiB = 1024;
/** Above the 64 KiB a request without a token may send to XML-RPC or SOAP. */
const OVER_ANONYMOUS_LIMIT = 'x'.repeat(65 * KiB);

let site: WsSite;
let admin: Client;

beforeAll(async () => {
  site = await makeWsSite();
  admin = await signIn(site.t, 'admin');
});
afterAll(() => site?.t.close());

type Totals = { ok: number; refused: Record<string, number> };

async function totals(path: string): Promise<Totals> {
  const res = await admin.get(path);
  expect(res.status, res.text).toBe(200);
  return res.body.totals;
}

const refused = (t: Totals, reason: string) => t.refused[reason] ?? 0;

async function protocols(list: string) {
  await site.t.deps.settings.apply({ enablewebservices: '1', webserviceprotocols: list }, SYSTEM_ACTOR);
}

describe('a disabled protocol’s 403', () => {
  it('counts on the site, and on no token when the token named is not one the cache holds', async () => {
    await protocols('rest,xmlrpc');
    const before = await totals('/api/usage');
    const tokenBefore = await totals(`/api/tokens/${site.tokenId}/usage`);
    const res = await site.t.app.request(`/webservice/soap/server.php?wstoken=${'0'.repeat(32)}`, {
      method: 'POST',
      body: '<x/>',
    });
    expect(res.status).toBe(403);
    expect(await res.text()).toBe('');
    const noToken = await site.t.app.request('/webservice/soap/server.php?wsdl=1', { method: 'GET' });
    expect(noToken.status).toBe(403);
    const after = await totals('/api/usage');
    expect(refused(after, 'protocoldisabled')).toBe(refused(before, 'protocoldisabled') + 2);
    expect(after.ok).toBe(before.ok);
    expect(await totals(`/api/tokens/${site.tokenId}/usage`)).toEqual(tokenBefore);
  });

  it('counts on the token (with its last access and last error) when the cache holds it', async () => {
    await protocols('rest,soap,xmlrpc');
    // A successful call puts the token in the access cache.
    const ok = await restCall(site.t, site.secret, 'core_webservice_get_site_info', {}, '203.0.113.9');
    expect(ok.status).toBe(200);
    expect(ok.body.exception).toBeUndefined();
    await protocols('soap');
    const siteBefore = await totals('/api/usage');
    const before = await totals(`/api/tokens/${site.tokenId}/usage`);
    // The token in the Authorization header (XML-RPC) and in the query string (REST).
    const xmlrpc = await site.t.app.request('/webservice/xmlrpc/server.php', {
      method: 'POST',
      headers: { authorization: `Bearer ${site.secret}` },
      body: '<methodCall/>',
    });
    expect(xmlrpc.status).toBe(403);
    expect(await xmlrpc.text()).toBe('');
    const rest = await site.t.app.request(
      `/webservice/rest/server.php?wstoken=${site.secret}&wsfunction=core_webservice_get_site_info`,
    );
    expect(rest.status).toBe(403);
    expect(await rest.text()).toBe('');
    const after = await totals(`/api/tokens/${site.tokenId}/usage`);
    expect(refused(after, 'protocoldisabled')).toBe(refused(before, 'protocoldisabled') + 2);
    expect(after.ok).toBe(before.ok);
    const siteAfter = await totals('/api/usage');
    expect(refused(siteAfter, 'protocoldisabled')).toBe(refused(siteBefore, 'protocoldisabled') + 2);
    const dto = (await admin.get(`/api/tokens/${site.tokenId}`)).body;
    expect(dto.lastError).toContain('protocoldisabled');
  });
});

describe('a body over the anonymous limit without a token', () => {
  it.each(['soap', 'xmlrpc'] as const)('counts on the site as invalidtoken (%s)', async (protocol) => {
    await protocols('rest,soap,xmlrpc');
    const before = await totals('/api/usage');
    const res = await site.t.app.request(
      `/webservice/${protocol}/server.php`,
      { method: 'POST', headers: { 'content-type': 'text/xml' }, body: OVER_ANONYMOUS_LIMIT },
      { incoming: { socket: { remoteAddress: '198.51.100.20' } } },
    );
    expect(await res.text()).toContain('invalidtoken');
    const after = await totals('/api/usage');
    expect(refused(after, 'invalidtoken')).toBe(refused(before, 'invalidtoken') + 1);
    expect(after.ok).toBe(before.ok);
  });

  it('does not count a body within the limit twice (the chain counts its own refusal once)', async () => {
    const before = await totals('/api/usage');
    const res = await site.t.app.request('/webservice/xmlrpc/server.php', {
      method: 'POST',
      headers: { 'content-type': 'text/xml' },
      body: '<?xml version="1.0"?><methodCall><methodName>core_webservice_get_site_info</methodName></methodCall>',
    });
    expect(await res.text()).toContain('invalidtoken');
    const after = await totals('/api/usage');
    expect(refused(after, 'invalidtoken')).toBe(refused(before, 'invalidtoken') + 1);
  });
});
