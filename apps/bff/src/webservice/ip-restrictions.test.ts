import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../features/audit/audit.service';
import { assignRole, createRole } from '../features/roles/roles.service';
import {
  addAuthorisedUsers,
  addServiceFunctions,
  createService,
  updateAuthorisedUser,
} from '../features/services/services.service';
import { makeWsSite, rawRequest, type WsSite } from '../fuzz/fuzz-helpers';
import { type Client, DEMO_PASSWORD, errorOf, serviceBody, signIn } from '../test/helpers';

// IP restrictions of tokens and authorised users in every form Moodle's address_in_subnet()
// reads (lib/moodlelib.php): the console stores them as typed, and the protocol servers and
// login/token.php let in exactly the addresses Moodle would.

let site: WsSite;
let admin: Client;
let restrictedId: number;
const actor = SYSTEM_ACTOR;

beforeAll(async () => {
  site = await makeWsSite();
  admin = await signIn(site.t, 'admin');
  const svc = await createService(
    site.t.deps,
    serviceBody('Restricted', 'ip_restricted', { restrictedUsers: true }) as Parameters<typeof createService>[1],
    actor,
  );
  restrictedId = svc.id;
  await addServiceFunctions(site.t.deps, svc.id, ['core_webservice_get_site_info'], actor);
  const role = await createRole(
    site.t.deps,
    {
      shortname: 'iptokens',
      name: 'Token maker',
      capabilities: { 'moodle/webservice:createtoken': 'allow', 'webservice/rest:use': 'allow' },
    },
    actor,
  );
  await assignRole(site.t.deps, role.id, await site.t.userId('student'), actor);
  await addAuthorisedUsers(site.t.deps, svc.id, [await site.t.userId('student')], actor);
});
afterAll(() => site?.t.close());

/** A REST call of site info with the token, from the address: 'ok', or the error code and Gatehouse's reason. */
async function callFrom(secret: string, ip: string): Promise<string> {
  const res = await rawRequest(
    site.t.app,
    'GET',
    `/webservice/rest/server.php?wstoken=${secret}&wsfunction=core_webservice_get_site_info&moodlewsrestformat=json`,
    { ip },
  );
  const body = JSON.parse(res.text);
  if (!body.errorcode) return 'ok';
  // Debugging is at developer on this site: the debug info ends with the reason, "[tokeniprestricted]".
  const reason = /\[(\w+)\]$/.exec(body.debuginfo ?? '')?.[1];
  return reason ? `${body.errorcode} ${reason}` : body.errorcode;
}

describe("a token with an IP restriction in each of Moodle's forms", () => {
  let secret: string;
  let tokenId: number;

  beforeAll(async () => {
    const res = await admin.post('/api/tokens', {
      userId: await site.t.userId('admin'),
      serviceId: site.serviceId,
      ipRestriction: '192.168.1.1-50,10.0. , 2001:db8::1-ff, 172.016.0.0/12',
    });
    expect(res.status, res.text).toBe(201);
    secret = res.body.secret;
    tokenId = res.body.token.id;
  });

  it('is stored and shown as typed (the entries kept, joined by ", ")', async () => {
    const list = await admin.get('/api/tokens');
    const row = list.body.items.find((x: { id: number }) => x.id === tokenId);
    expect(row.ipRestriction).toBe('192.168.1.1-50, 10.0., 2001:db8::1-ff, 172.016.0.0/12');
  });

  it.each([
    ['192.168.1.1', 'ok'],
    ['192.168.1.50', 'ok'],
    ['192.168.1.51', 'accessexception tokeniprestricted'],
    ['10.0.77.3', 'ok'],
    ['::ffff:10.0.77.3', 'ok'],
    ['10.1.0.1', 'accessexception tokeniprestricted'],
    ['2001:db8::2a', 'ok'],
    ['2001:db8::100', 'accessexception tokeniprestricted'],
    ['172.31.255.1', 'ok'],
    ['172.32.0.1', 'accessexception tokeniprestricted'],
  ])('from %s: %s', async (ip, outcome) => {
    expect(await callFrom(secret, ip)).toBe(outcome);
  });

  it('an entry Moodle would read as nothing is refused, clearly, and no token is made', async () => {
    const before = (await admin.get('/api/tokens')).body.items.length;
    const bad = await admin.post('/api/tokens', {
      userId: await site.t.userId('admin'),
      serviceId: site.serviceId,
      ipRestriction: '10.9, 192.168.1.50-1, 10.0.0.0/33',
    });
    expect(bad.status).toBe(400);
    expect(errorOf(bad).fields?.ipRestriction).toBe(
      'Not an IP address, range or partial address: 192.168.1.50-1 (the range ends before it starts), 10.0.0.0/33',
    );
    expect((await admin.get('/api/tokens')).body.items.length).toBe(before);
  });
});

describe("an authorised user with an IP restriction in Moodle's forms", () => {
  beforeAll(async () => {
    await updateAuthorisedUser(
      site.t.deps,
      restrictedId,
      await site.t.userId('student'),
      { ipRestriction: '192.0.2.10-20, 2001:db8' },
      actor,
    );
  });

  it('on the protocols', async () => {
    const res = await admin.post('/api/tokens', { userId: await site.t.userId('student'), serviceId: restrictedId });
    expect(res.status, res.text).toBe(201);
    const secret = res.body.secret as string;
    expect(await callFrom(secret, '192.0.2.15')).toBe('ok');
    expect(await callFrom(secret, '192.0.2.21')).toBe('accessexception authorisationiprestricted');
    expect(await callFrom(secret, '2001:db8:5::1')).toBe('ok');
    expect(await callFrom(secret, '2001:db9::1')).toBe('accessexception authorisationiprestricted');
  });

  it('at login/token.php', async () => {
    const login = async (ip: string) => {
      const res = await site.t.app.request(
        '/login/token.php',
        {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            username: 'student',
            password: DEMO_PASSWORD,
            service: 'ip_restricted',
          }).toString(),
        },
        { incoming: { socket: { remoteAddress: ip } } },
      );
      return (await res.json()) as { token?: string; errorcode?: string };
    };
    expect(await login('192.0.2.11')).toMatchObject({ token: expect.any(String) });
    expect(await login('192.0.2.9')).toMatchObject({ errorcode: 'invalidiptoken' });
  });
});
