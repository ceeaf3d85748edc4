import { type ExternalDescription, isCapability, validateParameters } from '@gatehouse/shared';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certifications, courses, groups, hubCourses, hubSites, users } from '../../db/schema';
import { SYSTEM_ACTOR } from '../../features/audit/audit.service';
import { applyHubSettings } from '../../features/hub/hub-settings.service';
import { createCatalogue } from '../catalogue';
import { FUNCTIONS } from './index';
import { type CatalogueTest, callFunction, makeCatalogueTest } from './test-helpers';

/** Every value in a description tree, with its path. */
function values(d: ExternalDescription, path = ''): [string, ExternalDescription][] {
  if (d.kind === 'value') return [[path, d]];
  if (d.kind === 'multiple') return values(d.content, `${path}[]`);
  return Object.entries(d.keys).flatMap(([k, sub]) => values(sub, path ? `${path}.${k}` : k));
}

const catalogue = createCatalogue(FUNCTIONS);

describe('the catalogue', () => {
  it('has unique names, and the catalogue module serves them all', () => {
    const names = FUNCTIONS.map((f) => f.name);
    expect(new Set(names).size).toBe(names.length);
    expect(catalogue.all.map((f) => f.name)).toEqual(names);
    for (const f of FUNCTIONS) expect(catalogue.get(f.name)).toBe(f);
  });

  it('refuses two functions that share a name', () => {
    expect(() => createCatalogue([...FUNCTIONS, ...FUNCTIONS.slice(0, 1)])).toThrow(
      'Two external functions share a name',
    );
  });

  it('ships the functions of the specification', () => {
    expect(FUNCTIONS.map((f) => f.name).sort()).toEqual(
      [
        'core_webservice_get_site_info',
        'core_user_create_users',
        'core_user_get_users_by_field',
        'core_user_update_users',
        'core_user_delete_users',
        'core_course_get_courses',
        'core_course_create_courses',
        'core_course_get_contents',
        'core_group_create_groups',
        'core_group_get_course_groups',
        'core_group_delete_groups',
        'moodle_group_create_groups',
        'core_enrol_get_users_courses',
        'core_message_send_instant_messages',
        'core_message_get_messages',
        'core_notes_create_notes',
        'core_files_upload',
        'tool_mucertify_get_certifications',
        'tool_mucertify_get_certification_assignments',
        'tool_mucertify_get_certification_periods',
        'hub_get_info',
        'hub_register_site',
        'hub_update_site_info',
        'hub_register_courses',
        'hub_get_courses',
        'hub_unregister_courses',
        'hub_unregister_site',
        'tool_mobile_get_public_config',
        'tool_mobile_get_config',
        'tool_mobile_get_plugins_supporting_mobile',
        'tool_mobile_call_external_functions',
        'core_get_component_strings',
        'moodle_webservice_get_siteinfo',
        'moodle_enrol_get_users_courses',
        'moodle_notes_create_notes',
        'moodle_message_send_instantmessages',
        'core_enrol_get_enrolled_users',
        'core_user_get_course_user_profiles',
        'core_user_get_user_preferences',
        'moodle_user_get_users_by_courseid',
        'moodle_user_get_course_participants_by_id',
        'core_course_get_enrolled_courses_by_timeline_classification',
        'core_block_get_dashboard_blocks',
        'core_course_get_user_navigation_options',
        'core_course_get_user_administration_options',
        'core_user_add_user_device',
        'core_user_remove_user_device',
        'mod_page_get_pages_by_courses',
        'mod_resource_get_resources_by_courses',
      ].sort(),
    );
  });

  it.each(FUNCTIONS.map((f) => [f.name, f] as const))('%s is fully described', (name, f) => {
    expect(f.description.trim().length).toBeGreaterThan(10);
    // Moodle's own lib/db/services.php functions (core_get_component_strings) are in the component "moodle".
    expect(f.component).toMatch(/^([a-z]+_[a-z0-9]+|moodle)$/);
    // The hub's functions keep Moodle's names (hub_*) in the component local_hub.
    const prefix = f.component === 'local_hub' ? 'hub_' : f.component === 'moodle' ? 'core_' : `${f.component}_`;
    if (!f.deprecated) expect(name.startsWith(prefix)).toBe(true);
    expect(['read', 'write']).toContain(f.type);
    for (const c of f.capabilities) expect(isCapability(c), c).toBe(true);
    expect(f.parameters.kind).toBe('single');
    const described = [...values(f.parameters), ...(f.returns ? values(f.returns) : [])];
    for (const [path, d] of described) expect(d.desc.trim(), `${name}: ${path}`).not.toBe('');
  });

  it('has at least one deprecated function, replaced by a function of the catalogue', () => {
    const deprecated = FUNCTIONS.filter((f) => f.deprecated);
    expect(deprecated.length).toBeGreaterThan(0);
    for (const f of deprecated) expect(catalogue.has(f.deprecated?.replacedBy ?? '')).toBe(true);
  });

  it('puts site info, courses, contents, messages, notes and uploads in the mobile service', () => {
    const mobile = FUNCTIONS.filter((f) => f.services?.includes('moodle_mobile_app')).map((f) => f.name);
    expect(mobile).toEqual(
      expect.arrayContaining([
        'core_webservice_get_site_info',
        'core_enrol_get_users_courses',
        'core_course_get_contents',
        'core_message_send_instant_messages',
        'core_message_get_messages',
        'core_notes_create_notes',
        'core_files_upload',
      ]),
    );
    // Deprecated functions ship in no built-in service, except the seed-era app's legacy names in the
    // mobile service (functions/legacy-mobile.ts), which that app calls.
    expect(
      FUNCTIONS.filter((f) => f.deprecated && f.services?.length && !f.name.startsWith('moodle_'))
        .concat(FUNCTIONS.filter((f) => f.deprecated && f.services?.some((s) => s !== 'moodle_mobile_app')))
        .map((f) => f.name),
    ).toEqual([]);
  });
});

describe('every function against the demo data', () => {
  let t: CatalogueTest;
  beforeAll(async () => {
    t = await makeCatalogueTest();
  });
  afterAll(() => t.close());

  const course = async (shortname: string) =>
    (
      await t.deps.store.db.select({ id: courses.id }).from(courses).where(eq(courses.shortname, shortname)).limit(1)
    ).at(0)?.id as number;

  const certification = async (idnumber: string) =>
    (
      await t.deps.store.db
        .select({ id: certifications.id })
        .from(certifications)
        .where(eq(certifications.idnumber, idnumber))
        .limit(1)
    ).at(0)?.id;

  /** One valid call per function, as the site administrator; the results are cleaned against the return descriptions. */
  const CALLS: Record<string, () => unknown> = {
    core_webservice_get_site_info: () => ({}),
    core_user_create_users: () => ({
      users: [
        { username: 'smoke', createpassword: true, firstname: 'Smoke', lastname: 'Test', email: 'smoke@example.com' },
      ],
    }),
    core_user_get_users_by_field: () => ({ field: 'username', values: ['admin', 'guest', 'student'] }),
    core_user_update_users: () => ({ users: [{ id: t.ids.student2, firstname: 'Sasha' }] }),
    core_user_delete_users: () => ({ userids: [t.ids.expired] }),
    core_course_get_courses: () => ({}),
    core_course_create_courses: () => ({ courses: [{ fullname: 'Smoke', shortname: 'SMOKE', categoryid: 1 }] }),
    core_course_get_contents: async () => ({ courseid: await course('CS101') }),
    core_group_create_groups: async () => ({
      groups: [{ courseid: await course('CS101'), name: 'Smoke', description: '' }],
    }),
    moodle_group_create_groups: async () => ({
      groups: [{ courseid: await course('CS101'), name: 'Smoke (legacy)', description: '' }],
    }),
    core_group_get_course_groups: async () => ({ courseid: await course('CS101') }),
    core_group_delete_groups: async () => ({
      groupids: (await t.deps.store.db.select({ id: groups.id }).from(groups).where(eq(groups.name, 'Seminar 1'))).map(
        (g) => g.id,
      ),
    }),
    core_enrol_get_users_courses: () => ({ userid: t.ids.teacher }),
    core_message_send_instant_messages: () => ({
      messages: [{ touserid: t.ids.student, text: 'Hello from the admin' }],
    }),
    core_message_get_messages: () => ({ useridto: t.ids.teacher, read: 1 }),
    core_notes_create_notes: () => ({
      notes: [{ userid: t.ids.student, publishstate: 'site', courseid: 1, text: 'Smoke' }],
    }),
    core_files_upload: () => ({
      component: 'user',
      filearea: 'private',
      itemid: 0,
      filepath: '/',
      filename: 'smoke.txt',
      filecontent: 'c21va2U=',
      contextlevel: 'user',
      instanceid: t.ids.admin,
    }),
    tool_mucertify_get_certifications: () => ({ fieldvalues: [] }),
    tool_mucertify_get_certification_assignments: async () => ({ certificationid: await certification('FAW') }),
    tool_mucertify_get_certification_periods: async () => ({
      certificationid: await certification('FAW'),
      userid: t.ids.student,
    }),
    hub_get_info: () => ({}),
    hub_register_site: async () => {
      await applyHubSettings(t.deps, { enabled: true, privacy: 'public' }, SYSTEM_ACTOR);
      return { siteinfo: { name: 'Smoke site', url: 'https://smoke.example' } };
    },
    hub_update_site_info: () => ({ siteinfo: { name: 'Smoke site (renamed)', url: 'https://smoke.example' } }),
    hub_register_courses: () => ({
      courses: [
        { sitecourseid: 1, fullname: 'Smoke', shortname: 'SMOKE', audience: 'students', educationallevel: 'tertiary' },
      ],
    }),
    hub_get_courses: () => ({ options: { allsitecourses: 1 } }),
    hub_unregister_courses: async () => ({
      courseids: (
        await t.deps.store.db
          .select({ id: hubCourses.id })
          .from(hubCourses)
          .innerJoin(hubSites, eq(hubSites.id, hubCourses.siteId))
          .where(eq(hubSites.url, 'https://smoke.example'))
      ).map((c) => c.id),
    }),
    hub_unregister_site: () => ({}),
    tool_mobile_get_public_config: () => ({}),
    tool_mobile_get_config: () => ({}),
    tool_mobile_get_plugins_supporting_mobile: () => ({}),
    tool_mobile_call_external_functions: () => ({
      requests: [{ function: 'core_webservice_get_site_info', arguments: '{}' }],
    }),
    core_get_component_strings: () => ({ component: 'mobile' }),
    moodle_webservice_get_siteinfo: () => ({}),
    moodle_enrol_get_users_courses: () => ({ userid: t.ids.teacher }),
    moodle_notes_create_notes: () => ({
      notes: [{ userid: t.ids.student, publishstate: 'site', courseid: 1, text: 'Smoke (legacy)' }],
    }),
    moodle_message_send_instantmessages: () => ({
      messages: [{ touserid: t.ids.student, text: 'Hello from the old app' }],
    }),
    core_course_get_enrolled_courses_by_timeline_classification: () => ({ classification: 'all' }),
    core_block_get_dashboard_blocks: () => ({ returncontents: true }),
    core_course_get_user_navigation_options: async () => ({ courseids: [await course('CS101')] }),
    core_course_get_user_administration_options: async () => ({ courseids: [await course('CS101')] }),
    core_user_add_user_device: () => ({
      appid: 'com.moodle.moodlemobile',
      name: 'Smoke',
      model: 'Phone',
      platform: 'Android',
      version: '14',
      pushid: 'smoke-push',
      uuid: 'smoke-uuid',
    }),
    core_user_remove_user_device: () => ({ uuid: 'smoke-uuid' }),
    mod_page_get_pages_by_courses: async () => ({ courseids: [await course('CS101')] }),
    mod_resource_get_resources_by_courses: async () => ({ courseids: [await course('CS101')] }),
    core_enrol_get_enrolled_users: async () => ({ courseid: await course('CS101') }),
    core_user_get_course_user_profiles: async () => ({
      userlist: [{ userid: t.ids.student, courseid: await course('CS101') }],
    }),
    core_user_get_user_preferences: () => ({}),
    moodle_user_get_users_by_courseid: async () => ({ courseid: await course('CS101') }),
    moodle_user_get_course_participants_by_id: async () => ({
      userlist: [{ userid: t.ids.student, courseid: await course('CS101') }],
    }),
  };

  /** Functions whose list is empty whatever the data: Gatehouse has no language packs; a stored device has no warnings. */
  const EMPTY_BY_DESIGN = new Set(['core_get_component_strings', 'core_user_add_user_device']);

  /** The functions a registered site calls run as the site's own user (registered just before). */
  const smokeSite = async () =>
    (
      await t.deps.store.db
        .select({ username: users.username })
        .from(hubSites)
        .innerJoin(users, eq(users.id, hubSites.userId))
        .where(eq(hubSites.url, 'https://smoke.example'))
        .limit(1)
    ).at(0)?.username ?? 'missing';
  const CALLERS: Record<string, () => Promise<string>> = {
    hub_update_site_info: smokeSite,
    hub_register_courses: smokeSite,
    hub_get_courses: smokeSite,
    hub_unregister_courses: smokeSite,
    hub_unregister_site: smokeSite,
  };

  it('has a call for every function', () => {
    expect(Object.keys(CALLS).sort()).toEqual(FUNCTIONS.map((f) => f.name).sort());
  });

  it.each(FUNCTIONS.map((f) => [f.name, f] as const))('%s returns what it describes', async (name, f) => {
    const args = await CALLS[name]?.();
    validateParameters(f.parameters, args);
    const out = await callFunction(t.deps, name, (await CALLERS[name]?.()) ?? 'admin', args);
    if (f.returns === null) expect(out).toBeNull();
    else if (f.returns.kind === 'value') expect(out).toBeTruthy();
    else if (f.returns.kind === 'multiple') {
      if (EMPTY_BY_DESIGN.has(name)) expect(out).toEqual([]);
      else expect(out.length).toBeGreaterThan(0);
    } else expect(Object.keys(out).length).toBeGreaterThan(0);
  });
});
