import { Agent, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../features/audit/audit.service';
import { createAdminToken, deleteToken } from '../features/tokens/tokens.service';
import { makeTestApp, makeWsService, type TestApp } from '../test/helpers';
import { type EarlyServer, listenFirst } from '../test/listen';
import { setRoleCapability } from './functions/test-helpers';

// A kept-alive connection's token is hashed once (access.ts, tokenHash): the memo must never
// answer for another token than the one sent, when several clients' tokens share a connection
// (as behind a proxy's pool), nor keep a token alive that was deleted meanwhile.

let t: TestApp;
let server: EarlyServer;
const secrets: Record<string, string> = {};
let adminTokenId: number;
/** One connection for every request (a proxy's pooled upstream connection). */
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

beforeAll(async () => {
  server = await listenFirst();
  t = await makeTestApp({ env: { GATEHOUSE_WWWROOT: server.base } });
  server.attach(t);
  const serviceId = await makeWsService(t, {
    name: 'Connection',
    shortname: 'connection',
    protocols: 'rest',
    functions: ['core_webservice_get_site_info'],
  });
  await setRoleCapability(t.deps, 'user', 'webservice/rest:use', 'allow');
  for (const username of ['admin', 'manager']) {
    const made = await createAdminToken(
      t.deps,
      { userId: await t.userId(username), serviceId, validUntil: null },
      SYSTEM_ACTOR,
      true,
    );
    secrets[username] = made.secret;
    if (username === 'admin') adminTokenId = made.token.id;
  }
});
afterAll(async () => {
  agent.destroy();
  await server.close();
  await t.close();
});

/** Site info over the shared connection: the username it answers for (or the error code), and the socket's local port. */
function siteInfo(secret: string): Promise<{ who: string; port: number }> {
  return new Promise((resolve, reject) => {
    const body = `wstoken=${secret}&wsfunction=core_webservice_get_site_info&moodlewsrestformat=json`;
    const req = request(
      `${server.base}/webservice/rest/server.php`,
      { method: 'POST', agent, headers: { 'content-type': 'application/x-www-form-urlencoded' } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => {
          text += d;
        });
        res.on('end', () => {
          const json = JSON.parse(text) as { username?: string; errorcode?: string };
          resolve({ who: json.username ?? `error ${json.errorcode}`, port: req.socket?.localPort ?? 0 });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('the token memo of a connection', () => {
  it('answers each request for its own token, whichever token came before on the connection', async () => {
    const order = ['admin', 'admin', 'manager', 'admin', 'manager', 'manager', 'admin'];
    const ports = new Set<number>();
    for (const who of order) {
      const answer = await siteInfo(secrets[who] as string);
      expect(answer.who).toBe(who);
      ports.add(answer.port);
    }
    // All on one connection, or the memo was never put to the test.
    expect(ports.size).toBe(1);
    // A token of the right shape that is none: refused, also right after a good one.
    const wrong = `${(secrets.admin as string).slice(0, -1)}${(secrets.admin as string).endsWith('A') ? 'B' : 'A'}`;
    expect((await siteInfo(wrong)).who).toBe('error invalidtoken');
    expect((await siteInfo(secrets.admin as string)).who).toBe('admin');
  });

  it('refuses a token deleted since its last call on the same connection', async () => {
    expect((await siteInfo(secrets.admin as string)).who).toBe('admin');
    await deleteToken(t.deps, adminTokenId, SYSTEM_ACTOR);
    expect((await siteInfo(secrets.admin as string)).who).toBe('error invalidtoken');
    expect((await siteInfo(secrets.manager as string)).who).toBe('manager');
  });
});
