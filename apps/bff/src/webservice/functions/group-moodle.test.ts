import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { courses, groups } from '../../db/schema';
import { SYSTEM_ACTOR } from '../../features/audit/audit.service';
import { AUTHENTICATED_ROLE } from '../../features/roles/authz';
import { addServiceFunctions, createService } from '../../features/services/services.service';
import { createAdminToken } from '../../features/tokens/tokens.service';
import { makeTestApp, restCall, serviceBody, type TestApp } from '../../test/helpers';
import { callFunction, setRoleCapability } from './test-helpers';

/** JSON as Moodle's REST server writes it (PHP's json_encode: `/` escaped as `\\/`). */
const moodleJson = (v: unknown) => JSON.stringify(v).replaceAll('/', '\\/');

// Issue 16 §5, through the real REST server: core_group_create_groups / core_group_get_course_groups
// with Moodle 4.2+'s visibility and participation and 4.5's customfields (group/externallib.php;
// group/tests/externallib_test.php: defaults visibility 0 and participation true, an invalid
// visibility is an invalid_parameter_exception; group/lib.php groups_create_group turns
// participation off for visibility 2 and 3).

let t: TestApp;
let token = '';
let courseid = 0;

beforeAll(async () => {
  t = await makeTestApp();
  await t.deps.settings.apply({ enablewebservices: '1', webserviceprotocols: 'rest' }, SYSTEM_ACTOR);
  const svc = await createService(t.deps, serviceBody('Groups', 'groups_moodle'), SYSTEM_ACTOR);
  await setRoleCapability(t.deps, AUTHENTICATED_ROLE, 'webservice/rest:use', 'allow');
  await addServiceFunctions(t.deps, svc.id, ['core_group_create_groups', 'core_group_get_course_groups'], SYSTEM_ACTOR);
  token = (
    await createAdminToken(
      t.deps,
      { userId: await t.userId('manager'), serviceId: svc.id, validUntil: null },
      SYSTEM_ACTOR,
      true,
    )
  ).secret;
  const row = (
    await t.deps.store.db.select({ id: courses.id }).from(courses).where(eq(courses.shortname, 'SAFE100')).limit(1)
  ).at(0);
  courseid = row?.id as number;
});
afterAll(() => t.close());

const groupRow = async (name: string) =>
  (await t.deps.store.db.select().from(groups).where(eq(groups.name, name)).limit(1)).at(0);

describe('core_group_create_groups', () => {
  it('takes visibility, participation and customfields and answers in Moodle 4.5 key order', async () => {
    const res = await restCall(t, token, 'core_group_create_groups', {
      'groups[0][courseid]': String(courseid),
      'groups[0][name]': 'Defaults',
      'groups[0][description]': '',
      'groups[1][courseid]': String(courseid),
      'groups[1][name]': 'Members only',
      'groups[1][description]': '<p>m</p>',
      'groups[1][visibility]': '1',
      'groups[1][participation]': '0',
      // Accepted and ignored: no group custom fields are defined.
      'groups[1][customfields][0][shortname]': 'room',
      'groups[1][customfields][0][value]': 'B12',
      'groups[2][courseid]': String(courseid),
      'groups[2][name]': 'Own membership',
      'groups[2][description]': '',
      'groups[2][visibility]': '2',
      'groups[2][participation]': '1',
    });
    expect(res.status, res.text).toBe(200);
    const ids = await Promise.all(
      ['Defaults', 'Members only', 'Own membership'].map(async (n) => (await groupRow(n))?.id),
    );
    const group = (i: number, name: string, description: string, visibility: number, participation: boolean) => ({
      id: ids[i],
      courseid,
      name,
      description,
      descriptionformat: 1,
      enrolmentkey: '',
      idnumber: '',
      visibility,
      participation,
    });
    expect(res.text).toBe(
      moodleJson([
        group(0, 'Defaults', '', 0, true),
        group(1, 'Members only', '<p>m</p>', 1, false),
        // Visibility 2 (own membership): participation is turned off, whatever was asked.
        group(2, 'Own membership', '', 2, false),
      ]),
    );
    expect(await groupRow('Own membership')).toMatchObject({ visibility: 2, participation: false });

    const listed = await restCall(t, token, 'core_group_get_course_groups', { courseid: String(courseid) });
    expect(listed.status).toBe(200);
    const mine = (listed.body as { name: string }[]).filter((g) =>
      ['Defaults', 'Members only', 'Own membership'].includes(g.name),
    );
    expect(JSON.stringify(mine)).toBe(
      JSON.stringify([
        group(0, 'Defaults', '', 0, true),
        group(1, 'Members only', '<p>m</p>', 1, false),
        group(2, 'Own membership', '', 2, false),
      ]),
    );
  });

  it('refuses a visibility that is not 0..3 with invalid_parameter_exception and creates nothing', async () => {
    const res = await restCall(t, token, 'core_group_create_groups', {
      'groups[0][courseid]': String(courseid),
      'groups[0][name]': 'Fine',
      'groups[0][description]': '',
      'groups[1][courseid]': String(courseid),
      'groups[1][name]': 'Bad visibility',
      'groups[1][description]': '',
      'groups[1][visibility]': '1000',
    });
    expect(res.body).toMatchObject({ exception: 'invalid_parameter_exception', errorcode: 'invalidparameter' });
    expect(await groupRow('Fine')).toBeUndefined();
    expect(await groupRow('Bad visibility')).toBeUndefined();
  });

  it('gives the legacy moodle_group_create_groups the same parameters', async () => {
    const [g] = await callFunction(t.deps, 'moodle_group_create_groups', 'manager', {
      groups: [{ courseid, name: 'Legacy hidden', description: '', visibility: 3 }],
    });
    expect(g).toMatchObject({ name: 'Legacy hidden', visibility: 3, participation: false });
  });
});
