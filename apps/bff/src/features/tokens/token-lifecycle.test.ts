import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Client, errorOf, makeTestApp, restCall, serviceBody, signIn, type TestApp } from '../../test/helpers';
import { SYSTEM_ACTOR } from '../audit/audit.service';
import { assignRole, createRole } from '../roles/roles.service';

// The token page (what a token may call, and why not), edit, regenerate and bulk revoke:
// authorised as the other Manage tokens routes, validated, audited, and felt by the very next
// web-service call (the access cache drops what changed).

let t: TestApp;
let admin: Client;
let manager: Client;
let student: Client;
let serviceId: number;

const SITE_INFO = 'core_webservice_get_site_info';
const CREATE_USERS = 'core_user_create_users';

async function newToken(userId: number, sid = serviceId, extra: Record<string, unknown> = {}) {
  const res = await admin.post('/api/tokens', { userId, serviceId: sid, ...extra });
  expect(res.status, res.text).toBe(201);
  return { id: res.body.token.id as number, secret: res.body.secret as string };
}

async function auditActions(action: string): Promise<{ summary: string; details: Record<string, unknown> }[]> {
  const res = await admin.get(`/api/audit?action=${encodeURIComponent(action)}&perPage=200`);
  expect(res.status, res.text).toBe(200);
  return res.body.items;
}

/** The row as the API shows it, to check a refused change left it alone. */
const tokenOf = async (id: number) => (await admin.get(`/api/tokens/${id}`)).body;

beforeAll(async () => {
  t = await makeTestApp();
  await t.deps.settings.apply({ enablewebservices: '1', webserviceprotocols: 'rest' }, SYSTEM_ACTOR);
  // The REST protocol's use capability for the owners of the tokens below.
  const role = await createRole(
    t.deps,
    { shortname: 'restuser', name: 'REST user', capabilities: { 'webservice/rest:use': 'allow' } },
    SYSTEM_ACTOR,
  );
  for (const u of ['student', 'student2', 'teacher', 'manager'])
    await assignRole(t.deps, role.id, await t.userId(u), SYSTEM_ACTOR);
  [admin, manager, student] = await Promise.all([signIn(t, 'admin'), signIn(t, 'manager'), signIn(t, 'student')]);
  const res = await admin.post('/api/services', serviceBody('Lifecycle', 'lifecycle', { enabled: true }));
  expect(res.status, res.text).toBe(201);
  serviceId = res.body.id;
  const added = await admin.post(`/api/services/${serviceId}/functions`, { functions: [SITE_INFO, CREATE_USERS] });
  expect(added.status, added.text).toBeLessThan(300);
});
afterAll(() => t?.close());

describe('GET /api/tokens/:id/access', () => {
  it('runs the access-check chain per protocol and per function, naming why a function is refused', async () => {
    const tok = await newToken(await t.userId('student'));
    const res = await admin.get(`/api/tokens/${tok.id}/access`);
    expect(res.status, res.text).toBe(200);
    // wsclient lacks webservice/rest:use here: refused before any function, on REST.
    const other = await admin.get(`/api/tokens/${(await newToken(await t.userId('wsclient'))).id}/access`);
    expect(other.body.protocols.find((p: { protocol: string }) => p.protocol === 'rest').refusal).toMatchObject({
      reason: 'protocolcapability',
    });
    const rest = res.body.protocols.find((p: { protocol: string }) => p.protocol === 'rest');
    expect(rest).toEqual({ protocol: 'rest', enabled: true, refusal: null });
    expect(res.body.protocols.find((p: { protocol: string }) => p.protocol === 'soap').enabled).toBe(false);
    const fns = Object.fromEntries(res.body.functions.map((f: { name: string }) => [f.name, f]));
    expect(fns[SITE_INFO].refusal).toBeNull();
    // core_user_create_users needs moodle/user:create for any call: the pipeline's own refusal.
    expect(fns[CREATE_USERS].refusal).toMatchObject({ reason: 'nopermissions', message: 'moodle/user:create' });
    expect(fns[CREATE_USERS].missingCapabilities).toContain('moodle/user:create');
    // And the page's verdict holds for a real call.
    expect((await restCall(t, tok.secret, SITE_INFO)).status).toBe(200);
    const refused = await restCall(t, tok.secret, CREATE_USERS, {
      'users[0][username]': 'newbie',
      'users[0][firstname]': 'New',
      'users[0][lastname]': 'Bie',
      'users[0][email]': 'newbie@example.com',
      'users[0][password]': 'Newbie-pass-1',
    });
    expect(refused.body.errorcode).toBe('nopermissions');
  });

  it('a token refused before any function (owner suspended) says so for every protocol and function', async () => {
    const tok = await newToken(await t.userId('student2'));
    const patched = await admin.patch(`/api/users/${await t.userId('student2')}`, { suspended: true });
    expect(patched.status, patched.text).toBe(200);
    try {
      const res = await admin.get(`/api/tokens/${tok.id}/access`);
      expect(res.status).toBe(200);
      expect(res.body.protocols.find((p: { protocol: string }) => p.protocol === 'rest').refusal.reason).toBe(
        'usersuspended',
      );
      expect(res.body.functions.every((f: { refusal: unknown }) => f.refusal !== null)).toBe(true);
    } finally {
      await admin.patch(`/api/users/${await t.userId('student2')}`, { suspended: false });
    }
  });

  it('reports the IP restriction apart, and the chain as for an address it allows', async () => {
    const tok = await newToken(await t.userId('student'), serviceId, { ipRestriction: '192.0.2.0/24' });
    const res = await admin.get(`/api/tokens/${tok.id}/access`);
    expect(res.body.ipRestriction).toBe('192.0.2.0/24');
    expect(res.body.functions.find((f: { name: string }) => f.name === SITE_INFO).refusal).toBeNull();
  });

  it('needs moodle/webservice:managealltokens; a missing token is 404', async () => {
    const tok = await newToken(await t.userId('student'));
    expect((await student.get(`/api/tokens/${tok.id}/access`)).status).toBe(403);
    expect((await t.client().get(`/api/tokens/${tok.id}/access`)).status).toBe(401);
    expect((await admin.get('/api/tokens/99999999/access')).status).toBe(404);
  });
});

describe('PATCH /api/tokens/:id', () => {
  it('changes name, expiry and IP restriction, audited, and the next call feels it', async () => {
    const tok = await newToken(await t.userId('student'));
    expect((await restCall(t, tok.secret, SITE_INFO)).status).toBe(200); // now in the access cache
    const until = Math.floor(Date.now() / 1000) + 7 * 86400;
    const res = await admin.patch(`/api/tokens/${tok.id}`, {
      name: '  Renamed  ',
      validUntil: until,
      ipRestriction: '192.0.2.1',
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ name: 'Renamed', validUntil: until, ipRestriction: '192.0.2.1' });
    const refused = await restCall(t, tok.secret, SITE_INFO, {}, '10.1.2.3');
    expect(refused.body.errorcode).toBe('accessexception');
    expect((await restCall(t, tok.secret, SITE_INFO, {}, '192.0.2.1')).status).toBe(200);
    const [entry] = (await auditActions('token.update')).filter((e) => e.summary.includes('Renamed'));
    expect(entry?.details).toMatchObject({ after: { name: 'Renamed', validUntil: until, ipRestriction: '192.0.2.1' } });
    // Only the fields sent change; null removes the expiry and the restriction.
    const cleared = await admin.patch(`/api/tokens/${tok.id}`, { validUntil: null, ipRestriction: null });
    expect(cleared.body).toMatchObject({ name: 'Renamed', validUntil: null, ipRestriction: null });
    expect((await restCall(t, tok.secret, SITE_INFO, {}, '10.1.2.3')).status).toBe(200);
  });

  it('an expiry just passed ends the token at once', async () => {
    const tok = await newToken(await t.userId('student'));
    expect((await restCall(t, tok.secret, SITE_INFO)).status).toBe(200);
    const now = Math.floor(Date.now() / 1000);
    t.deps.now = () => now - 3600; // "now" an hour ago: an expiry of now - 60 is in the future then
    try {
      expect((await admin.patch(`/api/tokens/${tok.id}`, { validUntil: now - 60 })).status).toBe(200);
    } finally {
      t.deps.now = () => Math.floor(Date.now() / 1000);
    }
    const res = await restCall(t, tok.secret, SITE_INFO);
    expect(res.body.errorcode).toBe('accessexception');
    expect(res.body.debuginfo ?? '').not.toContain('IP');
  });

  it.each([
    [{ validUntil: 1 }, 'validUntil'],
    [{ ipRestriction: '300.1.1.1' }, 'ipRestriction'],
    [{ name: '   ' }, 'name'],
    [{ name: 'x'.repeat(101) }, 'name'],
    [{}, '_'],
    [{ userId: 1 }, 'userId'],
    [{ validUntil: 'tomorrow' }, 'validUntil'],
  ])('refuses %j with a field error and changes nothing', async (body, field) => {
    const tok = await newToken(await t.userId('student'));
    const before = await tokenOf(tok.id);
    const res = await admin.patch(`/api/tokens/${tok.id}`, body);
    expect(res.status, res.text).toBe(400);
    expect(Object.keys(errorOf(res).fields ?? {})).toContain(field);
    expect(await tokenOf(tok.id)).toEqual(before);
  });

  it("a manager cannot edit a token of someone holding capabilities they lack (the admin's); 404 for a missing one", async () => {
    const tok = await newToken(await t.userId('admin'));
    const before = await tokenOf(tok.id);
    const res = await manager.patch(`/api/tokens/${tok.id}`, { name: 'Mine now' });
    expect(res.status).toBe(403);
    expect(errorOf(res).code).toBe('forbidden');
    expect(await tokenOf(tok.id)).toEqual(before);
    const own = await newToken(await t.userId('student'));
    expect((await manager.patch(`/api/tokens/${own.id}`, { name: 'By the manager' })).status).toBe(200);
    expect((await student.patch(`/api/tokens/${own.id}`, { name: 'x' })).status).toBe(403);
    expect((await admin.patch('/api/tokens/99999999', { name: 'x' })).status).toBe(404);
  });
});

describe('POST /api/tokens/:id/regenerate', () => {
  it('a new secret, shown once, same settings; the old one stops at once', async () => {
    const tok = await newToken(await t.userId('student'), serviceId, { name: 'Keep me', ipRestriction: '10.0.0.0/8' });
    expect((await restCall(t, tok.secret, SITE_INFO)).status).toBe(200); // cached
    const before = await tokenOf(tok.id);
    const res = await admin.post(`/api/tokens/${tok.id}/regenerate`);
    expect(res.status, res.text).toBe(200);
    expect(res.body.secret).toMatch(/^gwt[0-9A-Za-z]{49}$/);
    expect(res.body.secret).not.toBe(tok.secret);
    expect(res.body.token).toMatchObject({
      id: tok.id,
      name: 'Keep me',
      ipRestriction: '10.0.0.0/8',
      validUntil: before.validUntil,
      timecreated: before.timecreated,
    });
    expect(res.body.token.stub).not.toBe(before.stub);
    const old = await restCall(t, tok.secret, SITE_INFO);
    expect(old.body.errorcode).toBe('invalidtoken');
    expect((await restCall(t, res.body.secret, SITE_INFO)).status).toBe(200);
    // Never shown again.
    expect(JSON.stringify(await tokenOf(tok.id))).not.toContain(res.body.secret);
    const entries = await auditActions('token.regenerate');
    expect(entries.some((e) => e.summary.includes('Keep me'))).toBe(true);
    expect(JSON.stringify(entries)).not.toContain(res.body.secret);
  });

  it('refused for a token of someone stronger, of a suspended owner, and for others than token managers', async () => {
    const adminTok = await newToken(await t.userId('admin'));
    const res = await manager.post(`/api/tokens/${adminTok.id}/regenerate`);
    expect(res.status).toBe(403);
    expect((await restCall(t, adminTok.secret, SITE_INFO)).status).toBe(200);
    const tok = await newToken(await t.userId('student2'));
    await admin.patch(`/api/users/${await t.userId('student2')}`, { suspended: true });
    try {
      const r = await admin.post(`/api/tokens/${tok.id}/regenerate`);
      expect(r.status).toBe(400);
      expect(errorOf(r).code).toBe('invaliduser');
    } finally {
      await admin.patch(`/api/users/${await t.userId('student2')}`, { suspended: false });
    }
    expect((await restCall(t, tok.secret, SITE_INFO)).status).toBe(200);
    expect((await student.post(`/api/tokens/${tok.id}/regenerate`)).status).toBe(403);
    expect((await admin.post('/api/tokens/99999999/regenerate')).status).toBe(404);
  });
});

describe('POST /api/tokens/revoke', () => {
  let otherService: number;
  beforeEach(async () => {
    const res = await admin.post('/api/services', serviceBody(`Bulk ${Date.now()}`, `bulk_${Date.now()}`, {}));
    expect(res.status, res.text).toBe(201);
    otherService = res.body.id;
    await admin.post(`/api/services/${otherService}/functions`, { functions: [SITE_INFO] });
  });

  it('selected ones: a dry run counts, the revoke ends them at once and is audited', async () => {
    const a = await newToken(await t.userId('teacher'), otherService);
    const b = await newToken(await t.userId('student'), otherService);
    const keep = await newToken(await t.userId('student'), otherService);
    for (const x of [a, b, keep]) expect((await restCall(t, x.secret, SITE_INFO)).status).toBe(200);
    const dry = await admin.post('/api/tokens/revoke', { ids: [a.id, b.id, a.id], dryRun: true });
    expect(dry.body).toEqual({ count: 2, dryRun: true });
    expect((await restCall(t, a.secret, SITE_INFO)).status).toBe(200);
    const res = await admin.post('/api/tokens/revoke', { ids: [a.id, b.id] });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ count: 2, dryRun: false });
    expect((await restCall(t, a.secret, SITE_INFO)).body.errorcode).toBe('invalidtoken');
    expect((await restCall(t, b.secret, SITE_INFO)).body.errorcode).toBe('invalidtoken');
    expect((await restCall(t, keep.secret, SITE_INFO)).status).toBe(200);
    const [entry] = await auditActions('token.revoke');
    expect(entry).toMatchObject({ summary: 'Revoked 2 tokens (selected)', details: { ids: [a.id, b.id], count: 2 } });
  });

  it('all of a service, all of a user, and a user on a service', async () => {
    const s1 = await newToken(await t.userId('student'), otherService);
    const s2 = await newToken(await t.userId('teacher'), otherService);
    const u1 = await newToken(await t.userId('student'), serviceId);
    const dry = await admin.post('/api/tokens/revoke', { serviceId: otherService, dryRun: true });
    expect(dry.body.count).toBe(2);
    const both = await admin.post('/api/tokens/revoke', {
      serviceId: otherService,
      userId: await t.userId('student'),
    });
    expect(both.body.count).toBe(1);
    expect((await restCall(t, s1.secret, SITE_INFO)).body.errorcode).toBe('invalidtoken');
    expect((await restCall(t, s2.secret, SITE_INFO)).status).toBe(200);
    const userDry = await admin.post('/api/tokens/revoke', { userId: await t.userId('student'), dryRun: true });
    expect(userDry.body.count).toBeGreaterThanOrEqual(1);
    const user = await admin.post('/api/tokens/revoke', { userId: await t.userId('student') });
    expect(user.body.count).toBe(userDry.body.count);
    expect((await restCall(t, u1.secret, SITE_INFO)).body.errorcode).toBe('invalidtoken');
    const svc = await admin.post('/api/tokens/revoke', { serviceId: otherService });
    expect(svc.body.count).toBe(1);
    expect((await restCall(t, s2.secret, SITE_INFO)).body.errorcode).toBe('invalidtoken');
    const summaries = (await auditActions('token.revoke')).map((e) => e.summary);
    expect(summaries.some((s) => s.startsWith('Revoked 1 token (of student on Bulk'))).toBe(true);
  });

  it.each([
    [{}, 400],
    [{ ids: [] }, 400],
    [{ ids: [1], userId: 1 }, 400],
    [{ ids: Array.from({ length: 201 }, (_, i) => i + 1) }, 400],
    [{ userId: 99999999 }, 400],
    [{ serviceId: 99999999 }, 400],
    [{ ids: ['1'] }, 400],
  ])('refuses %j and changes nothing', async (body, status) => {
    const tok = await newToken(await t.userId('student'), otherService);
    const res = await admin.post('/api/tokens/revoke', body);
    expect(res.status, res.text).toBe(status);
    expect((await restCall(t, tok.secret, SITE_INFO)).status).toBe(200);
  });

  it('a missing id among the selected refuses the whole revoke', async () => {
    const tok = await newToken(await t.userId('student'), otherService);
    const res = await admin.post('/api/tokens/revoke', { ids: [tok.id, 99999999] });
    expect(res.status).toBe(404);
    expect(errorOf(res).message).toContain('99999999');
    expect((await restCall(t, tok.secret, SITE_INFO)).status).toBe(200);
  });

  it('a manager may not revoke when any of the tokens is of someone stronger; others may not at all', async () => {
    const mine = await newToken(await t.userId('student'), otherService);
    const admins = await newToken(await t.userId('admin'), otherService);
    for (const body of [
      { ids: [mine.id, admins.id] },
      { serviceId: otherService },
      { userId: await t.userId('admin') },
    ]) {
      const res = await manager.post('/api/tokens/revoke', body);
      expect(res.status, JSON.stringify(body)).toBe(403);
      expect(errorOf(res).code).toBe('forbidden');
    }
    expect((await restCall(t, mine.secret, SITE_INFO)).status).toBe(200);
    expect((await restCall(t, admins.secret, SITE_INFO)).status).toBe(200);
    expect((await student.post('/api/tokens/revoke', { ids: [mine.id] })).status).toBe(403);
    const ok = await manager.post('/api/tokens/revoke', { ids: [mine.id] });
    expect(ok.body.count).toBe(1);
  });
});
