import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { courses, notes } from '../../db/schema';
import { type CatalogueTest, callError, callFunction, makeCatalogueTest, NOW } from './test-helpers';

let t: CatalogueTest;
beforeAll(async () => {
  t = await makeCatalogueTest();
});
afterAll(() => t.close());

const courseId = async (shortname: string) =>
  (await t.deps.store.db.select({ id: courses.id }).from(courses).where(eq(courses.shortname, shortname)).limit(1)).at(
    0,
  )?.id as number;

describe('core_notes_create_notes', () => {
  it('creates course, site and personal notes; site notes go to the site course', async () => {
    const cs = await courseId('CS101');
    const out = await callFunction(t.deps, 'core_notes_create_notes', 'teacher', {
      notes: [
        {
          userid: t.ids.student,
          publishstate: 'course',
          courseid: cs,
          text: 'Great work on exercise 2.',
          clientnoteid: 'n-1',
        },
        { userid: t.ids.student2, publishstate: 'site', courseid: cs, text: 'Moved to the evening lab.', format: 2 },
        { userid: t.ids.student2, publishstate: 'personal', courseid: cs, text: 'Ask about the essay.' },
      ],
    });
    expect(out).toEqual([
      { clientnoteid: 'n-1', noteid: expect.any(Number) },
      { noteid: expect.any(Number) },
      { noteid: expect.any(Number) },
    ]);
    const rows = await t.deps.store.db
      .select()
      .from(notes)
      .where(
        inArray(
          notes.id,
          out.map((n: { noteid: number }) => n.noteid),
        ),
      )
      .orderBy(notes.id);
    expect(rows.map((r) => [r.userId, r.courseId, r.publishstate, r.format, r.userModified, r.created])).toEqual([
      [t.ids.student, cs, 'course', 1, t.ids.teacher, NOW],
      [t.ids.student2, 1, 'site', 2, t.ids.teacher, NOW],
      [t.ids.student2, cs, 'personal', 1, t.ids.teacher, NOW],
    ]);
  });

  it('reports failures note by note and still creates the good ones', async () => {
    const before = (await t.deps.store.db.select().from(notes)).length;
    const out = await callFunction(t.deps, 'core_notes_create_notes', 'manager', {
      notes: [
        { userid: t.ids.student, publishstate: 'course', courseid: 9999, text: 'x', clientnoteid: 'bad-course' },
        {
          userid: 99_999,
          publishstate: 'course',
          courseid: await courseId('CS101'),
          text: 'x',
          clientnoteid: 'bad-user',
        },
        { userid: t.ids.student, publishstate: 'public', courseid: await courseId('CS101'), text: 'x' },
        { userid: t.ids.student, publishstate: 'course', courseid: await courseId('CS101'), text: 'x', format: 3 },
        {
          userid: t.ids.student,
          publishstate: 'course',
          courseid: await courseId('SAFE100'),
          text: 'Passed the safety check.',
        },
      ],
    });
    expect(out).toEqual([
      { clientnoteid: 'bad-course', noteid: -1, errormessage: 'Invalid course id' },
      { clientnoteid: 'bad-user', noteid: -1, errormessage: 'Invalid user id: 99999' },
      { noteid: -1, errormessage: 'Invalid publish state: public (personal, course or site)' },
      { noteid: -1, errormessage: 'Format not supported: 3' },
      { noteid: expect.any(Number) },
    ]);
    expect(await t.deps.store.db.select().from(notes)).toHaveLength(before + 1);
  });

  it('refuses a caller without moodle/notes:manage', async () => {
    const e = await callError(t.deps, 'core_notes_create_notes', 'student', {
      notes: [{ userid: t.ids.student2, publishstate: 'personal', courseid: await courseId('CS101'), text: 'x' }],
    });
    expect(e).toMatchObject({
      exception: 'required_capability_exception',
      errorcode: 'nopermissions',
      debuginfo: 'moodle/notes:manage',
    });
  });

  it('rejects a client note id that is not alphanumext', async () => {
    const e = await callError(t.deps, 'core_notes_create_notes', 'teacher', {
      notes: [
        {
          userid: t.ids.student,
          publishstate: 'course',
          courseid: await courseId('CS101'),
          text: 'x',
          clientnoteid: 'no spaces',
        },
      ],
    });
    expect(e.exception).toBe('invalid_parameter_exception');
  });
});
