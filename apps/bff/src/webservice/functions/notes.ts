import { multiple, single, value } from '@gatehouse/shared';
import { withWrite } from '../../db/write';
import { existingCourseIds } from '../../features/courses/courses.repo';
import { insertNote } from '../../features/notes/notes.repo';
import { activeUsersBy } from '../../features/users/users.repo';
import { defineFunction, perRecord } from '../types';
import { SITEID, TEXT_FORMATS } from './common';

const STATES = ['personal', 'course', 'site'] as const;
type State = (typeof STATES)[number];

const createNotes = defineFunction({
  name: 'core_notes_create_notes',
  component: 'core_notes',
  description:
    'Create notes about users. Each note succeeds or fails on its own: a failed one has noteid -1 and an error message. Site notes are stored on the site course.',
  type: 'write',
  capabilities: [perRecord('moodle/notes:manage', 'in the context of the course of each note')],
  example: { notes: [{ userid: 5, publishstate: 'personal', courseid: 2, text: 'Works well in groups.' }] },
  services: ['moodle_mobile_app'],
  parameters: single({
    notes: multiple(
      single({
        userid: value('int', 'id of the user the note is about'),
        publishstate: value('alpha', "'personal', 'course' or 'site'"),
        courseid: value(
          'int',
          'course id of the note (in Moodle a note can only be created into a course, even for site and personal notes)',
        ),
        text: value('raw', 'the text of the message - text or HTML'),
        format: value('int', 'text format (1 = HTML, 0 = MOODLE, 2 = PLAIN or 4 = MARKDOWN)', { default: 1 }),
        clientnoteid: value(
          'alphanumext',
          'your own client id for the note. If this id is provided, the fail message id will be returned to you',
          {
            optional: true,
          },
        ),
      }),
    ),
  }),
  returns: multiple(
    single({
      clientnoteid: value('alphanumext', 'your own id for the note', { optional: true }),
      noteid: value('int', 'ID of the created note when successful, -1 when failed'),
      errormessage: value('text', 'error message - if failed', { optional: true }),
    }),
  ),
  execute(ctx, { notes: list }) {
    // Moodle checks this per record, in its context (see capabilities); Gatehouse's roles hold
    // site-wide, so one check up front gives every record the same answer.
    ctx.requireCapability('moodle/notes:manage', 'Manage notes');
    if (!list.length) return [];
    const courseIds = [...new Set([SITEID, ...list.map((n) => n.courseid)])];
    const userIds = [...new Set(list.map((n) => n.userid))];
    // One write: the notes are checked against the rows they are inserted with.
    return withWrite(ctx.deps, async (tx) => {
      const knownCourses = new Set(await existingCourseIds(tx, courseIds));
      const knownUsers = new Set((await activeUsersBy(tx, { field: 'id', values: userIds })).map((u) => u.id));
      const results: { clientnoteid?: string; noteid: number; errormessage?: string }[] = [];
      for (const n of list) {
        const base: { clientnoteid?: string; noteid: number } = { noteid: -1 };
        if (n.clientnoteid !== undefined) base.clientnoteid = n.clientnoteid;
        let error: string | undefined;
        if (!knownCourses.has(n.courseid)) error = 'Invalid course id';
        else if (n.publishstate === 'site' && !knownCourses.has(SITEID)) error = 'Invalid course id: no site course';
        else if (!knownUsers.has(n.userid)) error = `Invalid user id: ${n.userid}`;
        else if (!(STATES as readonly string[]).includes(n.publishstate)) {
          error = `Invalid publish state: ${n.publishstate} (personal, course or site)`;
        } else if (!(TEXT_FORMATS as readonly number[]).includes(n.format)) error = `Format not supported: ${n.format}`;
        else if (!n.text.trim()) error = 'The note is empty';
        if (error) {
          results.push({ ...base, errormessage: error });
          continue;
        }
        const state = n.publishstate as State;
        const noteid = await insertNote(tx, {
          courseId: state === 'site' ? SITEID : n.courseid,
          userId: n.userid,
          userModified: ctx.user.id,
          content: n.text,
          format: n.format,
          publishstate: state,
          created: ctx.now,
          lastmodified: ctx.now,
        });
        results.push({ ...base, noteid });
      }
      return results;
    });
  },
});

export const NOTES_FUNCTIONS = [createNotes];
