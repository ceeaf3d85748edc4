import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userPreferences, users } from '../../db/schema';
import { SYSTEM_ACTOR } from '../../features/audit/audit.service';
import { addServiceFunctions, createService } from '../../features/services/services.service';
import { createAdminToken } from '../../features/tokens/tokens.service';
import { makeTestApp, serviceBody, type TestApp } from '../../test/helpers';
import { type CatalogueTest, callError, callFunction, makeCatalogueTest } from './test-helpers';

// Moodle 4.5's user fields on core_user_create_users / update_users / get_users_by_field
// (user/externallib.php), the preferences (user_preferences), update_users' per-user warnings,
// and core_user_get_user_preferences.

let t: CatalogueTest;
beforeAll(async () => {
  t = await makeCatalogueTest();
});
afterAll(() => t.close());

const row = async (username: string) =>
  (await t.deps.store.db.select().from(users).where(eq(users.username, username)).limit(1)).at(0);
const prefs = async (userId: number) =>
  await t.deps.store.db
    .select({ name: userPreferences.name, value: userPreferences.value })
    .from(userPreferences)
    .where(eq(userPreferences.userId, userId));

const FULL = {
  username: 'pat.full',
  password: 'Secret-pass-1',
  firstname: 'Pat',
  lastname: 'Full',
  email: 'pat.full@example.com',
  maildisplay: 1,
  city: 'Perth',
  country: 'AU',
  timezone: 'Australia/Perth',
  description: 'Likes <b>maps</b>',
  firstnamephonetic: 'Patt',
  lastnamephonetic: 'Fool',
  middlename: 'Q',
  alternatename: 'PQ',
  interests: 'maps, trains',
  idnumber: 'EMP-42',
  institution: 'Uni',
  department: 'Geography',
  phone1: '+61 8 1234',
  phone2: '0400 000',
  address: '1 Main St',
  lang: 'en',
  calendartype: 'gregorian',
  theme: 'boost',
  mailformat: 0,
  customfields: [{ type: 'shoesize', value: '42' }],
  preferences: [
    { type: 'htmleditor', value: 'tiny' },
    { type: 'auth_forcepasswordchange', value: '0' },
  ],
};

describe('core_user_create_users with every Moodle 4.5 field', () => {
  it('stores the profile fields and the preferences, and accepts customfields and interests', async () => {
    const [created] = await callFunction(t.deps, 'core_user_create_users', 'admin', { users: [FULL] });
    const u = await row('pat.full');
    expect(u).toMatchObject({
      id: created.id,
      maildisplay: 1,
      city: 'Perth',
      country: 'AU',
      timezone: 'Australia/Perth',
      description: 'Likes <b>maps</b>',
      descriptionformat: 1,
      firstnamephonetic: 'Patt',
      lastnamephonetic: 'Fool',
      middlename: 'Q',
      alternatename: 'PQ',
      idnumber: 'EMP-42',
      institution: 'Uni',
      department: 'Geography',
      phone1: '+61 8 1234',
      phone2: '0400 000',
      address: '1 Main St',
      lang: 'en',
      calendartype: 'gregorian',
      theme: 'boost',
      mailformat: 0,
    });
    expect((await prefs(created.id)).sort((a, b) => a.name.localeCompare(b.name))).toEqual([
      { name: 'auth_forcepasswordchange', value: '0' },
      { name: 'htmleditor', value: 'tiny' },
    ]);
  });

  it("fills Moodle's defaults: idnumber '', lang 'en', calendartype 'gregorian'", async () => {
    await callFunction(t.deps, 'core_user_create_users', 'admin', {
      users: [{ username: 'pat.min', createpassword: 1, firstname: 'Pat', lastname: 'Min', email: 'min@example.com' }],
    });
    expect(await row('pat.min')).toMatchObject({ idnumber: '', lang: 'en', calendartype: 'gregorian', timezone: '99' });
  });

  it.each([
    ['lang', 'fr', 'lang'],
    ['theme', 'nosuchtheme', 'theme'],
    ['timezone', 'Mars Olympus', 'timezone'],
  ])(
    'refuses %s %j as validate_parameters does (not installed / not well formed), and creates nobody',
    async (key, v, type) => {
      const e = await callError(t.deps, 'core_user_create_users', 'admin', {
        users: [
          { username: 'ok.first', createpassword: 1, firstname: 'O', lastname: 'K', email: 'ok@example.com' },
          {
            username: 'bad.second',
            createpassword: 1,
            firstname: 'B',
            lastname: 'S',
            email: 'b@example.com',
            [key]: v,
          },
        ],
      });
      // lib/external: clean_param(PARAM_LANG / PARAM_THEME / PARAM_TIMEZONE) gives '' for such a value.
      expect(e).toMatchObject({
        exception: 'invalid_parameter_exception',
        errorcode: 'invalidparameter',
        debuginfo: `users => 1 => ${key}: Invalid external api parameter: the value is "${v}", the server was expecting "${type}" type`,
      });
      expect(await row('ok.first')).toBeUndefined();
    },
  );

  it('accepts the forms PARAM_TIMEZONE accepts', async () => {
    const zones = ['99', '-5.5', '+10', 'America/Argentina/Buenos_Aires', 'UTC'];
    await callFunction(t.deps, 'core_user_create_users', 'admin', {
      users: zones.map((timezone, i) => ({
        username: `tz${i}`,
        createpassword: 1,
        firstname: 'T',
        lastname: 'Z',
        email: `tz${i}@example.com`,
        timezone,
      })),
    });
    expect(await Promise.all(zones.map(async (_, i) => (await row(`tz${i}`))?.timezone))).toEqual(zones);
  });

  it('refuses an unknown key, as Moodle does', async () => {
    const e = await callError(t.deps, 'core_user_create_users', 'admin', {
      users: [{ username: 'x.y', createpassword: 1, firstname: 'X', lastname: 'Y', email: 'x@example.com', icq: '1' }],
    });
    expect(e.debuginfo).toBe('users => 0: Unexpected keys (icq) detected in parameter array.');
  });
});

describe('core_user_get_users_by_field: user_description', () => {
  it("answers an administrator with every set field, in Moodle's key order", async () => {
    const [u] = await callFunction(t.deps, 'core_user_get_users_by_field', 'admin', {
      field: 'idnumber',
      values: ['EMP-42'],
    });
    const id = (await row('pat.full'))?.id as number;
    expect(Object.entries(u)).toEqual(
      Object.entries({
        id,
        username: 'pat.full',
        firstname: 'Pat',
        lastname: 'Full',
        fullname: 'Pat Full',
        email: 'pat.full@example.com',
        address: '1 Main St',
        phone1: '+61 8 1234',
        phone2: '0400 000',
        department: 'Geography',
        institution: 'Uni',
        idnumber: 'EMP-42',
        firstaccess: 0,
        lastaccess: 0,
        auth: 'manual',
        suspended: false,
        confirmed: true,
        lang: 'en',
        theme: 'boost',
        timezone: 'Australia/Perth',
        mailformat: 0,
        description: 'Likes <b>maps</b>',
        descriptionformat: 1,
        city: 'Perth',
        country: 'AU',
        profileimageurlsmall: `${t.deps.env.wwwroot}/pluginfile.php/${30_000_000 + id}/user/icon/f2`,
        profileimageurl: `${t.deps.env.wwwroot}/pluginfile.php/${30_000_000 + id}/user/icon/f1`,
      }),
    );
  });

  it("gives a user their own preferences, and nobody else's", async () => {
    const id = (await row('pat.full'))?.id as number;
    const [mine] = await callFunction(t.deps, 'core_user_get_users_by_field', 'pat.full', {
      field: 'id',
      values: [String(id)],
    });
    expect(mine.preferences).toEqual([
      { name: 'auth_forcepasswordchange', value: '0' },
      { name: 'htmleditor', value: 'tiny' },
    ]);
    const [theirs] = await callFunction(t.deps, 'core_user_get_users_by_field', 'admin', {
      field: 'id',
      values: [String(id)],
    });
    expect(theirs.preferences).toBeUndefined();
  });

  it('leaves empty fields out, and matches nobody on an empty ID number', async () => {
    const [s] = await callFunction(t.deps, 'core_user_get_users_by_field', 'admin', {
      field: 'username',
      values: ['student2'],
    });
    for (const k of ['address', 'phone1', 'phone2', 'institution', 'idnumber', 'city', 'country', 'interests'])
      expect(s, k).not.toHaveProperty(k);
    expect(s.department).toBe('');
    expect(
      await callFunction(t.deps, 'core_user_get_users_by_field', 'admin', { field: 'idnumber', values: [''] }),
    ).toEqual([]);
  });

  it('turns a plain-text description into HTML (external_format_text), its format then 1', async () => {
    const id = (await row('student2'))?.id as number;
    await t.deps.store.db
      .update(users)
      .set({ description: 'a < b\nnext', descriptionformat: 2 })
      .where(eq(users.id, id));
    const [s] = await callFunction(t.deps, 'core_user_get_users_by_field', 'admin', {
      field: 'id',
      values: [String(id)],
    });
    expect([s.description, s.descriptionformat]).toEqual(['a &lt; b<br />\nnext', 1]);
  });
});

describe('core_user_update_users: Moodle 4.x warnings and every field', () => {
  it('stores the profile fields and the preferences (a preference replaced), and ignores userpicture', async () => {
    const id = (await row('pat.full'))?.id as number;
    const out = await callFunction(t.deps, 'core_user_update_users', 'admin', {
      users: [
        {
          id,
          city: 'Hobart',
          timezone: 'Australia/Hobart',
          userpicture: 0,
          interests: 'none',
          customfields: [{ type: 'x', value: 'y' }],
          phone2: '',
          preferences: [
            { type: 'htmleditor', value: 'atto' },
            { type: 'block_myoverview_user_view_preference', value: 'list' },
          ],
        },
      ],
    });
    expect(out).toEqual({ warnings: [] });
    expect(await row('pat.full')).toMatchObject({ city: 'Hobart', timezone: 'Australia/Hobart', phone2: '' });
    expect((await prefs(id)).sort((a, b) => a.name.localeCompare(b.name))).toEqual([
      { name: 'auth_forcepasswordchange', value: '0' },
      { name: 'block_myoverview_user_view_preference', value: 'list' },
      { name: 'htmleditor', value: 'atto' },
    ]);
  });

  it('fails the whole call, updating nobody, on what validate_parameters refuses', async () => {
    const e = await callError(t.deps, 'core_user_update_users', 'admin', {
      users: [
        { id: t.ids.student2, city: 'Nowhere' },
        { id: t.ids.student, lang: 'de' },
      ],
    });
    expect(e.debuginfo).toBe(
      'users => 1 => lang: Invalid external api parameter: the value is "de", the server was expecting "lang" type',
    );
    expect((await row('student2'))?.city).not.toBe('Nowhere');
  });

  it('reports a bad password as a warning and still updates the rest', async () => {
    const out = await callFunction(t.deps, 'core_user_update_users', 'admin', {
      users: [
        { id: t.ids.student, password: 'x' },
        { id: t.ids.student2, country: 'NZ' },
      ],
    });
    expect(out.warnings).toMatchObject([{ item: 'user', itemid: t.ids.student, warningcode: 'invalidpassword' }]);
    expect((await row('student2'))?.country).toBe('NZ');
  });
});

describe('core_user_get_user_preferences', () => {
  it('returns all of your preferences, or one by name (null when not set)', async () => {
    const all = await callFunction(t.deps, 'core_user_get_user_preferences', 'pat.full', {});
    expect(all).toEqual({
      preferences: [
        { name: 'auth_forcepasswordchange', value: '0' },
        { name: 'block_myoverview_user_view_preference', value: 'list' },
        { name: 'htmleditor', value: 'atto' },
      ],
      warnings: [],
    });
    expect(await callFunction(t.deps, 'core_user_get_user_preferences', 'pat.full', { name: 'nosuch' })).toEqual({
      preferences: [{ name: 'nosuch', value: null }],
      warnings: [],
    });
  });

  it("needs moodle/site:config for another user's", async () => {
    const id = (await row('pat.full'))?.id as number;
    const e = await callError(t.deps, 'core_user_get_user_preferences', 'manager', { userid: id });
    expect(e).toMatchObject({ exception: 'required_capability_exception', debuginfo: 'moodle/site:config' });
    const out = await callFunction(t.deps, 'core_user_get_user_preferences', 'admin', {
      userid: id,
      name: 'htmleditor',
    });
    expect(out.preferences).toEqual([{ name: 'htmleditor', value: 'atto' }]);
    const e2 = await callError(t.deps, 'core_user_get_user_preferences', 'admin', { userid: 99_999 });
    expect(e2.exception).toBe('dml_missing_record_exception');
  });
});

describe('over REST, as a client reads it', () => {
  let app: TestApp;
  let token: string;
  beforeAll(async () => {
    app = await makeTestApp();
    await app.deps.settings.apply({ enablewebservices: '1', webserviceprotocols: 'rest' }, SYSTEM_ACTOR);
    const svc = await createService(app.deps, serviceBody('Users', 'userstest'), SYSTEM_ACTOR);
    await addServiceFunctions(
      app.deps,
      svc.id,
      ['core_user_update_users', 'core_user_get_user_preferences', 'core_user_get_users_by_field'],
      SYSTEM_ACTOR,
    );
    token = (
      await createAdminToken(
        app.deps,
        { userId: await app.userId('admin'), serviceId: svc.id, validUntil: null },
        SYSTEM_ACTOR,
        true,
      )
    ).secret;
  });
  afterAll(() => app.close());

  const rest = async (format: 'json' | 'xml', wsfunction: string, args: Record<string, string>) => {
    const res = await app.app.request(
      `/webservice/rest/server.php?moodlewsrestformat=${format}&wsfunction=${wsfunction}`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ wstoken: token, ...args }).toString(),
      },
      { incoming: { socket: { remoteAddress: '10.1.2.3' } } },
    );
    expect(res.status).toBe(200);
    return res.text();
  };

  it('update_users answers {"warnings":[...]} with the refused user', async () => {
    const body = await rest('json', 'core_user_update_users', {
      'users[0][id]': String(await app.userId('guest')),
      'users[0][city]': 'X',
    });
    expect(JSON.parse(body)).toEqual({
      warnings: [
        {
          item: 'user',
          itemid: await app.userId('guest'),
          warningcode: 'usernotupdatedguest',
          message: 'error/usernotupdatedguest',
        },
      ],
    });
    expect(body.startsWith('{"warnings":[{"item":"user","itemid":')).toBe(true);
  });

  it('a preference that is not set is null: JSON null, and <VALUE null="null"/> in XML', async () => {
    const json = await rest('json', 'core_user_get_user_preferences', { name: 'nosuch' });
    expect(json).toBe('{"preferences":[{"name":"nosuch","value":null}],"warnings":[]}');
    const xml = await rest('xml', 'core_user_get_user_preferences', { name: 'nosuch' });
    expect(xml).toContain('<KEY name="value"><VALUE null="null"/>\n</KEY>');
  });
});
