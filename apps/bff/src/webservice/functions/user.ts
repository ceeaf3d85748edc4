import { AUTH_METHODS, cleanScalar, multiple, passwordSchema, single, value } from '@gatehouse/shared';
import { withWrite } from '../../db/write';
import { endUserSessionsIn } from '../../features/auth/sessions';
import { assertNotStronger } from '../../features/roles/escalation';
import {
  activeUsersBy,
  findUser,
  insertUser,
  type UserRow,
  updateUserRow,
  userIdByUsername,
} from '../../features/users/users.repo';
import { deleteUserIn } from '../../features/users/users.service';
import { DomainError } from '../../lib/errors';
import { generatePassword, hashPassword } from '../../lib/password';
import { invalidParameter, MoodleException, missingRecord, moodleError } from '../exceptions';
import { always, type CallContext, defineFunction, perRecord } from '../types';
import { actorOf, fullname, profileImageUrl } from './common';

type Auth = (typeof AUTH_METHODS)[number];

function checkAuth(auth: string): Auth {
  if (!(AUTH_METHODS as readonly string[]).includes(auth)) {
    throw moodleError('invalidauth', `Invalid authentication type: ${auth} (use ${AUTH_METHODS.join(', ')})`);
  }
  return auth as Auth;
}

function checkPassword(password: string): void {
  const r = passwordSchema.safeParse(password);
  if (!r.success)
    throw moodleError('invalidpassword', `Invalid password: ${r.error.issues[0]?.message ?? 'not allowed'}`);
}

function checkName(v: string, field: 'firstname' | 'lastname'): string {
  const t = v.trim();
  if (!t) throw moodleError(`missing${field}`, field === 'firstname' ? 'Missing first name' : 'Missing last name');
  if (t.length > 100) throw moodleError('invalidparameter', `The ${field} is longer than 100 characters`);
  return t;
}

function checkEmail(v: string): string {
  const t = v.trim();
  if (!t) throw moodleError('missingemail', 'Missing email address');
  if (t.length > 254) throw moodleError('invalidemail', `Invalid email address: ${t}`);
  return t;
}

function checkUsername(v: string): string {
  if (!v) throw moodleError('invalidusername', 'The username is empty');
  if (v.length > 100) throw moodleError('invalidusername', 'The username is longer than 100 characters');
  return v;
}

async function usernameTaken(ctx: CallContext, username: string, exceptId?: number): Promise<boolean> {
  const id = await userIdByUsername(ctx.deps.store.db, username);
  return id !== undefined && id !== exceptId;
}

// ---- core_user_create_users ------------------------------------------------------------------

/**
 * user/externallib.php create_users(): `throw new invalid_parameter_exception('Username already
 * exists: '.$user['username'])`, also for the second of two equal usernames in one call (Moodle
 * has created the first by then).
 */
const usernameExists = (username: string) => invalidParameter(`Username already exists: ${username}`);

/** A user of the call, checked: to be created with a hash of `password`. */
interface NewUser {
  username: string;
  auth: Auth;
  password: string;
  firstname: string;
  lastname: string;
  email: string;
  suspended: boolean;
}

const createUsers = defineFunction({
  name: 'core_user_create_users',
  component: 'core_user',
  description: 'Create users. All users of the call are created, or none of them.',
  type: 'write',
  capabilities: [always('moodle/user:create', 'Create users')],
  example: {
    users: [
      {
        username: 'jdoe',
        password: 'Secret-pass-1',
        firstname: 'Jane',
        lastname: 'Doe',
        email: 'jane.doe@example.com',
      },
    ],
  },
  parameters: single({
    users: multiple(
      single({
        createpassword: value('bool', 'True if password should be created (a random one that nobody knows).', {
          optional: true,
        }),
        username: value('username', 'Username policy is defined in Moodle security config.'),
        auth: value('plugin', 'Auth plugins include manual, nologin, webservice', { default: 'manual' }),
        password: value('raw', 'Plain text password consisting of any characters', { optional: true }),
        firstname: value('notags', 'The first name(s) of the user'),
        lastname: value('notags', 'The family name of the user'),
        email: value('email', 'A valid and unique email address'),
        suspended: value('bool', 'Suspend user account, either false to enable user login or true to disable it', {
          optional: true,
        }),
      }),
    ),
  }),
  returns: multiple(
    single({
      id: value('int', 'user id'),
      username: value('raw', 'user name'),
    }),
  ),
  async execute(ctx, { users: list }) {
    const seen = new Set<string>();
    const prepared: NewUser[] = [];
    for (const u of list) {
      const username = checkUsername(u.username);
      if (seen.has(username) || (await usernameTaken(ctx, username))) throw usernameExists(username);
      seen.add(username);
      const auth = checkAuth(u.auth);
      if (u.password === undefined || u.password === '') {
        if (!u.createpassword) {
          throw moodleError('invalidpassword', 'Invalid password: you must provide a password, or set createpassword.');
        }
      } else {
        checkPassword(u.password);
      }
      prepared.push({
        username,
        auth,
        password: u.password || generatePassword(),
        firstname: checkName(u.firstname, 'firstname'),
        lastname: checkName(u.lastname, 'lastname'),
        email: checkEmail(u.email),
        suspended: u.suspended ?? false,
      });
    }
    if (!prepared.length) return [];
    const hashes = await Promise.all(prepared.map((p) => hashPassword(p.password)));
    const now = ctx.now;
    const actor = actorOf(ctx);
    return withWrite(ctx.deps, async (tx, w) => {
      const created: { id: number; username: string }[] = [];
      for (const [i, { password: _p, ...fields }] of prepared.entries()) {
        // Checked again inside the write: another call may have taken the name while the passwords were hashed.
        if ((await userIdByUsername(tx, fields.username)) !== undefined) throw usernameExists(fields.username);
        const row = await insertUser(tx, {
          ...fields,
          passwordHash: hashes[i] as string,
          timecreated: now,
          timemodified: now,
        });
        w.audit(actor, {
          action: 'user.create',
          targetType: 'user',
          targetId: row.id,
          summary: `Created user ${row.username} (web service)`,
          details: { ...fields },
        });
        w.invalidate({ kind: 'user', id: row.id });
        created.push({ id: row.id, username: row.username });
      }
      return created;
    });
  },
});

// ---- core_user_get_users_by_field ------------------------------------------------------------

/** Moodle's coding_exception($hint, $debuginfo): lang/en/debug.php codingerror. */
const codingError = (hint: string, debuginfo: string) =>
  new MoodleException(
    'coding_exception',
    'codingerror',
    `Coding error detected, it must be fixed by a programmer: ${hint}`,
    debuginfo,
  );

const SEARCH_FIELDS = ['id', 'idnumber', 'username', 'email'] as const;
type SearchField = (typeof SEARCH_FIELDS)[number];

function cleanSearchValues(field: SearchField, values: string[]): (string | number)[] {
  return values.map((v) => {
    const type = field === 'id' ? 'int' : field === 'username' ? 'username' : field === 'email' ? 'email' : 'raw';
    const cleaned = cleanScalar(type, field === 'username' ? v.toLowerCase() : v);
    if (cleaned === undefined || (field === 'username' && cleaned !== v)) {
      throw invalidParameter(`The field '${field}' value is invalid: ${v}`);
    }
    return cleaned as string | number;
  });
}

const userDescription = single({
  id: value('int', 'ID of the user'),
  username: value('raw', 'The username', { optional: true }),
  firstname: value('raw', 'The first name(s) of the user', { optional: true }),
  lastname: value('raw', 'The family name of the user', { optional: true }),
  fullname: value('raw', 'The fullname of the user'),
  email: value('text', 'An email address - allow email as root@localhost', { optional: true }),
  auth: value('plugin', 'Auth plugins include manual, nologin, webservice', { optional: true }),
  suspended: value('bool', 'Suspend user account, either false to enable user login or true to disable it', {
    optional: true,
  }),
  confirmed: value('bool', 'Active user: 1 if confirmed, 0 otherwise', { optional: true }),
  lang: value('lang', 'Language code such as "en", must exist on server', { optional: true }),
  firstaccess: value('int', 'first access to the site (0 if never)', { optional: true }),
  lastaccess: value('int', 'last access to the site (0 if never)', { optional: true }),
  profileimageurlsmall: value('url', 'User image profile URL - small version'),
  profileimageurl: value('url', 'User image profile URL - big version'),
});

const getUsersByField = defineFunction({
  name: 'core_user_get_users_by_field',
  component: 'core_user',
  description:
    "Retrieve users' information for a specified unique field. Deleted users are left out; emails match exactly, as stored. Without moodle/user:viewdetails a user may only look themselves up, and gets only their own record.",
  type: 'read',
  capabilities: [perRecord('moodle/user:viewdetails', "for other users' records")],
  example: { field: 'username', values: ['student'] },
  services: ['moodle_mobile_app'],
  parameters: single({
    field: value('alpha', "the search field can be 'id' or 'idnumber' or 'username' or 'email'"),
    values: multiple(value('raw', 'the value to match')),
  }),
  returns: multiple(userDescription),
  async execute(ctx, { field, values }) {
    if (!(SEARCH_FIELDS as readonly string[]).includes(field)) {
      // user/externallib.php get_users_by_field(): throw new coding_exception('invalid field parameter', …).
      throw codingError(
        'invalid field parameter',
        `The search field '${field}' is not supported, look at the web service documentation`,
      );
    }
    const f = field as SearchField;
    const cleaned = cleanSearchValues(f, values);
    const me = ctx.user;
    // Moodle's user_get_user_details gives nothing about another user to a caller without
    // moodle/user:viewdetails (get_users_by_field then leaves that user out). Gatehouse says so:
    // asking for anybody but oneself needs the capability, and whatever the values matched,
    // only the caller's own record comes back (two accounts may share an address).
    const seesOthers = ctx.hasCapability('moodle/user:viewdetails');
    if (!seesOthers) {
      const self = (v: string | number) =>
        (f === 'id' && v === me.id) || (f === 'username' && v === me.username) || (f === 'email' && v === me.email);
      if (!cleaned.every(self)) ctx.requireCapability('moodle/user:viewdetails', 'View user profiles');
    }
    // Gatehouse users have no ID number: a search by idnumber finds nobody.
    if (f === 'idnumber' || !cleaned.length) return [];
    // By email, an exact match, as Moodle's $DB->get_records_list('user', 'email', ...) on
    // PostgreSQL: Student@Example.com and student@example.com are two addresses.
    let rows = await activeUsersBy(
      ctx.deps.store.db,
      f === 'id' ? { field: f, values: cleaned as number[] } : { field: f, values: cleaned as string[] },
    );
    if (!seesOthers) rows = rows.filter((u) => u.id === me.id);
    return rows.map((u) => ({
      id: u.id,
      username: u.username,
      firstname: u.firstname,
      lastname: u.lastname,
      fullname: fullname(u),
      email: u.email,
      auth: u.auth,
      suspended: u.suspended,
      confirmed: u.confirmed,
      lang: 'en',
      firstaccess: u.timecreated,
      lastaccess: u.lastlogin ?? 0,
      profileimageurlsmall: profileImageUrl(ctx, u.id, 'f2'),
      profileimageurl: profileImageUrl(ctx, u.id, 'f1'),
    }));
  },
});

// ---- core_user_update_users ------------------------------------------------------------------

/** What core_user_update_users changes of a user (a new password aside). */
type UserPatch = Partial<Pick<UserRow, 'username' | 'auth' | 'suspended' | 'firstname' | 'lastname' | 'email'>>;

const updateUsers = defineFunction({
  name: 'core_user_update_users',
  component: 'core_user',
  description:
    'Update users. Site administrators can only be edited by site administrators; deleted, protected and guest users cannot be edited. All users of the call are updated, or none of them.',
  type: 'write',
  capabilities: [always('moodle/user:update', 'Update user profiles')],
  example: { users: [{ id: 5, firstname: 'Samuel' }] },
  parameters: single({
    users: multiple(
      single({
        id: value('int', 'ID of the user'),
        username: value('username', 'Username policy is defined in Moodle security config.', { optional: true }),
        auth: value('plugin', 'Auth plugins include manual, nologin, webservice', { optional: true }),
        suspended: value('bool', 'Suspend user account, either false to enable user login or true to disable it', {
          optional: true,
        }),
        password: value('raw', 'Plain text password consisting of any characters', { optional: true }),
        firstname: value('notags', 'The first name(s) of the user', { optional: true }),
        lastname: value('notags', 'The family name of the user', { optional: true }),
        email: value('email', 'A valid and unique email address', { optional: true }),
      }),
    ),
  }),
  returns: null,
  async execute(ctx, { users: list }) {
    const seenIds = new Set<number>();
    const plans: { existing: UserRow; patch: UserPatch; password: string | undefined }[] = [];
    for (const u of list) {
      if (seenIds.has(u.id)) throw invalidParameter(`User ${u.id} appears twice in the call`);
      seenIds.add(u.id);
      const existing = await findUser(ctx.deps.store.db, u.id);
      if (!existing) throw missingRecord('user', `No user with id ${u.id}`);
      if (existing.deleted) throw moodleError('userdeleted', `This user account has been deleted: ${u.id}`);
      if (existing.protected)
        throw moodleError('protecteduser', `This user is protected and cannot be modified: ${existing.username}`);
      if (existing.isGuest) throw moodleError('guestnoeditprofile', 'The guest user account cannot be edited');
      if (existing.siteAdmin && !ctx.user.siteAdmin) {
        throw moodleError(
          'usernotupdatedadmin',
          `Only site administrators can update a site administrator: ${existing.username}`,
        );
      }
      // The console's rule: nobody takes over (renames, re-passwords, suspends) a stronger user.
      try {
        assertNotStronger(ctx.deps, ctx.user, existing, 'change');
      } catch (e) {
        if (e instanceof DomainError) throw moodleError('nopermissions', e.message);
        throw e;
      }
      const patch: UserPatch = {};
      if (u.username !== undefined && u.username !== existing.username) {
        const username = checkUsername(u.username);
        if (await usernameTaken(ctx, username, u.id))
          throw moodleError('usernameexists', `Username already exists: ${username}`);
        patch.username = username;
      }
      if (u.auth !== undefined) patch.auth = checkAuth(u.auth);
      if (u.suspended !== undefined) patch.suspended = u.suspended;
      if (u.firstname !== undefined) patch.firstname = checkName(u.firstname, 'firstname');
      if (u.lastname !== undefined) patch.lastname = checkName(u.lastname, 'lastname');
      if (u.email !== undefined) patch.email = checkEmail(u.email);
      if (u.password !== undefined) checkPassword(u.password);
      if (existing.id === ctx.user.id) {
        if (patch.suspended) throw moodleError('cannotsuspendself', 'You cannot suspend yourself');
        if (patch.auth === 'nologin')
          throw moodleError('cannotlockself', 'You cannot set your own authentication to No login');
      }
      plans.push({ existing, patch, password: u.password });
    }
    const usernames = plans.map((p) => p.patch.username).filter((n): n is string => n !== undefined);
    if (new Set(usernames).size !== usernames.length)
      throw moodleError('usernameexists', 'Two users of the call get the same username');
    const hashes = await Promise.all(
      plans.map((p) => (p.password !== undefined ? hashPassword(p.password) : undefined)),
    );
    const actor = actorOf(ctx);
    await withWrite(ctx.deps, async (tx, w) => {
      for (const [i, { existing, patch }] of plans.entries()) {
        const changed = Object.fromEntries(
          Object.entries(patch).filter(([k, v]) => existing[k as keyof UserRow] !== v),
        ) as typeof patch;
        const passwordHash = hashes[i];
        if (!Object.keys(changed).length && !passwordHash) continue;
        if (changed.username && (await userIdByUsername(tx, changed.username)) !== undefined) {
          throw moodleError('usernameexists', `Username already exists: ${changed.username}`);
        }
        await updateUserRow(tx, existing.id, {
          ...changed,
          ...(passwordHash ? { passwordHash } : {}),
          timemodified: ctx.now,
        });
        if (passwordHash || changed.suspended || changed.auth === 'nologin') await endUserSessionsIn(tx, existing.id);
        const fields = Object.keys(changed);
        if (passwordHash) fields.push('password');
        w.audit(actor, {
          action: 'user.update',
          targetType: 'user',
          targetId: existing.id,
          summary: `Updated user ${changed.username ?? existing.username} (web service): ${fields.join(', ')}`,
          details: { changed },
        });
        w.invalidate({ kind: 'user', id: existing.id });
      }
    });
    return null;
  },
});

// ---- core_user_delete_users ------------------------------------------------------------------

/** The console's rules for deleting users, reported as Moodle reports them. */
function deleteError(e: DomainError): MoodleException {
  switch (e.code) {
    case 'notfound':
    case 'deleted':
      return missingRecord('user', e.message);
    case 'siteadmin':
      return moodleError('useradminodelete', 'Administrator accounts cannot be deleted');
    case 'self':
      return moodleError('usernotdeletederror', 'You cannot delete yourself');
    case 'guest':
      return moodleError('guestnodeleteaccount', 'The guest account cannot be deleted');
    case 'protected':
      return moodleError('protecteduser', e.message);
    case 'forbidden':
      return moodleError('nopermissions', e.message);
    default:
      return moodleError(e.code, e.message);
  }
}

const deleteUsers = defineFunction({
  name: 'core_user_delete_users',
  component: 'core_user',
  description:
    'Delete users. The users are marked deleted, as the console does, and lose their sessions and roles. Site administrators, yourself, the guest account and protected users cannot be deleted. All users of the call are deleted, or none of them.',
  type: 'write',
  capabilities: [always('moodle/user:delete', 'Delete users')],
  example: { userids: [6] },
  parameters: single({
    userids: multiple(value('int', 'user ID')),
  }),
  returns: null,
  async execute(ctx, { userids }) {
    const actor = actorOf(ctx);
    try {
      // One write for every user of the call: one refused user undoes the whole call.
      await withWrite(ctx.deps, async (tx, w) => {
        for (const id of new Set(userids)) await deleteUserIn(tx, w, ctx.deps, id, actor, ctx.user);
      });
    } catch (e) {
      if (e instanceof DomainError) throw deleteError(e);
      throw e;
    }
    return null;
  },
});

export const USER_FUNCTIONS = [createUsers, getUsersByField, updateUsers, deleteUsers];
