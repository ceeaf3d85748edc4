import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, externalServices, externalServiceUsers, externalTokens } from '../../db/schema';
import { type Client, errorOf, makeTestApp, serviceBody, signIn, type TestApp } from '../../test/helpers';
import { createCatalogue } from '../../webservice/catalogue';
import { FUNCTIONS } from '../../webservice/functions';
import type { Actor } from '../audit/audit.service';
import { createAdminToken } from '../tokens/tokens.service';
import { createUser, deleteUser } from '../users/users.service';

const catalogue = createCatalogue(FUNCTIONS);

// External services, their functions and their authorised users, through the console API as a
// site administrator (and refused to a manager, who lacks moodle/site:config).

// What both Moodle Mobile apps call (issue 16, section 6), the seed-era app's legacy names included.
const MOBILE_FUNCTIONS = [
  'core_block_get_dashboard_blocks',
  'core_course_get_contents',
  'core_course_get_courses',
  'core_course_get_enrolled_courses_by_timeline_classification',
  'core_course_get_user_administration_options',
  'core_course_get_user_navigation_options',
  'core_enrol_get_enrolled_users',
  'core_enrol_get_users_courses',
  'core_files_upload',
  'core_get_component_strings',
  'core_message_get_messages',
  'core_message_send_instant_messages',
  'core_notes_create_notes',
  'core_user_add_user_device',
  'core_user_get_course_user_profiles',
  'core_user_get_user_preferences',
  'core_user_get_users_by_field',
  'core_user_remove_user_device',
  'core_webservice_get_site_info',
  'mod_page_get_pages_by_courses',
  'mod_resource_get_resources_by_courses',
  'moodle_enrol_get_users_courses',
  'moodle_message_send_instantmessages',
  'moodle_notes_create_notes',
  'moodle_user_get_course_participants_by_id',
  'moodle_user_get_users_by_courseid',
  'moodle_webservice_get_siteinfo',
  'tool_mobile_call_external_functions',
  'tool_mobile_get_config',
  'tool_mobile_get_plugins_supporting_mobile',
  'tool_mobile_get_public_config',
];

let t: TestApp;
let admin: Client;
let manager: Client;
let actor: Actor;
let mobileId: number;

const auditRows = async (action: string, targetId?: number) =>
  await t.store.db
    .select()
    .from(auditLog)
    .where(
      targetId === undefined
        ? eq(auditLog.action, action)
        : and(eq(auditLog.action, action), eq(auditLog.targetId, String(targetId))),
    );

const serviceRow = async (id: number) =>
  (await t.store.db.select().from(externalServices).where(eq(externalServices.id, id)).limit(1)).at(0);
const tokensOf = async (serviceId: number, userId?: number) =>
  await t.store.db
    .select()
    .from(externalTokens)
    .where(
      userId === undefined
        ? eq(externalTokens.serviceId, serviceId)
        : and(eq(externalTokens.serviceId, serviceId), eq(externalTokens.userId, userId)),
    );

async function create(name: string, shortname: string, extra: Record<string, unknown> = {}): Promise<number> {
  const res = await admin.post('/api/services', serviceBody(name, shortname, extra));
  if (res.status !== 201) throw new Error(`create ${shortname}: ${res.status} ${res.text}`);
  return res.body.id;
}

beforeAll(async () => {
  t = await makeTestApp();
  [admin, manager] = await Promise.all([signIn(t, 'admin'), signIn(t, 'manager')]);
  actor = { id: await t.userId('admin'), username: 'admin', ip: '' };
  mobileId = (
    await t.store.db.select().from(externalServices).where(eq(externalServices.shortname, 'moodle_mobile_app')).limit(1)
  ).at(0)!.id;
});
afterAll(() => t?.close());

describe('listing', () => {
  it('lists the built-in mobile service apart from custom services, disabled, with its function list', async () => {
    const res = await admin.get('/api/services');
    expect(res.status).toBe(200);
    expect(res.body.custom).toEqual([]);
    expect(res.body.builtin).toHaveLength(1);
    expect(res.body.builtin[0]).toMatchObject({
      id: mobileId,
      name: 'Mobile web services',
      shortname: 'moodle_mobile_app',
      builtin: true,
      component: 'moodle',
      enabled: false,
      restrictedUsers: false,
      requiredCapability: null,
      downloadFiles: true,
      uploadFiles: true,
      functionCount: MOBILE_FUNCTIONS.length,
      authorisedCount: 0,
      tokenCount: 0,
    });
    const fns = await admin.get(`/api/services/${mobileId}/functions`);
    expect(fns.status).toBe(200);
    expect(fns.body.map((f: { name: string }) => f.name)).toEqual(MOBILE_FUNCTIONS);
    const siteInfo = fns.body.find((f: { name: string }) => f.name === 'core_webservice_get_site_info');
    expect(siteInfo).toMatchObject({
      component: 'core_webservice',
      type: 'read',
      capabilities: [],
      deprecated: false,
      missing: false,
    });
  });

  it('a new custom service is listed with the custom ones only', async () => {
    const id = await create('Listing service', 'listing_svc');
    const res = await admin.get('/api/services');
    expect(res.body.custom.map((s: { id: number }) => s.id)).toEqual([id]);
    expect(res.body.custom[0]).toMatchObject({ builtin: false, component: null, functionCount: 0, protected: false });
    expect(res.body.builtin.map((s: { shortname: string }) => s.shortname)).toEqual(['moodle_mobile_app']);
  });

  it('GET /api/services/functions is the whole catalogue with deprecated flags', async () => {
    const res = await admin.get('/api/services/functions');
    expect(res.status).toBe(200);
    expect(res.body.map((f: { name: string }) => f.name).sort()).toEqual(catalogue.all.map((f) => f.name).sort());
    const byName = new Map(res.body.map((f: { name: string }) => [f.name, f]));
    expect(byName.get('moodle_group_create_groups')).toMatchObject({
      deprecated: true,
      replacedBy: 'core_group_create_groups',
    });
    expect(byName.get('core_group_create_groups')).toMatchObject({
      deprecated: false,
      replacedBy: null,
      type: 'write',
      capabilities: ['moodle/course:managegroups'],
    });
    expect(res.body.filter((f: { deprecated: boolean }) => f.deprecated).map((f: { name: string }) => f.name)).toEqual([
      'moodle_group_create_groups',
      'moodle_webservice_get_siteinfo',
      'moodle_enrol_get_users_courses',
      'moodle_user_get_users_by_courseid',
      'moodle_user_get_course_participants_by_id',
      'moodle_notes_create_notes',
      'moodle_message_send_instantmessages',
    ]);
  });

  it('GET /api/services/:id answers 404 for an unknown service and 400 for a bad id', async () => {
    expect(errorOf(await admin.get('/api/services/99999')).code).toBe('notfound');
    expect((await admin.get('/api/services/abc')).status).toBe(400);
  });
});

describe('creating a service', () => {
  it('creates a custom service (201) with every field as sent, audited', async () => {
    const res = await admin.post(
      '/api/services',
      serviceBody('  Groups sync  ', 'groups_sync', {
        enabled: false,
        restrictedUsers: true,
        requiredCapability: 'moodle/course:view',
        downloadFiles: true,
      }),
    );
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      name: 'Groups sync',
      shortname: 'groups_sync',
      enabled: false,
      restrictedUsers: true,
      requiredCapability: 'moodle/course:view',
      downloadFiles: true,
      uploadFiles: false,
      builtin: false,
      functionCount: 0,
      authorisedCount: 0,
      tokenCount: 0,
    });
    const row = (await serviceRow(res.body.id))!;
    expect(row.component).toBeNull();
    const audit = await auditRows('service.create', res.body.id);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actorUsername: 'admin', targetType: 'service' });
  });

  it.each([
    ['an empty name', { name: '' }, 'name', 'Name is required'],
    ['a blank name', { name: '   ' }, 'name', 'Name is required'],
    ['a name over 200 characters', { name: 'x'.repeat(201) }, 'name', 'At most 200 characters'],
    ['an empty short name', { shortname: '' }, 'shortname', 'Short name is required'],
    [
      'upper case in the short name',
      { shortname: 'Bad_Name' },
      'shortname',
      'Only lowercase letters, digits and underscores',
    ],
    [
      'a hyphen in the short name',
      { shortname: 'bad-name' },
      'shortname',
      'Only lowercase letters, digits and underscores',
    ],
    [
      'a space in the short name',
      { shortname: 'bad name' },
      'shortname',
      'Only lowercase letters, digits and underscores',
    ],
    ['a short name over 100 characters', { shortname: 'a'.repeat(101) }, 'shortname', 'At most 100 characters'],
    [
      'an unknown required capability',
      { requiredCapability: 'moodle/made:up' },
      'requiredCapability',
      'Choose a capability from the list',
    ],
    [
      'an empty required capability',
      { requiredCapability: '' },
      'requiredCapability',
      'Choose a capability from the list',
    ],
    ['enabled as a string', { enabled: 'yes' }, 'enabled', undefined],
    ['restrictedUsers missing', { restrictedUsers: undefined }, 'restrictedUsers', undefined],
    ['an unknown field', { component: 'moodle' }, 'component', 'Unknown field'],
  ])('refuses %s (400, the field named) and creates nothing', async (_label, override, field, message) => {
    const before = (await admin.get('/api/services')).body.custom.length;
    const res = await admin.post('/api/services', serviceBody('Valid name', 'valid_short', override));
    expect(res.status).toBe(400);
    const err = errorOf(res);
    expect(err.code).toBe('invalid');
    expect(Object.keys(err.fields ?? {})).toEqual([field]);
    if (message) expect(err.fields?.[field]).toBe(message);
    expect((await admin.get('/api/services')).body.custom.length).toBe(before);
  });

  it('name and short name are unique: 409 with the field named, nothing created', async () => {
    await create('Unique one', 'unique_one');
    const before = (await admin.get('/api/services')).body.custom.length;
    const byName = await admin.post('/api/services', serviceBody('Unique one', 'unique_two'));
    expect(byName.status).toBe(409);
    expect(Object.keys(errorOf(byName).fields ?? {})).toEqual(['name']);
    const byTrimmedName = await admin.post('/api/services', serviceBody(' Unique one ', 'unique_three'));
    expect(byTrimmedName.status).toBe(409);
    const byShort = await admin.post('/api/services', serviceBody('Unique two', 'unique_one'));
    expect(byShort.status).toBe(409);
    expect(Object.keys(errorOf(byShort).fields ?? {})).toEqual(['shortname']);
    const builtinName = await admin.post('/api/services', serviceBody('Mobile web services', 'my_mobile'));
    expect(builtinName.status).toBe(409);
    const builtinShort = await admin.post('/api/services', serviceBody('My mobile', 'moodle_mobile_app'));
    expect(builtinShort.status).toBe(409);
    expect((await admin.get('/api/services')).body.custom.length).toBe(before);
  });
});

describe('editing a service', () => {
  let id: number;
  beforeAll(async () => {
    id = await create('Editable', 'editable');
  });

  it('changes the fields of a custom service and audits what changed', async () => {
    const res = await admin.patch(`/api/services/${id}`, {
      name: 'Edited',
      enabled: false,
      restrictedUsers: true,
      requiredCapability: 'moodle/user:viewdetails',
      uploadFiles: true,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      name: 'Edited',
      shortname: 'editable',
      enabled: false,
      restrictedUsers: true,
      requiredCapability: 'moodle/user:viewdetails',
      uploadFiles: true,
      downloadFiles: false,
    });
    const audit = await auditRows('service.update', id);
    expect(audit).toHaveLength(1);
    expect(JSON.parse(audit[0]!.details).changed).toEqual({
      name: 'Edited',
      enabled: false,
      restrictedUsers: true,
      requiredCapability: 'moodle/user:viewdetails',
      uploadFiles: true,
    });
    const back = await admin.patch(`/api/services/${id}`, { requiredCapability: null });
    expect(back.body.requiredCapability).toBeNull();
  });

  it('the short name is frozen: a change is refused (409) and the same value accepted', async () => {
    const res = await admin.patch(`/api/services/${id}`, { shortname: 'renamed' });
    expect(res.status).toBe(409);
    expect(errorOf(res)).toMatchObject({ code: 'frozen' });
    expect(Object.keys(errorOf(res).fields ?? {})).toEqual(['shortname']);
    expect((await serviceRow(id))!.shortname).toBe('editable');
    const same = await admin.patch(`/api/services/${id}`, { shortname: 'editable', name: 'Edited again' });
    expect(same.status).toBe(200);
    expect(same.body).toMatchObject({ shortname: 'editable', name: 'Edited again' });
  });

  it('renaming onto another service name is a 409 on the name', async () => {
    await create('Taken name', 'taken_name');
    const res = await admin.patch(`/api/services/${id}`, { name: 'Taken name' });
    expect(res.status).toBe(409);
    expect(Object.keys(errorOf(res).fields ?? {})).toEqual(['name']);
    expect((await serviceRow(id))!.name).toBe('Edited again');
  });

  it('refuses an invalid value (400) and an unknown service (404)', async () => {
    expect((await admin.patch(`/api/services/${id}`, { requiredCapability: 'nope' })).status).toBe(400);
    expect((await admin.patch(`/api/services/${id}`, { enabled: 1 })).status).toBe(400);
    expect((await admin.patch('/api/services/99999', { enabled: true })).status).toBe(404);
  });

  it.each([
    ['name', { name: 'Phone services' }],
    ['requiredCapability', { requiredCapability: 'moodle/course:view' }],
    ['restrictedUsers', { restrictedUsers: true }],
  ])('built-in: %s is frozen (409 on that field, nothing changed)', async (field, patch) => {
    const before = (await serviceRow(mobileId))!;
    const res = await admin.patch(`/api/services/${mobileId}`, patch);
    expect(res.status).toBe(409);
    expect(errorOf(res).code).toBe('frozen');
    expect(Object.keys(errorOf(res).fields ?? {})).toEqual([field]);
    expect(await serviceRow(mobileId)).toEqual(before);
  });

  it('built-in: enabled, downloadFiles and uploadFiles can be changed; sending the frozen values unchanged is fine', async () => {
    const res = await admin.patch(`/api/services/${mobileId}`, {
      name: 'Mobile web services',
      restrictedUsers: false,
      requiredCapability: null,
      enabled: true,
      downloadFiles: false,
      uploadFiles: false,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      enabled: true,
      downloadFiles: false,
      uploadFiles: false,
      name: 'Mobile web services',
    });
    expect(await serviceRow(mobileId)).toMatchObject({ enabled: true, downloadFiles: false, uploadFiles: false });
    const back = await admin.patch(`/api/services/${mobileId}`, {
      enabled: false,
      downloadFiles: true,
      uploadFiles: true,
    });
    expect(back.body).toMatchObject({ enabled: false, downloadFiles: true, uploadFiles: true });
  });
});

describe('deleting a service', () => {
  it('deletes a custom service with its tokens and authorised users, and says how many tokens went', async () => {
    const id = await create('Doomed', 'doomed', { restrictedUsers: true });
    expect(
      (await admin.post(`/api/services/${id}/functions`, { functions: ['core_webservice_get_site_info'] })).status,
    ).toBe(201);
    const student = await t.userId('student');
    const teacher = await t.userId('teacher');
    expect((await admin.post(`/api/services/${id}/users`, { userIds: [student, teacher] })).status).toBe(201);
    await createAdminToken(t.deps, { userId: student, serviceId: id }, actor, true);
    await createAdminToken(t.deps, { userId: teacher, serviceId: id }, actor, true);
    expect((await admin.get(`/api/services/${id}`)).body).toMatchObject({
      tokenCount: 2,
      authorisedCount: 2,
      functionCount: 1,
    });

    const res = await admin.delete(`/api/services/${id}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ tokensDeleted: 2 });
    expect((await admin.get(`/api/services/${id}`)).status).toBe(404);
    expect(await serviceRow(id)).toBeUndefined();
    expect(await tokensOf(id)).toEqual([]);
    expect(await t.store.db.select().from(externalServiceUsers).where(eq(externalServiceUsers.serviceId, id))).toEqual(
      [],
    );
    const audit = await auditRows('service.delete', id);
    expect(audit).toHaveLength(1);
    expect(JSON.parse(audit[0]!.details)).toEqual({ tokensDeleted: 2 });
  });

  it('refuses to delete the built-in service (409) and leaves it whole', async () => {
    const res = await admin.delete(`/api/services/${mobileId}`);
    expect(res.status).toBe(409);
    expect(errorOf(res).code).toBe('builtin');
    expect(await serviceRow(mobileId)).toBeDefined();
    expect((await admin.get(`/api/services/${mobileId}/functions`)).body).toHaveLength(MOBILE_FUNCTIONS.length);
  });

  it('404 for an unknown service', async () => {
    expect((await admin.delete('/api/services/99999')).status).toBe(404);
  });
});

describe('service functions', () => {
  let id: number;
  const names = async () =>
    (await admin.get(`/api/services/${id}/functions`)).body.map((f: { name: string }) => f.name);
  beforeAll(async () => {
    id = await create('Function holder', 'function_holder');
  });

  it('adds several functions at once (201), lists them sorted with their capabilities, audited', async () => {
    const res = await admin.post(`/api/services/${id}/functions`, {
      functions: ['core_group_get_course_groups', 'core_group_create_groups', 'core_webservice_get_site_info'],
    });
    expect(res.status).toBe(201);
    expect(res.body.map((f: { name: string }) => f.name)).toEqual([
      'core_group_get_course_groups',
      'core_group_create_groups',
      'core_webservice_get_site_info',
    ]);
    const list = await admin.get(`/api/services/${id}/functions`);
    expect(list.body.map((f: { name: string }) => f.name)).toEqual([
      'core_group_create_groups',
      'core_group_get_course_groups',
      'core_webservice_get_site_info',
    ]);
    expect(list.body[0]).toMatchObject({
      capabilities: ['moodle/course:managegroups'],
      type: 'write',
      deprecated: false,
      missing: false,
    });
    expect((await admin.get(`/api/services/${id}`)).body.functionCount).toBe(3);
    const audit = await auditRows('service.functions.add', id);
    expect(audit).toHaveLength(1);
    expect(JSON.parse(audit[0]!.details).functions).toEqual([
      'core_group_get_course_groups',
      'core_group_create_groups',
      'core_webservice_get_site_info',
    ]);
  });

  it('refuses an unknown function (400, named) and adds nothing of the batch', async () => {
    const res = await admin.post(`/api/services/${id}/functions`, {
      functions: ['core_user_create_users', 'core_made_up_function'],
    });
    expect(res.status).toBe(400);
    expect(errorOf(res).code).toBe('invalid');
    expect(errorOf(res).message).toContain('core_made_up_function');
    expect(await names()).not.toContain('core_user_create_users');
  });

  it('refuses a deprecated function (400, code deprecated) and adds nothing of the batch', async () => {
    const res = await admin.post(`/api/services/${id}/functions`, {
      functions: ['core_user_create_users', 'moodle_group_create_groups'],
    });
    expect(res.status).toBe(400);
    expect(errorOf(res).code).toBe('deprecated');
    expect(errorOf(res).message).toContain('moodle_group_create_groups');
    expect(await names()).toEqual([
      'core_group_create_groups',
      'core_group_get_course_groups',
      'core_webservice_get_site_info',
    ]);
  });

  it('refuses a function already in the service (409) and adds nothing of the batch', async () => {
    const res = await admin.post(`/api/services/${id}/functions`, {
      functions: ['core_user_create_users', 'core_group_create_groups'],
    });
    expect(res.status).toBe(409);
    expect(errorOf(res).message).toContain('core_group_create_groups');
    expect(await names()).not.toContain('core_user_create_users');
  });

  it('refuses an empty list (400)', async () => {
    expect((await admin.post(`/api/services/${id}/functions`, { functions: [] })).status).toBe(400);
  });

  it("the built-in service's functions are read-only (409 on add and on remove)", async () => {
    const add = await admin.post(`/api/services/${mobileId}/functions`, { functions: ['core_user_create_users'] });
    expect(add.status).toBe(409);
    expect(errorOf(add).code).toBe('builtin');
    const remove = await admin.delete(`/api/services/${mobileId}/functions/core_webservice_get_site_info`);
    expect(remove.status).toBe(409);
    expect(errorOf(remove).code).toBe('builtin');
    expect((await admin.get(`/api/services/${mobileId}/functions`)).body.map((f: { name: string }) => f.name)).toEqual(
      MOBILE_FUNCTIONS,
    );
  });

  it('removes a function (audited), then 404 when it is no longer there', async () => {
    const res = await admin.delete(`/api/services/${id}/functions/core_group_get_course_groups`);
    expect(res.status).toBe(200);
    expect(await names()).toEqual(['core_group_create_groups', 'core_webservice_get_site_info']);
    expect(await auditRows('service.functions.remove', id)).toHaveLength(1);
    const again = await admin.delete(`/api/services/${id}/functions/core_group_get_course_groups`);
    expect(again.status).toBe(404);
    expect((await admin.delete(`/api/services/${id}/functions/core_made_up`)).status).toBe(404);
    expect(await auditRows('service.functions.remove', id)).toHaveLength(1);
  });

  it('404 for the functions of an unknown service', async () => {
    expect((await admin.get('/api/services/99999/functions')).status).toBe(404);
    expect((await admin.post('/api/services/99999/functions', { functions: ['core_user_create_users'] })).status).toBe(
      404,
    );
  });
});

describe('authorised users', () => {
  let restricted: number;
  let other: number;
  let student: number;
  let teacher: number;
  let adminId: number;
  const listed = async (sid = restricted) => (await admin.get(`/api/services/${sid}/users`)).body;

  beforeAll(async () => {
    restricted = await create('Group managers', 'group_managers', { restrictedUsers: true });
    other = await create('Other restricted', 'other_restricted', {
      restrictedUsers: true,
      requiredCapability: 'moodle/course:create',
    });
    await admin.post(`/api/services/${restricted}/functions`, {
      functions: ['core_group_create_groups', 'core_webservice_get_site_info'],
    });
    await admin.post(`/api/services/${other}/functions`, { functions: ['core_webservice_get_site_info'] });
    student = await t.userId('student');
    teacher = await t.userId('teacher');
    adminId = await t.userId('admin');
  });

  it('refuses to authorise users on a service open to all users (409)', async () => {
    const open = await create('Open to all', 'open_to_all');
    const res = await admin.post(`/api/services/${open}/users`, { userIds: [student] });
    expect(res.status).toBe(409);
    expect(errorOf(res).code).toBe('notrestricted');
    expect(await listed(open)).toEqual([]);
  });

  it('adds several users at once (201, audited) and computes what each one lacks', async () => {
    const res = await admin.post(`/api/services/${restricted}/users`, { userIds: [student, teacher, adminId] });
    expect(res.status).toBe(201);
    const list = await listed();
    const byName = Object.fromEntries(list.map((a: { user: { username: string } }) => [a.user.username, a]));
    expect(Object.keys(byName).sort()).toEqual(['admin', 'student', 'teacher']);
    expect(byName.student.missingCapabilities).toEqual(['moodle/course:managegroups']);
    expect(byName.teacher.missingCapabilities).toEqual([]);
    expect(byName.admin.missingCapabilities).toEqual([]);
    expect(byName.student).toMatchObject({ ipRestriction: null, validUntil: null });
    expect((await admin.get(`/api/services/${restricted}`)).body.authorisedCount).toBe(3);
    const audit = await auditRows('service.users.add', restricted);
    expect(audit).toHaveLength(1);
    expect(JSON.parse(audit[0]!.details).userIds.sort()).toEqual([student, teacher, adminId].sort());
  });

  it("the service's required capability counts among the missing ones", async () => {
    expect(
      (await admin.post(`/api/services/${other}/users`, { userIds: [student, await t.userId('manager')] })).status,
    ).toBe(201);
    const list = await listed(other);
    const byName = Object.fromEntries(list.map((a: { user: { username: string } }) => [a.user.username, a]));
    expect(byName.student.missingCapabilities).toEqual(['moodle/course:create']);
    expect(byName.manager.missingCapabilities).toEqual([]);
  });

  it('refuses users already authorised (409)', async () => {
    const res = await admin.post(`/api/services/${restricted}/users`, { userIds: [student] });
    expect(res.status).toBe(409);
    expect(await listed()).toHaveLength(3);
  });

  describe('users who cannot be chosen', () => {
    let deletedId: number;
    beforeAll(async () => {
      const u = await createUser(
        t.deps,
        {
          username: 'goner',
          firstname: 'Gone',
          lastname: 'Away',
          email: 'goner@example.org',
          auth: 'manual',
          suspended: false,
          confirmed: true,
          passwordExpired: false,
          siteAdmin: false,
          password: 'Goner-pass-1',
        },
        actor,
        true,
      );
      await deleteUser(t.deps, u.id, actor);
      deletedId = u.id;
    });

    it.each([
      ['a deleted user', async () => deletedId, 'goner is deleted'],
      ['an unconfirmed user', async () => await t.userId('unconfirmed'), 'unconfirmed is not confirmed'],
      ['the guest user', async () => await t.userId('guest'), 'guest'],
      ['a user that does not exist', async () => 99999, 'user 99999 does not exist'],
    ])('refuses %s (400) and adds nobody of the batch', async (_label, idOf, says) => {
      const res = await admin.post(`/api/services/${restricted}/users`, {
        userIds: [await t.userId('student2'), await idOf()],
      });
      expect(res.status).toBe(400);
      expect(errorOf(res).message).toContain(says);
      expect((await listed()).map((a: { user: { username: string } }) => a.user.username)).not.toContain('student2');
    });
  });

  it.each([
    ['IPv4 addresses', '192.168.1.10,10.0.0.1', '192.168.1.10, 10.0.0.1'],
    ['an IPv4 CIDR range', ' 10.0.0.0/8 ', '10.0.0.0/8'],
    ['IPv6 addresses', '2001:db8::1, ::1', '2001:db8::1, ::1'],
    ['an IPv6 CIDR range', '2001:db8::/32', '2001:db8::/32'],
    ['a mix', '192.168.1.10, 10.0.0.0/8,2001:db8::/32 , fe80::1', '192.168.1.10, 10.0.0.0/8, 2001:db8::/32, fe80::1'],
    // Every form Moodle's address_in_subnet reads, kept as typed.
    ['ranges in the last group', '192.168.1.1-50,2001:DB8::1-ff', '192.168.1.1-50, 2001:DB8::1-ff'],
    ['partial addresses', '10.0., 172.16', '10.0., 172.16'],
  ])('settings: IP restriction with %s is stored with its entries as typed', async (_label, input, stored) => {
    const res = await admin.patch(`/api/services/${restricted}/users/${student}`, { ipRestriction: input });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ user: { id: student }, ipRestriction: stored });
    const row = (
      await t.store.db
        .select()
        .from(externalServiceUsers)
        .where(and(eq(externalServiceUsers.serviceId, restricted), eq(externalServiceUsers.userId, student)))
        .limit(1)
    ).at(0);
    expect(row?.ipRestriction).toBe(stored);
  });

  it.each([['not-an-ip'], ['300.1.2.3'], ['10.0.0.0/33'], ['2001:db8::/129'], ['10.0.0.50-20'], ['2001:db8::/32/4']])(
    'settings: refuses the entry %s (400, the entry named) and keeps the old value',
    async (bad) => {
      await admin.patch(`/api/services/${restricted}/users/${student}`, { ipRestriction: '10.9.9.9' });
      const res = await admin.patch(`/api/services/${restricted}/users/${student}`, {
        ipRestriction: `192.168.1.1, ${bad}`,
      });
      expect(res.status).toBe(400);
      const err = errorOf(res);
      expect(err.fields?.ipRestriction).toContain(bad);
      expect(err.fields?.ipRestriction).not.toContain('192.168.1.1');
      const list = await listed();
      expect(list.find((a: { user: { id: number } }) => a.user.id === student).ipRestriction).toBe('10.9.9.9');
    },
  );

  it.each([
    // ipaddr.js would read "3232235777" as 192.168.1.1 and "192.168/16" as 192.0.0.168/16;
    // Moodle's address_in_subnet reads neither as anything, so they are refused. ("192.168" and
    // "010.0.0.1" are read as Moodle reads them: the prefix 192.168.*.* and 10.0.0.1.)
    ['3232235777'],
    ['192.168/16'],
    ['0x0a.0.0.1'],
  ])('settings: refuses the IPv4 shorthand %s instead of reading it as another address', async (bad) => {
    const res = await admin.patch(`/api/services/${restricted}/users/${student}`, { ipRestriction: bad });
    expect(res.status).toBe(400);
    expect(errorOf(res).fields?.ipRestriction).toContain(bad);
  });

  it('settings: an empty IP restriction is stored as null; valid until is set and cleared', async () => {
    const empty = await admin.patch(`/api/services/${restricted}/users/${student}`, { ipRestriction: '' });
    expect(empty.status).toBe(200);
    expect(empty.body.ipRestriction).toBeNull();
    const blank = await admin.patch(`/api/services/${restricted}/users/${student}`, { ipRestriction: ' , ' });
    expect(blank.body.ipRestriction).toBeNull();
    const until = Math.floor(Date.now() / 1000) + 7 * 86400;
    const set = await admin.patch(`/api/services/${restricted}/users/${student}`, { validUntil: until });
    expect(set.status).toBe(200);
    expect(set.body.validUntil).toBe(until);
    expect((await admin.patch(`/api/services/${restricted}/users/${student}`, { validUntil: 'tomorrow' })).status).toBe(
      400,
    );
    expect((await admin.patch(`/api/services/${restricted}/users/${student}`, { validUntil: -5 })).status).toBe(400);
    const cleared = await admin.patch(`/api/services/${restricted}/users/${student}`, { validUntil: null });
    expect(cleared.body.validUntil).toBeNull();
    expect((await auditRows('service.users.update', restricted)).length).toBeGreaterThan(0);
  });

  it('settings of a user who is not authorised: 404', async () => {
    expect(
      (await admin.patch(`/api/services/${restricted}/users/${await t.userId('student2')}`, { validUntil: null }))
        .status,
    ).toBe(404);
  });

  it("removing a user deletes that user's tokens for this service only (audited); then 404", async () => {
    const onThis = await createAdminToken(t.deps, { userId: student, serviceId: restricted }, actor, true);
    const onOther = await createAdminToken(t.deps, { userId: student, serviceId: other }, actor, true);
    const teachers = await createAdminToken(t.deps, { userId: teacher, serviceId: restricted }, actor, true);
    const res = await admin.delete(`/api/services/${restricted}/users/${student}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ tokensDeleted: 1 });
    expect(await tokensOf(restricted, student)).toEqual([]);
    expect((await tokensOf(other, student)).map((x) => x.id)).toEqual([onOther.token.id]);
    expect((await tokensOf(restricted, teacher)).map((x) => x.id)).toEqual([teachers.token.id]);
    expect((await tokensOf(restricted)).map((x) => x.id)).not.toContain(onThis.token.id);
    expect((await listed()).map((a: { user: { username: string } }) => a.user.username).sort()).toEqual([
      'admin',
      'teacher',
    ]);
    const audit = await auditRows('service.users.remove', restricted);
    expect(audit).toHaveLength(1);
    expect(JSON.parse(audit[0]!.details)).toEqual({ userId: student, tokensDeleted: 1 });
    expect((await admin.delete(`/api/services/${restricted}/users/${student}`)).status).toBe(404);
  });
});

describe('who may manage services', () => {
  it('a manager (no moodle/site:config) gets 403 on every /api/services route, and nothing changes', async () => {
    const id = await create('Guarded', 'guarded', { restrictedUsers: true });
    await admin.post(`/api/services/${id}/functions`, { functions: ['core_webservice_get_site_info'] });
    const student = await t.userId('student');
    await admin.post(`/api/services/${id}/users`, { userIds: [student] });
    const before = {
      service: await serviceRow(id),
      users: await admin.get(`/api/services/${id}/users`),
      functions: await admin.get(`/api/services/${id}/functions`),
    };
    const calls: [string, string, unknown?][] = [
      ['GET', '/api/services'],
      ['GET', '/api/services/functions'],
      ['POST', '/api/services', serviceBody('By manager', 'by_manager')],
      ['GET', `/api/services/${id}`],
      ['PATCH', `/api/services/${id}`, { enabled: false }],
      ['DELETE', `/api/services/${id}`],
      ['GET', `/api/services/${id}/functions`],
      ['POST', `/api/services/${id}/functions`, { functions: ['core_user_create_users'] }],
      ['DELETE', `/api/services/${id}/functions/core_webservice_get_site_info`],
      ['GET', `/api/services/${id}/users`],
      ['POST', `/api/services/${id}/users`, { userIds: [await t.userId('teacher')] }],
      ['PATCH', `/api/services/${id}/users/${student}`, { ipRestriction: '10.0.0.1' }],
      ['DELETE', `/api/services/${id}/users/${student}`],
    ];
    for (const [method, path, json] of calls) {
      const res = await manager.request(method, path, json === undefined ? {} : { json });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(errorOf(res).code).toBe('forbidden');
    }
    expect(await serviceRow(id)).toEqual(before.service);
    expect((await admin.get(`/api/services/${id}/users`)).body).toEqual(before.users.body);
    expect((await admin.get(`/api/services/${id}/functions`)).body).toEqual(before.functions.body);
    expect(
      (
        await t.store.db.select().from(externalServices).where(eq(externalServices.shortname, 'by_manager')).limit(1)
      ).at(0),
    ).toBeUndefined();
  });

  it('anonymous requests get 401', async () => {
    const anon = t.client();
    expect((await anon.get('/api/services')).status).toBe(401);
    expect((await anon.post('/api/services', serviceBody('Anon', 'anon'))).status).toBe(401);
  });
});
