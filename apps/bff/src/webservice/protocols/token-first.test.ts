import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../features/audit/audit.service';
import { createAdminToken, deleteToken } from '../../features/tokens/tokens.service';
import { makeWsSite, type WsSite } from '../../fuzz/fuzz-helpers';
import { moodleFaultOf } from '../../test/xmlrpc-faults';

// XML-RPC and SOAP check the token before they read the body, and the call's chain checks it
// again afterwards. The second check uses what the first found only while the access cache has
// dropped nothing since (call.ts, callAccess): a token revoked while its call's body is still
// arriving is refused, not let through on what was true before the body.

let site: WsSite;
beforeAll(async () => {
  site = await makeWsSite();
});
afterAll(() => site?.t.close());

const INFO = 'core_webservice_get_site_info';
const XMLRPC_CALL = `<?xml version="1.0"?><methodCall><methodName>${INFO}</methodName><params><param><value><struct></struct></value></param></params></methodCall>`;
const SOAP_CALL = `<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><${INFO} xmlns="urn:gatehouse:webservice"/></soap:Body></soap:Envelope>`;

/**
 * A call whose body arrives in two parts: `between` runs once the server has started reading it
 * (so after the token's check before the body), before the second part is sent.
 */
async function callWithSlowBody(path: string, body: string, between: () => Promise<void>) {
  const bytes = new TextEncoder().encode(body);
  let pulls = 0;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      pulls++;
      if (pulls === 1) controller.enqueue(bytes.slice(0, 20));
      else {
        await between();
        controller.enqueue(bytes.slice(20));
        controller.close();
      }
    },
  });
  const res = await site.t.app.request(
    path,
    { method: 'POST', body: stream, headers: { host: 'localhost' }, duplex: 'half' } as RequestInit,
    { incoming: { socket: { remoteAddress: '127.0.0.1' } } },
  );
  return { status: res.status, text: await res.text() };
}

async function freshToken() {
  const created = await createAdminToken(
    site.t.deps,
    { userId: await site.t.userId('admin'), serviceId: site.serviceId, validUntil: null },
    SYSTEM_ACTOR,
    true,
  );
  return { id: created.token.id, secret: created.secret };
}

describe('a token revoked while the body of its call is arriving', () => {
  it('XML-RPC: the call is refused (invalidtoken)', async () => {
    const token = await freshToken();
    const path = `/webservice/xmlrpc/server.php?wstoken=${token.secret}`;
    // Warm: the token is in the cache, the check before the body finds it there.
    const warm = await callWithSlowBody(path, XMLRPC_CALL, async () => {});
    expect(moodleFaultOf(warm.text)).toBeUndefined();
    const res = await callWithSlowBody(path, XMLRPC_CALL, () => deleteToken(site.t.deps, token.id, SYSTEM_ACTOR));
    expect(res.status).toBe(200);
    expect(moodleFaultOf(res.text)?.errorcode).toBe('invalidtoken');
  });

  it('SOAP (both styles): the call is refused (invalidtoken)', async () => {
    for (const style of ['', '&style=document']) {
      const token = await freshToken();
      const path = `/webservice/soap/server.php?wstoken=${token.secret}${style}`;
      const warm = await callWithSlowBody(path, SOAP_CALL, async () => {});
      expect(warm.text).not.toContain('Fault');
      const res = await callWithSlowBody(path, SOAP_CALL, () => deleteToken(site.t.deps, token.id, SYSTEM_ACTOR));
      expect(res.text).toContain('Fault');
      expect(res.text).toMatch(/invalidtoken/);
    }
  });

  it('a token left alone goes through with its check before the body reused', async () => {
    const token = await freshToken();
    const path = `/webservice/xmlrpc/server.php?wstoken=${token.secret}`;
    // Another token's deletion meanwhile moves the cache's stamp: the chain looks again, and finds it.
    const other = await freshToken();
    const res = await callWithSlowBody(path, XMLRPC_CALL, () => deleteToken(site.t.deps, other.id, SYSTEM_ACTOR));
    expect(moodleFaultOf(res.text)).toBeUndefined();
    expect(res.text).toContain('<name>sitename</name>');
  });
});
