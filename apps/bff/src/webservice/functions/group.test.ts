import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { courses, groups } from '../../db/schema';
import { type CatalogueTest, callError, callFunction, makeCatalogueTest } from './test-helpers';

let t: CatalogueTest;
beforeAll(async () => {
  t = await makeCatalogueTest();
});
afterAll(() => t.close());

const courseId = async (shortname: string) =>
  (await t.deps.store.db.select({ id: courses.id }).from(courses).where(eq(courses.shortname, shortname)).limit(1)).at(
    0,
  )?.id as number;
const groupNames = async (courseid: number) =>
  (await t.deps.store.db.select({ name: groups.name }).from(groups).where(eq(groups.courseId, courseid)))
    .map((g) => g.name)
    .sort();

describe('core_group_create_groups', () => {
  it("creates groups as in the seed's example and returns them whole", async () => {
    const cs = await courseId('CS101');
    const out = await callFunction(t.deps, 'core_group_create_groups', 'teacher', {
      groups: { 0: { courseid: String(cs), name: 'Group C', description: '<p>Evening lab</p>' } },
    });
    expect(out).toEqual([
      {
        id: expect.any(Number),
        courseid: cs,
        name: 'Group C',
        description: '<p>Evening lab</p>',
        descriptionformat: 1,
        enrolmentkey: '',
        idnumber: '',
        visibility: 0,
        participation: true,
      },
    ]);
    expect(await groupNames(cs)).toEqual(['Group A', 'Group B', 'Group C']);
  });

  it('keeps the enrolment key and ID number', async () => {
    const [g] = await callFunction(t.deps, 'core_group_create_groups', 'manager', {
      groups: [
        {
          courseid: await courseId('HIST201'),
          name: 'Seminar 2',
          description: '',
          descriptionformat: 2,
          enrolmentkey: 's2',
          idnumber: 'H-S2',
        },
      ],
    });
    expect(g).toMatchObject({ name: 'Seminar 2', descriptionformat: 2, enrolmentkey: 's2', idnumber: 'H-S2' });
  });

  it('refuses a caller without moodle/course:managegroups', async () => {
    const e = await callError(t.deps, 'core_group_create_groups', 'student', {
      groups: [{ courseid: await courseId('CS101'), name: 'Mine', description: '' }],
    });
    expect(e).toMatchObject({
      exception: 'required_capability_exception',
      errorcode: 'nopermissions',
      message: 'Sorry, but you do not currently have permissions to do that (Manage groups).',
      debuginfo: 'moodle/course:managegroups',
    });
  });

  it("reports a missing course with Moodle's context error", async () => {
    const e = await callError(t.deps, 'core_group_create_groups', 'teacher', {
      groups: [{ courseid: 9999, name: 'G', description: '' }],
    });
    // group/externallib.php create_groups(): validate_context() of context_course::instance(9999, IGNORE_MISSING).
    expect(e).toMatchObject({ exception: 'moodle_exception', errorcode: 'errorcoursecontextnotvalid' });
    expect(e.debuginfo).toBeUndefined();
    expect(e.message).toBe(
      'You cannot execute functions in the course context (course id:9999). The context error message was: Invalid parameter value detected',
    );
  });

  it('rejects a duplicate name and creates none of the groups of the call', async () => {
    const cs = await courseId('CS101');
    const e = await callError(t.deps, 'core_group_create_groups', 'teacher', {
      groups: [
        { courseid: cs, name: 'Group D', description: '' },
        { courseid: cs, name: 'Group A', description: '' },
      ],
    });
    // group/externallib.php: invalid_parameter_exception('Group with the same name already exists in the course').
    expect(e).toMatchObject({
      exception: 'invalid_parameter_exception',
      errorcode: 'invalidparameter',
      message: 'Invalid parameter value detected',
      debuginfo: 'Group with the same name already exists in the course',
    });
    expect(await groupNames(cs)).not.toContain('Group D');
  });

  it('rejects an empty name, a taken ID number and an unknown format', async () => {
    const cs = await courseId('CS101');
    const e1 = await callError(t.deps, 'core_group_create_groups', 'teacher', {
      groups: [{ courseid: cs, name: '  ', description: '' }],
    });
    expect(e1).toMatchObject({ exception: 'invalid_parameter_exception', debuginfo: 'Invalid group name' });
    const e2 = await callError(t.deps, 'core_group_create_groups', 'teacher', {
      groups: [{ courseid: cs, name: 'Group E', description: '', idnumber: 'CS101-A' }],
    });
    expect(e2.errorcode).toBe('idnumbertaken');
    const e3 = await callError(t.deps, 'core_group_create_groups', 'teacher', {
      groups: [{ courseid: cs, name: 'Group E', description: '', descriptionformat: 9 }],
    });
    expect(e3.errorcode).toBe('formatnotsupported');
  });

  it('rejects a group without the required keys', async () => {
    const e = await callError(t.deps, 'core_group_create_groups', 'teacher', {
      groups: [{ courseid: 2, name: 'No description' }],
    });
    expect(e.exception).toBe('invalid_parameter_exception');
    expect(e.debuginfo).toContain('description');
  });
});

describe('core_group_get_course_groups', () => {
  it('lists the groups of a course by name', async () => {
    const out = await callFunction(t.deps, 'core_group_get_course_groups', 'teacher', {
      courseid: await courseId('CS101'),
    });
    expect(
      out.map((g: { name: string; idnumber: string; enrolmentkey: string }) => [g.name, g.idnumber, g.enrolmentkey]),
    ).toEqual([
      ['Group A', 'CS101-A', ''],
      ['Group B', 'CS101-B', 'lab-b'],
      ['Group C', '', ''],
    ]);
    expect(
      await callFunction(t.deps, 'core_group_get_course_groups', 'teacher', { courseid: await courseId('SAFE100') }),
    ).toEqual([]);
  });

  it('refuses a caller without moodle/course:managegroups', async () => {
    const e = await callError(t.deps, 'core_group_get_course_groups', 'student', { courseid: await courseId('CS101') });
    expect(e.errorcode).toBe('nopermissions');
  });

  it('reports a missing course', async () => {
    const e = await callError(t.deps, 'core_group_get_course_groups', 'teacher', { courseid: 9999 });
    expect(e).toMatchObject({ exception: 'moodle_exception', errorcode: 'errorcoursecontextnotvalid' });
    expect(e.message).toContain('(course id:9999)');
  });
});

describe('core_group_delete_groups', () => {
  it('deletes the groups and ignores ids that do not exist', async () => {
    const cs = await courseId('CS101');
    const ids = (
      await t.deps.store.db.select({ id: groups.id, name: groups.name }).from(groups).where(eq(groups.courseId, cs))
    )
      .filter((g) => g.name !== 'Group A')
      .map((g) => g.id);
    expect(
      await callFunction(t.deps, 'core_group_delete_groups', 'teacher', { groupids: [...ids, 99_999] }),
    ).toBeNull();
    expect(await groupNames(cs)).toEqual(['Group A']);
  });

  it('refuses a caller without moodle/course:managegroups', async () => {
    const [a] = await t.deps.store.db.select({ id: groups.id }).from(groups);
    const e = await callError(t.deps, 'core_group_delete_groups', 'student', { groupids: [a?.id] });
    expect(e.errorcode).toBe('nopermissions');
    expect(
      (
        await t.deps.store.db
          .select()
          .from(groups)
          .where(eq(groups.id, a?.id as number))
          .limit(1)
      ).at(0),
    ).toBeDefined();
  });
});
