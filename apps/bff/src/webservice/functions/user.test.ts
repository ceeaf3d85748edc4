import { CAPABILITIES } from '@gatehouse/shared';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, users } from '../../db/schema';
import { verifyPassword } from '../../lib/password';
import { type CatalogueTest, callError, callFunction, makeCatalogueTest, setRoleCapability } from './test-helpers';

let t: CatalogueTest;
beforeAll(async () => {
  t = await makeCatalogueTest();
});
afterAll(() => t.close());

const row = async (username: string) =>
  (await t.deps.store.db.select().from(users).where(eq(users.username, username)).limit(1)).at(0);

describe('core_user_create_users', () => {
  it('creates users with a given or a generated password, in one call', async () => {
    const out = await callFunction(t.deps, 'core_user_create_users', 'manager', {
      users: [
        { username: 'jdoe', password: 'Secret-pass-1', firstname: 'Jane', lastname: 'Doe', email: 'jane@example.com' },
        {
          username: 'svc.sync',
          createpassword: 1,
          firstname: 'Sync',
          lastname: 'Robot',
          email: 'sync@example.com',
          auth: 'webservice',
        },
      ],
    });
    const jdoe = await row('jdoe');
    const sync = await row('svc.sync');
    expect(out).toEqual([
      { id: jdoe?.id, username: 'jdoe' },
      { id: sync?.id, username: 'svc.sync' },
    ]);
    expect(jdoe).toMatchObject({
      firstname: 'Jane',
      lastname: 'Doe',
      email: 'jane@example.com',
      auth: 'manual',
      suspended: false,
    });
    expect(sync?.auth).toBe('webservice');
    expect(await verifyPassword(jdoe?.passwordHash ?? '', 'Secret-pass-1')).toBe(true);
    const audit = await t.deps.store.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.targetId, String(jdoe?.id)));
    expect(audit.map((a) => a.action)).toContain('user.create');
  });

  it('refuses a caller without moodle/user:create', async () => {
    const e = await callError(t.deps, 'core_user_create_users', 'student', {
      users: [{ username: 'x1', createpassword: true, firstname: 'X', lastname: 'Y', email: 'x@example.com' }],
    });
    expect(e).toMatchObject({
      exception: 'required_capability_exception',
      errorcode: 'nopermissions',
      debuginfo: 'moodle/user:create',
    });
    expect(await row('x1')).toBeUndefined();
  });

  it('rejects a taken username and creates none of the users of the call', async () => {
    const e = await callError(t.deps, 'core_user_create_users', 'manager', {
      users: [
        { username: 'newbie', password: 'Secret-pass-1', firstname: 'N', lastname: 'B', email: 'n@example.com' },
        { username: 'student', password: 'Secret-pass-1', firstname: 'S', lastname: 'S', email: 's@example.com' },
      ],
    });
    // user/externallib.php create_users(): invalid_parameter_exception('Username already exists: '.$user['username']).
    expect(e).toMatchObject({
      exception: 'invalid_parameter_exception',
      errorcode: 'invalidparameter',
      message: 'Invalid parameter value detected',
      debuginfo: 'Username already exists: student',
    });
    expect(await row('newbie')).toBeUndefined();
  });

  it('rejects the same username twice in one call', async () => {
    const u = { username: 'twin', createpassword: true, firstname: 'T', lastname: 'W', email: 't@example.com' };
    const e = await callError(t.deps, 'core_user_create_users', 'manager', { users: [u, u] });
    expect(e).toMatchObject({ errorcode: 'invalidparameter', debuginfo: 'Username already exists: twin' });
    expect(await row('twin')).toBeUndefined();
  });

  it.each([
    [{ auth: 'ldap', password: 'Secret-pass-1' }, 'invalidauth', 'Invalid authentication type: ldap'],
    [{}, 'invalidpassword', 'you must provide a password, or set createpassword'],
    [{ password: 'short' }, 'invalidpassword', 'Invalid password: At least 8 characters'],
    [{ password: 'Secret-pass-1', firstname: '  ' }, 'missingfirstname', 'Missing first name'],
    [{ password: 'Secret-pass-1', email: '' }, 'missingemail', 'Missing email address'],
  ])('names the problem with an invalid value %j', async (extra, errorcode, message) => {
    const e = await callError(t.deps, 'core_user_create_users', 'manager', {
      users: [{ username: 'badone', firstname: 'B', lastname: 'O', email: 'b@example.com', ...extra }],
    });
    expect(e.exception).toBe('moodle_exception');
    expect(e.errorcode).toBe(errorcode);
    expect(e.message).toContain(message);
    expect(await row('badone')).toBeUndefined();
  });

  it('rejects a username that is not in the username format', async () => {
    const e = await callError(t.deps, 'core_user_create_users', 'manager', {
      users: [{ username: 'Has Spaces', createpassword: true, firstname: 'B', lastname: 'O', email: 'b@example.com' }],
    });
    expect(e).toMatchObject({ exception: 'invalid_parameter_exception', errorcode: 'invalidparameter' });
    expect(e.debuginfo).toContain('users => 0 => username');
  });
});

describe('core_user_get_users_by_field', () => {
  it('finds users by username, without deleted ones', async () => {
    const out = await callFunction(t.deps, 'core_user_get_users_by_field', 'manager', {
      field: 'username',
      values: ['student', 'student2', 'nobody'],
    });
    expect(out).toHaveLength(2);
    expect(out[0]).toMatchObject({
      id: t.ids.student,
      username: 'student',
      firstname: 'Sam',
      lastname: 'Student',
      fullname: 'Sam Student',
      email: 'student@example.com',
      auth: 'manual',
      suspended: false,
      confirmed: true,
    });
    expect(out[1].fullname).toBe('Sasha Learner');
  });

  it('finds users by id and by email (exactly, as Moodle on PostgreSQL)', async () => {
    const byId = await callFunction(t.deps, 'core_user_get_users_by_field', 'manager', {
      field: 'id',
      values: [String(t.ids.suspended), String(t.ids.unconfirmed)],
    });
    expect(
      byId.map((u: { username: string; suspended: boolean; confirmed: boolean }) => [
        u.username,
        u.suspended,
        u.confirmed,
      ]),
    ).toEqual([
      ['suspended', true, true],
      ['unconfirmed', false, false],
    ]);
    const byEmail = await callFunction(t.deps, 'core_user_get_users_by_field', 'manager', {
      field: 'email',
      values: ['teacher@example.com'],
    });
    expect(byEmail.map((u: { username: string }) => u.username)).toEqual(['teacher']);
    // Another case is another address.
    const otherCase = await callFunction(t.deps, 'core_user_get_users_by_field', 'manager', {
      field: 'email',
      values: ['Teacher@Example.com'],
    });
    expect(otherCase).toEqual([]);
  });

  it('finds nobody by idnumber (Gatehouse users have none)', async () => {
    expect(
      await callFunction(t.deps, 'core_user_get_users_by_field', 'manager', { field: 'idnumber', values: ['A1'] }),
    ).toEqual([]);
  });

  it('lets anyone look themselves up, and nobody else without moodle/user:viewdetails', async () => {
    const me = await callFunction(t.deps, 'core_user_get_users_by_field', 'student', {
      field: 'id',
      values: [String(t.ids.student)],
    });
    expect(me.map((u: { username: string }) => u.username)).toEqual(['student']);
    const e = await callError(t.deps, 'core_user_get_users_by_field', 'student', {
      field: 'username',
      values: ['student', 'student2'],
    });
    expect(e).toMatchObject({
      exception: 'required_capability_exception',
      errorcode: 'nopermissions',
      debuginfo: 'moodle/user:viewdetails',
    });
  });

  it('gives a caller without moodle/user:viewdetails only their own record, however many accounts share the address (issue 14, item 12)', async () => {
    // Two more accounts with the student's address: exactly, and in other letters' case.
    await callFunction(t.deps, 'core_user_create_users', 'admin', {
      users: [
        {
          username: 'samesame',
          createpassword: true,
          firstname: 'Same',
          lastname: 'Address',
          email: 'student@example.com',
        },
        {
          username: 'shouty',
          createpassword: true,
          firstname: 'Shouty',
          lastname: 'Case',
          email: 'STUDENT@Example.com',
        },
      ],
    });
    const mine = await callFunction(t.deps, 'core_user_get_users_by_field', 'student', {
      field: 'email',
      values: ['student@example.com'],
    });
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ id: t.ids.student, username: 'student', email: 'student@example.com' });
    // Another case of one's own address is somebody else's address: it needs the capability.
    const e = await callError(t.deps, 'core_user_get_users_by_field', 'student', {
      field: 'email',
      values: ['STUDENT@Example.com'],
    });
    expect(e).toMatchObject({ exception: 'required_capability_exception', debuginfo: 'moodle/user:viewdetails' });
    // With the capability, the exact address finds both accounts that hold it, and only those.
    const all = await callFunction(t.deps, 'core_user_get_users_by_field', 'manager', {
      field: 'email',
      values: ['student@example.com'],
    });
    expect(all.map((u: { username: string }) => u.username)).toEqual(['student', 'samesame']);
  });

  it('rejects an unknown field and a value that does not fit the field', async () => {
    const e1 = await callError(t.deps, 'core_user_get_users_by_field', 'manager', {
      field: 'firstname',
      values: ['Sam'],
    });
    // user/externallib.php get_users_by_field(): coding_exception('invalid field parameter', …).
    expect(e1).toMatchObject({
      exception: 'coding_exception',
      errorcode: 'codingerror',
      message: 'Coding error detected, it must be fixed by a programmer: invalid field parameter',
      debuginfo: "The search field 'firstname' is not supported, look at the web service documentation",
    });
    const e2 = await callError(t.deps, 'core_user_get_users_by_field', 'manager', { field: 'id', values: ['12abc'] });
    expect(e2.exception).toBe('invalid_parameter_exception');
    const e3 = await callError(t.deps, 'core_user_get_users_by_field', 'manager', {
      field: 'username',
      values: ['Student'],
    });
    expect(e3.exception).toBe('invalid_parameter_exception');
  });
});

describe('core_user_update_users', () => {
  it('updates the given fields, ends sessions on a new password and audits', async () => {
    const out = await callFunction(t.deps, 'core_user_update_users', 'manager', {
      users: [
        {
          id: t.ids.student2,
          firstname: 'Sasha',
          lastname: 'Scholar',
          email: 'sasha@example.com',
          password: 'New-pass-22',
        },
      ],
    });
    // Moodle 4.x: {warnings: []} when every user was updated.
    expect(out).toEqual({ warnings: [] });
    const u = await row('student2');
    expect(u).toMatchObject({
      firstname: 'Sasha',
      lastname: 'Scholar',
      email: 'sasha@example.com',
      timemodified: 1_749_988_800,
    });
    expect(await verifyPassword(u?.passwordHash ?? '', 'New-pass-22')).toBe(true);
    const audit = await t.deps.store.db.select().from(auditLog).where(eq(auditLog.action, 'user.update'));
    expect(audit.at(-1)?.summary).toBe('Updated user student2 (web service): lastname, email, password');
  });

  it('refuses a caller without moodle/user:update', async () => {
    const e = await callError(t.deps, 'core_user_update_users', 'student', {
      users: [{ id: t.ids.student, firstname: 'Me' }],
    });
    expect(e).toMatchObject({ exception: 'required_capability_exception', errorcode: 'nopermissions' });
  });

  it('refuses editing a site administrator unless the caller is one', async () => {
    const out = await callFunction(t.deps, 'core_user_update_users', 'manager', {
      users: [{ id: t.ids.admin, firstname: 'Evil' }],
    });
    // user/externallib.php update_users(): moodle_exception('usernotupdatedadmin', '', '', null,
    // 'Cannot update admin accounts'), caught and returned as a warning (lang/en/error.php's string).
    expect(out).toEqual({
      warnings: [
        {
          item: 'user',
          itemid: t.ids.admin,
          warningcode: 'usernotupdatedadmin',
          message: 'Cannot update admin accounts',
        },
      ],
    });
    expect((await row('admin'))?.firstname).toBe('Admin');
    await callFunction(t.deps, 'core_user_update_users', 'admin', { users: [{ id: t.ids.admin, firstname: 'Ada' }] });
    expect((await row('admin'))?.firstname).toBe('Ada');
  });

  it('refuses deleted, protected, guest and unknown users, each with its warning, and updates the others', async () => {
    await t.deps.store.db.update(users).set({ protected: true }).where(eq(users.username, 'wsclient'));
    await t.deps.store.db.update(users).set({ deleted: true }).where(eq(users.username, 'expired'));
    const out = await callFunction(t.deps, 'core_user_update_users', 'admin', {
      users: [t.ids.expired, t.ids.wsclient, t.ids.guest, 99_999, t.ids.student2].map((id) => ({
        id,
        firstname: 'Changed',
      })),
    });
    // Moodle 4.x's per-user moodle_exceptions: error.php has invaliduserid ('Invalid user id') but no
    // usernotupdateddeleted / usernotupdatedguest string, so getMessage() is "error/<errorcode>".
    expect(out).toEqual({
      warnings: [
        {
          item: 'user',
          itemid: t.ids.expired,
          warningcode: 'usernotupdateddeleted',
          message: 'error/usernotupdateddeleted',
        },
        {
          item: 'user',
          itemid: t.ids.wsclient,
          warningcode: 'protecteduser',
          message: 'This user is protected and cannot be modified: wsclient',
        },
        { item: 'user', itemid: t.ids.guest, warningcode: 'usernotupdatedguest', message: 'error/usernotupdatedguest' },
        { item: 'user', itemid: 99_999, warningcode: 'invaliduserid', message: 'Invalid user id' },
      ],
    });
    expect((await row('student2'))?.firstname).toBe('Changed');
    expect((await row('wsclient'))?.firstname).not.toBe('Changed');
    expect((await row('guest'))?.firstname).not.toBe('Changed');
    await t.deps.store.db.update(users).set({ protected: false }).where(eq(users.username, 'wsclient'));
    await t.deps.store.db.update(users).set({ deleted: false }).where(eq(users.username, 'expired'));
  });

  it('refuses a taken username with a warning, and still updates the other users of the call', async () => {
    const out = await callFunction(t.deps, 'core_user_update_users', 'manager', {
      users: [
        { id: t.ids.nologin, firstname: 'Nadia' },
        { id: t.ids.student, username: 'teacher' },
      ],
    });
    expect(out).toEqual({
      warnings: [
        {
          item: 'user',
          itemid: t.ids.student,
          warningcode: 'usernameexists',
          message: 'This username already exists, choose another',
        },
      ],
    });
    expect((await row('nologin'))?.firstname).toBe('Nadia');
    expect((await row('student'))?.username).toBe('student');
  });

  it('does not let a caller suspend themselves', async () => {
    const out = await callFunction(t.deps, 'core_user_update_users', 'manager', {
      users: [{ id: t.ids.manager, suspended: true }],
    });
    expect(out.warnings.map((w: { warningcode: string }) => w.warningcode)).toEqual(['cannotsuspendself']);
    expect((await row('manager'))?.suspended).toBe(false);
  });
});

describe('core_user_delete_users', () => {
  it('marks the users deleted; they are gone from lookups', async () => {
    const out = await callFunction(t.deps, 'core_user_delete_users', 'manager', {
      userids: [t.ids.nologin, t.ids.unconfirmed],
    });
    expect(out).toBeNull();
    expect(await row('nologin')).toMatchObject({ deleted: true, suspended: true });
    expect((await row('unconfirmed'))?.deleted).toBe(true);
    const found = await callFunction(t.deps, 'core_user_get_users_by_field', 'manager', {
      field: 'username',
      values: ['nologin', 'unconfirmed', 'teacher'],
    });
    expect(found.map((u: { username: string }) => u.username)).toEqual(['teacher']);
  });

  it('refuses a caller without moodle/user:delete', async () => {
    const e = await callError(t.deps, 'core_user_delete_users', 'teacher', { userids: [t.ids.student] });
    expect(e).toMatchObject({ exception: 'required_capability_exception', errorcode: 'nopermissions' });
    const e2 = await callError(t.deps, 'core_user_delete_users', 'student', { userids: [t.ids.student2] });
    expect(e2.errorcode).toBe('nopermissions');
  });

  it('refuses administrators, yourself, the guest and unknown users, and deletes nobody then', async () => {
    const cases: [number, string, string][] = [
      [t.ids.admin as number, 'moodle_exception', 'useradminodelete'],
      [t.ids.manager as number, 'moodle_exception', 'usernotdeletederror'],
      [t.ids.guest as number, 'moodle_exception', 'guestnodeleteaccount'],
      [99_999, 'dml_missing_record_exception', 'invalidrecord'],
      [t.ids.nologin as number, 'dml_missing_record_exception', 'invalidrecord'],
    ];
    for (const [id, exception, errorcode] of cases) {
      const e = await callError(t.deps, 'core_user_delete_users', 'manager', { userids: [t.ids.student2, id] });
      expect([e.exception, e.errorcode]).toEqual([exception, errorcode]);
      expect((await row('student2'))?.deleted).toBe(false);
    }
  });
});

describe('a stronger user cannot be taken over through web services (issue 14, item 2)', () => {
  /** A capability the manager lacks, given to the teacher's role: the teacher is now stronger. */
  let extra: string;
  beforeAll(async () => {
    const manager = await row('manager');
    if (!manager) throw new Error('no manager');
    const held = new Set(t.deps.authz.capabilitiesOf(manager));
    const missing = CAPABILITIES.map((c) => c.name).find((c) => !held.has(c));
    if (!missing) throw new Error('the manager holds every capability');
    extra = missing;
    await setRoleCapability(t.deps, 'editingteacher', extra, 'allow');
  });
  afterAll(() => setRoleCapability(t.deps, 'editingteacher', extra, null));

  it('refuses a manager updating (even renaming) a user who holds more', async () => {
    const before = await row('teacher');
    const out = await callFunction(t.deps, 'core_user_update_users', 'manager', {
      users: [{ id: t.ids.teacher, password: 'Taken-over-1' }],
    });
    expect(out.warnings).toMatchObject([{ item: 'user', itemid: t.ids.teacher, warningcode: 'nopermissions' }]);
    // Per user, as Moodle 4.x: the weaker user of the call is updated, the stronger one is not.
    const out2 = await callFunction(t.deps, 'core_user_update_users', 'manager', {
      users: [
        { id: t.ids.student, firstname: 'Fine' },
        { id: t.ids.teacher, firstname: 'Evil' },
      ],
    });
    expect(out2.warnings).toMatchObject([{ itemid: t.ids.teacher, warningcode: 'nopermissions' }]);
    expect(await row('teacher')).toEqual(before);
    expect((await row('student'))?.firstname).toBe('Fine');
  });

  it('refuses a manager deleting a user who holds more, and deletes nobody', async () => {
    const e = await callError(t.deps, 'core_user_delete_users', 'manager', {
      userids: [t.ids.student2, t.ids.teacher],
    });
    expect([e.exception, e.errorcode]).toEqual(['moodle_exception', 'nopermissions']);
    expect((await row('teacher'))?.deleted).toBe(false);
    expect((await row('student2'))?.deleted).toBe(false);
  });

  it('still lets the manager update a weaker user and the admin update the stronger one', async () => {
    await callFunction(t.deps, 'core_user_update_users', 'manager', {
      users: [{ id: t.ids.student, firstname: 'Sammy' }],
    });
    expect((await row('student'))?.firstname).toBe('Sammy');
    await callFunction(t.deps, 'core_user_update_users', 'admin', {
      users: [{ id: t.ids.teacher, firstname: 'Terry' }],
    });
    expect((await row('teacher'))?.firstname).toBe('Terry');
  });
});
