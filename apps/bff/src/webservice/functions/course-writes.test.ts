import { and, eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, courses, groups, messages, notes } from '../../db/schema';
import { type CatalogueTest, callError, callFunction, makeCatalogueTest, NOW } from './test-helpers';

// The writes of the course, group, notes and message functions: each call is one write with its
// audit rows, and calls that arrive together are applied one after the other, each checked
// against what the ones before it committed.

let t: CatalogueTest;
beforeAll(async () => {
  t = await makeCatalogueTest();
});
afterAll(() => t.close());

const db = () => t.deps.store.db;
const courseId = async (shortname: string) =>
  (await db().select({ id: courses.id }).from(courses).where(eq(courses.shortname, shortname)).limit(1)).at(0)?.id;
const audits = async (action: string, summary: string) =>
  await db()
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.action, action), like(auditLog.summary, `%${summary}%`)));

/** The outcomes of calls made at the same time: the value, or the error code. */
const settle = (calls: Promise<unknown>[]) =>
  Promise.allSettled(calls).then((rs) =>
    rs.map((r) => (r.status === 'fulfilled' ? 'ok' : (r.reason as { errorcode: string }).errorcode)).sort(),
  );

describe('course and group writes', () => {
  it('creates a course with its audit row, at the time of the call', async () => {
    const [created] = await callFunction(t.deps, 'core_course_create_courses', 'manager', {
      courses: [{ fullname: 'Audited', shortname: 'AUD1', categoryid: 1 }],
    });
    const rows = await audits('course.create', 'AUD1');
    expect(rows).toEqual([
      expect.objectContaining({
        targetType: 'course',
        targetId: String(created.id),
        actorUsername: 'manager',
        summary: 'Created course AUD1 (web service)',
        time: NOW,
      }),
    ]);
  });

  it('keeps neither the courses nor the audit rows of a refused call', async () => {
    const e = await callError(t.deps, 'core_course_create_courses', 'manager', {
      courses: [
        { fullname: 'Kept?', shortname: 'GONE1', categoryid: 1 },
        { fullname: 'Bad', shortname: 'GONE2', categoryid: 1, summaryformat: 3 },
      ],
    });
    expect(e.errorcode).toBe('formatnotsupported');
    expect(await courseId('GONE1')).toBeUndefined();
    expect(await audits('course.create', 'GONE1')).toEqual([]);
  });

  it('gives one of two simultaneous calls a short name, the other shortnametaken', async () => {
    const make = () =>
      callFunction(t.deps, 'core_course_create_courses', 'manager', {
        courses: [{ fullname: 'Race', shortname: 'RACE1', categoryid: 1 }],
      });
    expect(await settle([make(), make()])).toEqual(['ok', 'shortnametaken']);
    expect(await audits('course.create', 'RACE1')).toHaveLength(1);
  });

  it('gives one of two simultaneous calls a group name, the other invalidparameter (the name is taken)', async () => {
    const cs = (await courseId('CS101')) as number;
    const make = () =>
      callFunction(t.deps, 'core_group_create_groups', 'teacher', {
        groups: [{ courseid: cs, name: 'Race group', description: '' }],
      });
    expect(await settle([make(), make()])).toEqual(['invalidparameter', 'ok']);
    const made = await db()
      .select()
      .from(groups)
      .where(and(eq(groups.courseId, cs), eq(groups.name, 'Race group')));
    expect(made).toHaveLength(1);
    expect(await audits('group.create', 'Race group')).toHaveLength(1);
  });

  it('deletes groups with one audit row each, and simultaneous deletes once', async () => {
    const cs = (await courseId('CS101')) as number;
    const made = await callFunction(t.deps, 'core_group_create_groups', 'teacher', {
      groups: [
        { courseid: cs, name: 'Doomed 1', description: '' },
        { courseid: cs, name: 'Doomed 2', description: '' },
      ],
    });
    const groupids = made.map((g: { id: number }) => g.id);
    const del = () => callFunction(t.deps, 'core_group_delete_groups', 'teacher', { groupids });
    expect(await settle([del(), del()])).toEqual(['ok', 'ok']);
    expect((await audits('group.delete', 'Doomed')).map((a) => a.targetId)).toEqual(groupids.map(String));
  });
});

describe('notes and messages', () => {
  it('stores the good notes and messages of simultaneous calls, each once', async () => {
    const cs = (await courseId('CS101')) as number;
    const note = (text: string) =>
      callFunction(t.deps, 'core_notes_create_notes', 'teacher', {
        notes: [
          { userid: t.ids.student, publishstate: 'course', courseid: cs, text },
          { userid: 999_999, publishstate: 'course', courseid: cs, text },
        ],
      });
    const [a, b] = await Promise.all([note('Simultaneous A'), note('Simultaneous B')]);
    for (const out of [a, b]) {
      expect(out[0].noteid).toBeGreaterThan(0);
      expect(out[1]).toEqual({ noteid: -1, errormessage: 'Invalid user id: 999999' });
    }
    expect(
      (await db().select({ content: notes.content }).from(notes).where(like(notes.content, 'Simultaneous %')))
        .map((n) => n.content)
        .sort(),
    ).toEqual(['Simultaneous A', 'Simultaneous B']);

    const send = (text: string) =>
      callFunction(t.deps, 'core_message_send_instant_messages', 'teacher', {
        messages: [{ touserid: t.ids.student, text }],
      });
    const sent = await Promise.all([send('Together 1'), send('Together 2')]);
    expect(sent.map((s) => s[0].msgid).every((id: number) => id > 0)).toBe(true);
    expect(await db().select().from(messages).where(like(messages.text, 'Together %'))).toHaveLength(2);
  });
});
