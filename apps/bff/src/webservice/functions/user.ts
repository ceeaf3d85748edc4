import { AUTH_METHODS, cleanScalar, type Infer, multiple, passwordSchema, single, value } from '@gatehouse/shared';
import { withWrite } from '../../db/write';
import { endUserSessionsIn } from '../../features/auth/sessions';
import { assertNotStronger } from '../../features/roles/escalation';
import {
  activeUsersBy,
  findUser,
  insertUser,
  type NewUserRow,
  preferencesOf,
  setPreference,
  type UserRow,
  updateUserRow,
  userIdByUsername,
} from '../../features/users/users.repo';
import { deleteUserIn } from '../../features/users/users.service';
import { DomainError } from '../../lib/errors';
import { generatePassword, hashPassword } from '../../lib/password';
import { invalidParameter, MoodleException, missingRecord, moodleError } from '../exceptions';
import { always, type CallContext, defineFunction, perRecord } from '../types';
import { actorOf, externalWarnings } from './common';
import { userDescription, userDetails, viewerOf } from './user-description';

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

// ---- the profile fields of create_users and update_users ----------------------------------------

/** lib/moodlelib.php clean_param(PARAM_TIMEZONE): a UTC offset, 99 (the server's) or a zone name. */
const TIMEZONE = /^(([+-]?(0?[0-9](\.[5|0])?|1[0-3](\.0)?|1[0-2]\.5))|(99)|[A-Za-z0-9]+(\/?[A-Za-z_-])+)$/;
/** The languages installed: Gatehouse speaks English only. */
const LANGS = new Set(['en']);
/** The themes a user may pick (Moodle 4.5's standard themes). */
const THEMES = new Set(['boost', 'classic']);
/** user_preferences.name is char(255), value char(1333) (set_user_preference refuses longer values). */
const PREF_NAME_MAX = 255;
const PREF_VALUE_MAX = 1333;

/**
 * What validate_parameters answers when cleaning changes a value: the type names a PARAM_* that
 * cleans a value to '' unless it is installed (lang, theme) or well formed (timezone).
 */
const paramMismatch = (path: (string | number)[], v: string, type: string) =>
  invalidParameter(
    `${path.join(' => ')}: Invalid external api parameter: the value is "${v}", the server was expecting "${type}" type`,
  );

/** The optional profile fields of both functions, in Moodle's order (create_users' $userfields). */
const profileKeys = {
  maildisplay: value('int', 'Email display', { optional: true }),
  city: value('notags', 'Home city of the user', { optional: true }),
  country: value('alpha', 'Home country code of the user, such as AU or CZ', { optional: true }),
  timezone: value('raw', 'Timezone code such as Australia/Perth, or 99 for default (PARAM_TIMEZONE)', {
    optional: true,
  }),
  description: value('raw', 'User profile description, no HTML', { optional: true }),
};
const nameKeys = {
  firstnamephonetic: value('notags', 'The first name(s) phonetically of the user', { optional: true }),
  lastnamephonetic: value('notags', 'The family name phonetically of the user', { optional: true }),
  middlename: value('notags', 'The middle name of the user', { optional: true }),
  alternatename: value('notags', 'The alternate name of the user', { optional: true }),
  interests: value(
    'text',
    'User interests (separated by commas). Accepted and ignored: Gatehouse has no tags (as Moodle with usetags off).',
    { optional: true },
  ),
};
const customfieldsKey = multiple(
  single({
    type: value('alphanumext', 'The name of the custom field'),
    value: value('raw', 'The value of the custom field'),
  }),
  'User custom fields (also known as user profil fields). Accepted and ignored: Gatehouse has no custom profile fields.',
  { optional: true },
);
const preferencesKey = multiple(
  single({
    type: value('raw', 'The name of the preference'),
    value: value('raw', 'The value of the preference'),
  }),
  'User preferences',
  { optional: true },
);

/** The profile fields a call sent for one user (both functions' shape). */
interface ProfileInput {
  maildisplay?: number;
  city?: string;
  country?: string;
  timezone?: string;
  description?: string;
  firstnamephonetic?: string;
  lastnamephonetic?: string;
  middlename?: string;
  alternatename?: string;
  idnumber?: string;
  institution?: string;
  department?: string;
  phone1?: string;
  phone2?: string;
  address?: string;
  lang?: string;
  calendartype?: string;
  theme?: string;
  mailformat?: number;
  preferences?: { type: string; value: string }[];
}

const PROFILE_COLUMNS = [
  'maildisplay',
  'city',
  'country',
  'timezone',
  'description',
  'firstnamephonetic',
  'lastnamephonetic',
  'middlename',
  'alternatename',
  'idnumber',
  'institution',
  'department',
  'phone1',
  'phone2',
  'address',
  'lang',
  'calendartype',
  'theme',
  'mailformat',
] as const;
type ProfilePatch = Partial<Pick<UserRow, (typeof PROFILE_COLUMNS)[number]>>;

/**
 * The stored columns of the profile fields sent, checked as Moodle checks them (validate_parameters
 * for lang, theme and timezone, whose PARAM_* cleaning gives '' for anything not installed or not
 * well formed), and the preferences, checked against the table's limits.
 */
function checkProfile(
  u: ProfileInput,
  index: number,
): { patch: ProfilePatch; preferences: { name: string; value: string }[] } {
  const at = (key: string) => ['users', index, key];
  if (u.lang !== undefined && !LANGS.has(u.lang)) throw paramMismatch(at('lang'), u.lang, 'lang');
  if (u.theme !== undefined && u.theme !== '' && !THEMES.has(u.theme))
    throw paramMismatch(at('theme'), u.theme, 'theme');
  if (u.timezone !== undefined && u.timezone !== '' && !TIMEZONE.test(u.timezone))
    throw paramMismatch(at('timezone'), u.timezone, 'timezone');
  const patch: ProfilePatch = {};
  for (const key of PROFILE_COLUMNS) {
    const v = u[key];
    if (v !== undefined) (patch as Record<string, unknown>)[key] = v;
  }
  const preferences = (u.preferences ?? []).map((p, i) => {
    if (!p.type || p.type.length > PREF_NAME_MAX)
      throw invalidParameter(
        `users => ${index} => preferences => ${i} => type: a preference name has 1 to 255 characters`,
      );
    if (p.value.length > PREF_VALUE_MAX)
      throw invalidParameter(
        `users => ${index} => preferences => ${i} => value: Invalid value in set_user_pref() call, value is is too long for the value column`,
      );
    return { name: p.type, value: p.value };
  });
  return { patch, preferences };
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
  fields: Omit<NewUserRow, 'passwordHash'>;
  password: string;
  preferences: { name: string; value: string }[];
}

const createUsers = defineFunction({
  name: 'core_user_create_users',
  component: 'core_user',
  description:
    'Create users. All users of the call are created, or none of them. Every Moodle 4.5 field is accepted and stored, preferences included; interests and customfields are accepted and ignored (Gatehouse has no tags and no custom profile fields). The only language is "en", the themes are boost and classic. Gatehouse also accepts suspended, which Moodle\'s create_users does not.',
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
        city: 'Perth',
        country: 'AU',
        timezone: 'Australia/Perth',
        preferences: [{ type: 'htmleditor', value: 'tiny' }],
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
        ...profileKeys,
        ...nameKeys,
        idnumber: value('raw', 'An arbitrary ID code number perhaps from the institution', { default: '' }),
        institution: value('notags', 'institution', { optional: true }),
        department: value('notags', 'department', { optional: true }),
        phone1: value('notags', 'Phone 1', { optional: true }),
        phone2: value('notags', 'Phone 2', { optional: true }),
        address: value('text', 'Postal address', { optional: true }),
        lang: value('lang', 'Language code such as "en", must exist on server', { default: 'en' }),
        calendartype: value('plugin', 'Calendar type such as "gregorian", must exist on server', {
          default: 'gregorian',
        }),
        theme: value('alphanumext', 'Theme name such as "standard", must exist on server', { optional: true }),
        mailformat: value('int', 'Mail format code is 0 for plain text, 1 for HTML etc', { optional: true }),
        customfields: customfieldsKey,
        preferences: preferencesKey,
        suspended: value(
          'bool',
          'Suspend user account, either false to enable user login or true to disable it (Gatehouse only: Moodle does not take it here)',
          { optional: true },
        ),
      }),
    ),
  }),
  returns: multiple(
    single({
      id: value('int', 'user id'),
      username: value('username', 'user name'),
    }),
  ),
  async execute(ctx, { users: list }) {
    const seen = new Set<string>();
    const prepared: NewUser[] = [];
    for (const [index, u] of list.entries()) {
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
      const { patch, preferences } = checkProfile(u, index);
      prepared.push({
        fields: {
          username,
          auth,
          firstname: checkName(u.firstname, 'firstname'),
          lastname: checkName(u.lastname, 'lastname'),
          email: checkEmail(u.email),
          suspended: u.suspended ?? false,
          ...patch,
        },
        password: u.password || generatePassword(),
        preferences,
      });
    }
    if (!prepared.length) return [];
    const hashes = await Promise.all(prepared.map((p) => hashPassword(p.password)));
    const now = ctx.now;
    const actor = actorOf(ctx);
    return withWrite(ctx.deps, async (tx, w) => {
      const created: { id: number; username: string }[] = [];
      for (const [i, { fields, preferences }] of prepared.entries()) {
        // Checked again inside the write: another call may have taken the name while the passwords were hashed.
        if ((await userIdByUsername(tx, fields.username)) !== undefined) throw usernameExists(fields.username);
        const row = await insertUser(tx, {
          ...fields,
          passwordHash: hashes[i] as string,
          timecreated: now,
          timemodified: now,
        });
        for (const p of preferences) await setPreference(tx, row.id, p.name, p.value);
        w.audit(actor, {
          action: 'user.create',
          targetType: 'user',
          targetId: row.id,
          summary: `Created user ${row.username} (web service)`,
          details: { ...fields, ...(preferences.length ? { preferences: preferences.map((p) => p.name) } : {}) },
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

const getUsersByField = defineFunction({
  name: 'core_user_get_users_by_field',
  component: 'core_user',
  description:
    "Retrieve users' information for a specified unique field. Deleted users are left out; emails match exactly, as stored; an empty ID number matches nobody. Without moodle/user:viewdetails a user may only look themselves up, and gets only their own record. Which keys are sent follows Moodle's user_get_user_details: preferences only for yourself; username, auth, lang, theme, timezone, mailformat, ID number, institution and department for yourself and holders of moodle/user:viewdetails; address and phones for administrators; city, country, ID number and institution only when set.",
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
        (f === 'id' && v === me.id) ||
        (f === 'username' && v === me.username) ||
        (f === 'email' && v === me.email) ||
        (f === 'idnumber' && v === me.idnumber);
      if (!cleaned.every(self)) ctx.requireCapability('moodle/user:viewdetails', 'View user profiles');
    }
    // An empty ID number is every user's who has none: it identifies nobody.
    const wanted = f === 'idnumber' ? cleaned.filter((v) => v !== '') : cleaned;
    if (!wanted.length) return [];
    // By email, an exact match, as Moodle's $DB->get_records_list('user', 'email', ...) on
    // PostgreSQL: Student@Example.com and student@example.com are two addresses.
    let rows = await activeUsersBy(
      ctx.deps.store.db,
      f === 'id' ? { field: f, values: wanted as number[] } : { field: f, values: wanted as string[] },
    );
    if (!seesOthers) rows = rows.filter((u) => u.id === me.id);
    const viewer = viewerOf(ctx);
    const out: Record<string, unknown>[] = [];
    for (const u of rows) {
      const preferences = u.id === me.id ? await preferencesOf(ctx.deps.store.db, u.id) : undefined;
      out.push(userDetails(viewer, u, preferences ? { preferences } : {}));
    }
    // The keys the caller may see, cleaned against user_description() by the call pipeline.
    return out as unknown as Infer<typeof userDescription>[];
  },
});

// ---- core_user_update_users ------------------------------------------------------------------

/** What core_user_update_users changes of a user (a new password aside). */
type UserPatch = Partial<Pick<UserRow, 'username' | 'auth' | 'suspended' | 'firstname' | 'lastname' | 'email'>> &
  ProfilePatch;

/** external_warnings(): one per user that was not updated. */
const warnings = externalWarnings();

/**
 * Moodle 4.x's refusals, as update_users throws them inside its per-user try: moodle_exception
 * (errorcode, '' → module 'error'), whose message is lang/en/error.php's string, or
 * "error/<errorcode>" where error.php has none (usernotupdateddeleted, usernotupdatedguest).
 */
const notUpdated = {
  invaliduserid: () => moodleError('invaliduserid', 'Invalid user id', 'Invalid user ID'),
  admin: () => moodleError('usernotupdatedadmin', 'Cannot update admin accounts', 'Cannot update admin accounts'),
  deleted: () => moodleError('usernotupdateddeleted', 'error/usernotupdateddeleted', 'User is a deleted user'),
  guest: () => moodleError('usernotupdatedguest', 'error/usernotupdatedguest', 'Cannot update guest account'),
  usernameexists: (username: string) =>
    moodleError(
      'usernameexists',
      'This username already exists, choose another',
      `Username already exists: ${username}`,
    ),
};

interface UpdateInput extends ProfileInput {
  id: number;
  username?: string;
  auth?: string;
  suspended?: boolean;
  password?: string;
  firstname?: string;
  lastname?: string;
  email?: string;
}

/** One user's update, checked: what changes, the new password if any, the preferences to set. */
async function planUpdate(
  ctx: CallContext,
  u: UpdateInput,
  checked: ReturnType<typeof checkProfile>,
): Promise<{ existing: UserRow; patch: UserPatch; password?: string; preferences: { name: string; value: string }[] }> {
  const existing = await findUser(ctx.deps.store.db, u.id);
  if (!existing) throw notUpdated.invaliduserid();
  if (existing.id !== ctx.user.id && existing.siteAdmin && !ctx.user.siteAdmin) throw notUpdated.admin();
  if (existing.deleted) throw notUpdated.deleted();
  if (existing.isGuest) throw notUpdated.guest();
  if (existing.protected)
    throw moodleError('protecteduser', `This user is protected and cannot be modified: ${existing.username}`);
  // The console's rule: nobody takes over (renames, re-passwords, suspends) a stronger user.
  try {
    assertNotStronger(ctx.deps, ctx.user, existing, 'change');
  } catch (e) {
    if (e instanceof DomainError) throw moodleError('nopermissions', e.message);
    throw e;
  }
  const { patch: profile, preferences } = checked;
  const patch: UserPatch = { ...profile };
  if (u.username !== undefined && u.username !== existing.username) {
    const username = checkUsername(u.username);
    if (await usernameTaken(ctx, username, u.id)) throw notUpdated.usernameexists(username);
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
  return { existing, patch, ...(u.password !== undefined ? { password: u.password } : {}), preferences };
}

const updateUsers = defineFunction({
  name: 'core_user_update_users',
  component: 'core_user',
  description:
    "Update users. Each user is updated on their own, as Moodle 4.x does: a user that cannot be updated is reported in warnings (item 'user', itemid, warningcode, message) and the others are still updated. Warning codes: invaliduserid, usernotupdatedadmin (only site administrators update site administrators), usernotupdateddeleted, usernotupdatedguest, usernameexists, and Gatehouse's own protecteduser, nopermissions (a stronger user), cannotsuspendself, cannotlockself, invalidpassword, invalidauth, missingfirstname, missinglastname, missingemail. Every Moodle 4.5 field is accepted and stored, preferences included; userpicture is accepted and ignored (as Moodle with disableuserimages on), and so are interests and customfields (no tags, no custom profile fields).",
  type: 'write',
  capabilities: [always('moodle/user:update', 'Update user profiles')],
  example: {
    users: [{ id: 5, firstname: 'Samuel', city: 'Perth', preferences: [{ type: 'htmleditor', value: 'tiny' }] }],
  },
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
        ...profileKeys,
        userpicture: value(
          'int',
          'The itemid where the new user picture has been uploaded to, 0 to delete. Accepted and ignored: Gatehouse has no user pictures (as Moodle with disableuserimages on).',
          { optional: true },
        ),
        ...nameKeys,
        idnumber: value('raw', 'An arbitrary ID code number perhaps from the institution', { optional: true }),
        institution: value('notags', 'Institution', { optional: true }),
        department: value('notags', 'Department', { optional: true }),
        phone1: value('notags', 'Phone', { optional: true }),
        phone2: value('notags', 'Mobile phone', { optional: true }),
        address: value('text', 'Postal address', { optional: true }),
        lang: value('lang', 'Language code such as "en", must exist on server', { optional: true }),
        calendartype: value('plugin', 'Calendar type such as "gregorian", must exist on server', { optional: true }),
        theme: value('alphanumext', 'Theme name such as "standard", must exist on server', { optional: true }),
        mailformat: value('int', 'Mail format code is 0 for plain text, 1 for HTML etc', { optional: true }),
        customfields: customfieldsKey,
        preferences: preferencesKey,
      }),
    ),
  }),
  returns: single({ warnings }),
  async execute(ctx, { users: list }) {
    const actor = actorOf(ctx);
    // What validate_parameters refuses (lang, theme, timezone, preferences) fails the whole call
    // before any user is updated.
    const profiles = list.map((u, index) => checkProfile(u, index));
    const out: { item: string; itemid: number; warningcode: string; message: string }[] = [];
    for (const [index, u] of list.entries()) {
      // Moodle: one delegated transaction per user, its exception caught and turned into a warning.
      try {
        const { existing, patch, password, preferences } = await planUpdate(
          ctx,
          u,
          profiles[index] as ReturnType<typeof checkProfile>,
        );
        const passwordHash = password !== undefined ? await hashPassword(password) : undefined;
        await withWrite(ctx.deps, async (tx, w) => {
          const current = (await findUser(tx, existing.id)) ?? existing;
          const changed = Object.fromEntries(
            Object.entries(patch).filter(([k, v]) => current[k as keyof UserRow] !== v),
          ) as UserPatch;
          if (changed.username && (await userIdByUsername(tx, changed.username)) !== undefined) {
            throw notUpdated.usernameexists(changed.username);
          }
          for (const p of preferences) await setPreference(tx, existing.id, p.name, p.value);
          if (!Object.keys(changed).length && !passwordHash) {
            if (preferences.length) w.invalidate({ kind: 'user', id: existing.id });
            return;
          }
          await updateUserRow(tx, existing.id, {
            ...changed,
            ...(passwordHash ? { passwordHash } : {}),
            timemodified: ctx.now,
          });
          if (passwordHash || changed.suspended || changed.auth === 'nologin') await endUserSessionsIn(tx, existing.id);
          const fields: string[] = Object.keys(changed);
          if (passwordHash) fields.push('password');
          w.audit(actor, {
            action: 'user.update',
            targetType: 'user',
            targetId: existing.id,
            summary: `Updated user ${changed.username ?? existing.username} (web service): ${fields.join(', ')}`,
            details: { changed, ...(preferences.length ? { preferences: preferences.map((p) => p.name) } : {}) },
          });
          w.invalidate({ kind: 'user', id: existing.id });
        });
      } catch (e) {
        const err = e instanceof DomainError ? moodleError(e.code, e.message) : e;
        if (!(err instanceof MoodleException)) throw err;
        out.push({ item: 'user', itemid: u.id, warningcode: err.errorcode, message: err.message });
      }
    }
    return { warnings: out };
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

// ---- core_user_get_user_preferences ----------------------------------------------------------

const getUserPreferences = defineFunction({
  name: 'core_user_get_user_preferences',
  component: 'core_user',
  description:
    "Return user preferences: all of them, or the one named (its value null when it is not set). Your own always; another user's need moodle/site:config, as in Moodle.",
  type: 'read',
  capabilities: [perRecord('moodle/site:config', "for another user's preferences")],
  example: { name: '', userid: 0 },
  services: ['moodle_mobile_app'],
  parameters: single({
    name: value('raw', 'preference name, empty for all', { default: '' }),
    userid: value('int', 'id of the user, default to current user', { default: 0 }),
  }),
  returns: single({
    preferences: multiple(
      single({
        name: value('raw', 'The name of the preference'),
        value: value('raw', 'The value of the preference', { allowNull: true }),
      }),
      'User custom fields (also known as user profile fields)',
    ),
    warnings,
  }),
  async execute(ctx, { name, userid }) {
    const db = ctx.deps.store.db;
    let user = ctx.user;
    if (userid) {
      const found = await findUser(db, userid);
      if (!found) throw missingRecord('user', `No user with id ${userid}`);
      // core_user::require_active_user().
      if (found.deleted) throw moodleError('userdeleted', 'This user account has been deleted');
      if (!found.confirmed) throw moodleError('usernotconfirmed', 'Could not confirm ');
      if (found.isGuest) throw moodleError('guestsarenotallowed', 'The guest user is not allowed to do this');
      if (found.id !== ctx.user.id) ctx.requireCapability('moodle/site:config', 'Change site configuration');
      user = found;
    }
    const all = await preferencesOf(db, user.id);
    const preferences = name
      ? [{ name, value: all.find((p) => p.name === name)?.value ?? null }]
      : all.map((p) => ({ name: p.name, value: p.value as string | null }));
    return { preferences, warnings: [] };
  },
});

export const USER_FUNCTIONS = [createUsers, getUsersByField, updateUsers, deleteUsers, getUserPreferences];
