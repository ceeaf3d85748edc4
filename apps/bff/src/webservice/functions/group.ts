import { type Infer, multiple, single, value } from '@gatehouse/shared';
import type { DbOrTx } from '../../db/client';
import { withWrite } from '../../db/write';
import { findCourse } from '../../features/courses/courses.repo';
import {
  deleteGroup,
  type GroupRow,
  groupIdByIdnumber,
  groupIdByName,
  groupsByIds,
  groupsOfCourse,
  insertGroup,
} from '../../features/groups/groups.repo';
import { invalidParameter, moodleError } from '../exceptions';
import { type CallContext, defineFunction, perRecord } from '../types';
import { actorOf, validateFormat } from './common';

const VISIBILITY_DESC =
  'group visibility mode. 0 = Visible to all. 1 = Visible to members. 2 = See own membership. 3 = Membership is hidden.';

/** Moodle's GROUPS_VISIBILITY_ALL, _MEMBERS, _OWN, _NONE. */
const VISIBILITIES = [0, 1, 2, 3] as const;

/** What a created group is returned as (create_groups_returns). */
export const groupReturn = multiple(
  single(
    {
      id: value('int', 'group record id'),
      courseid: value('int', 'id of course'),
      name: value('text', 'multilang compatible name, course unique'),
      description: value('raw', 'group description text'),
      descriptionformat: value('int', 'description format (1 = HTML, 0 = MOODLE, 2 = PLAIN, or 4 = MARKDOWN)'),
      enrolmentkey: value('raw', 'group enrol secret phrase'),
      idnumber: value('raw', 'id number'),
      visibility: value('int', VISIBILITY_DESC),
      participation: value('bool', 'participation mode'),
      customfields: multiple(
        single({
          shortname: value('alphanumext', 'The shortname of the custom field'),
          value: value('raw', 'The value of the custom field'),
        }),
        'Custom fields',
        { optional: true },
      ),
    },
    'group',
  ),
);

/** A course's groups as get_course_groups returns them. */
const courseGroupsReturn = multiple(
  single(
    {
      id: value('int', 'group record id'),
      courseid: value('int', 'id of course'),
      name: value('text', 'group name'),
      description: value('raw', 'group description text'),
      descriptionformat: value('int', 'description format (1 = HTML, 0 = MOODLE, 2 = PLAIN, or 4 = MARKDOWN)'),
      enrolmentkey: value('raw', 'group enrol secret phrase'),
      idnumber: value('raw', 'id number'),
      visibility: value('int', VISIBILITY_DESC),
      participation: value('bool', 'participation mode'),
      customfields: multiple(
        single({
          name: value('raw', 'The name of the custom field'),
          shortname: value('alphanumext', 'The shortname of the custom field'),
          type: value('component', 'The type of the custom field - text, checkbox...'),
          valueraw: value('raw', 'The raw value of the custom field'),
          value: value('raw', 'The value of the custom field'),
        }),
        'Custom fields',
        { optional: true },
      ),
    },
    'group',
  ),
);

/**
 * What group/externallib.php answers for a course that does not exist: context_course::instance
 * (IGNORE_MISSING) gives false, validate_context(false) throws invalid_parameter_exception('Context
 * does not exist'), and the function wraps that message in moodle_exception
 * ('errorcoursecontextnotvalid', 'webservice', '', {message, courseid}).
 */
async function requireCourseContext(db: DbOrTx, courseid: number): Promise<void> {
  if (await findCourse(db, courseid)) return;
  throw moodleError(
    'errorcoursecontextnotvalid',
    `You cannot execute functions in the course context (course id:${courseid}). The context error message was: Invalid parameter value detected`,
  );
}

const toGroup = (g: GroupRow) => ({
  id: g.id,
  courseid: g.courseId,
  name: g.name,
  description: g.description,
  descriptionformat: g.descriptionformat,
  enrolmentkey: g.enrolmentkey,
  idnumber: g.idnumber,
  visibility: g.visibility,
  participation: g.participation,
});

export const createGroupsParameters = single({
  groups: multiple(
    single({
      courseid: value('int', 'id of course'),
      name: value('text', 'multilang compatible name, course unique'),
      description: value('raw', 'group description text'),
      descriptionformat: value('int', 'description format (1 = HTML, 0 = MOODLE, 2 = PLAIN, or 4 = MARKDOWN)', {
        default: 1,
      }),
      enrolmentkey: value('raw', 'group enrol secret phrase', { optional: true }),
      idnumber: value('raw', 'id number', { optional: true }),
      visibility: value('int', `${VISIBILITY_DESC} default: 0`, { default: 0 }),
      participation: value(
        'bool',
        'activity participation enabled? Only for "all" and "members" visibility. Default true.',
        { default: true },
      ),
      customfields: multiple(
        single({
          shortname: value('alphanumext', 'The shortname of the custom field'),
          value: value('raw', 'The value of the custom field'),
        }),
        'Custom fields',
        { optional: true },
      ),
    }),
    'List of group object. A group has a courseid, a name, a description and an enrolment key.',
  ),
});

/**
 * Moodle checks moodle/course:managegroups per group, in its course's context. Gatehouse's roles
 * hold for the whole site, so the one check up front gives every group the same answer.
 */
export const CREATE_CAPABILITIES = [
  perRecord('moodle/course:managegroups', 'in the context of the course of each group'),
];

/** Creates the groups of a call in one write: all of them, or none. */
export async function createGroupsImpl(ctx: CallContext, { groups: list }: Infer<typeof createGroupsParameters>) {
  ctx.requireCapability('moodle/course:managegroups', 'Manage groups');
  const actor = actorOf(ctx);
  const now = ctx.now;
  if (!list.length) return [];
  // Each group is checked in turn, as Moodle does: the error is the first refused group's.
  return withWrite(ctx.deps, async (tx, w) => {
    const created: ReturnType<typeof toGroup>[] = [];
    for (const g of list) {
      const name = g.name.trim();
      if (!name) throw invalidParameter('Invalid group name');
      if (name.length > 254) throw invalidParameter('The group name is longer than 254 characters');
      // Moodle's order: the name, then the course's context, then the format, then the ID number.
      if ((await groupIdByName(tx, g.courseid, name)) !== undefined) {
        throw invalidParameter('Group with the same name already exists in the course');
      }
      await requireCourseContext(tx, g.courseid);
      const descriptionformat = validateFormat(g.descriptionformat);
      if (!(VISIBILITIES as readonly number[]).includes(g.visibility)) {
        throw invalidParameter('Invalid group visibility');
      }
      const idnumber = (g.idnumber ?? '').trim();
      if (idnumber && (await groupIdByIdnumber(tx, g.courseid, idnumber)) !== undefined) {
        throw moodleError('idnumbertaken', `ID number is already used for another group in the course (${idnumber})`);
      }
      const row = await insertGroup(tx, {
        courseId: g.courseid,
        name,
        description: g.description,
        descriptionformat,
        enrolmentkey: g.enrolmentkey ?? '',
        idnumber,
        visibility: g.visibility,
        // groups_create_group: participation only for visibility all (0) and members (1).
        participation: g.visibility <= 1 ? g.participation : false,
        timecreated: now,
        timemodified: now,
      });
      w.audit(actor, {
        action: 'group.create',
        targetType: 'group',
        targetId: row.id,
        summary: `Created group ${row.name} in course ${row.courseId} (web service)`,
      });
      created.push(toGroup(row));
    }
    return created;
  });
}

export const CREATE_DESCRIPTION =
  'Creates new groups. Group names must be unique within their course. All groups of the call are created, or none of them. ' +
  'visibility is 0 (visible to all), 1 (members), 2 (own membership) or 3 (hidden); participation is turned off for visibility 2 and 3, as Moodle does. ' +
  'customfields is accepted and ignored, as Moodle with no group custom fields defined.';

const createGroups = defineFunction({
  name: 'core_group_create_groups',
  component: 'core_group',
  description: CREATE_DESCRIPTION,
  type: 'write',
  capabilities: CREATE_CAPABILITIES,
  example: { groups: [{ courseid: 2, name: 'Example group', description: 'Made from the API documentation' }] },
  parameters: createGroupsParameters,
  returns: groupReturn,
  execute: (ctx, params) => createGroupsImpl(ctx, params),
});

const getCourseGroups = defineFunction({
  name: 'core_group_get_course_groups',
  component: 'core_group',
  description:
    'Returns all groups in specified course, with their visibility and participation. customfields is left out: Gatehouse has no group custom fields.',
  type: 'read',
  capabilities: [perRecord('moodle/course:managegroups', 'in the context of the course')],
  example: { courseid: 2 },
  parameters: single({
    courseid: value('int', 'id of course'),
  }),
  returns: courseGroupsReturn,
  async execute(ctx, { courseid }) {
    // Moodle checks this per record, in its context (see capabilities); Gatehouse's roles hold
    // site-wide, so one check up front gives every record the same answer.
    ctx.requireCapability('moodle/course:managegroups', 'Manage groups');
    const db = ctx.deps.store.db;
    await requireCourseContext(db, courseid);
    return (await groupsOfCourse(db, courseid)).map(toGroup);
  },
});

const deleteGroups = defineFunction({
  name: 'core_group_delete_groups',
  component: 'core_group',
  description: 'Deletes all specified groups. Ids of groups that do not exist are ignored, as Moodle does.',
  type: 'write',
  capabilities: [perRecord('moodle/course:managegroups', 'in the context of the course of each group')],
  example: { groupids: [1] },
  parameters: single({
    groupids: multiple(value('int', 'Group ID')),
  }),
  returns: null,
  async execute(ctx, { groupids }) {
    // Moodle checks this per record, in its context (see capabilities); Gatehouse's roles hold
    // site-wide, so one check up front gives every record the same answer.
    ctx.requireCapability('moodle/course:managegroups', 'Manage groups');
    if (!groupids.length) return null;
    const actor = actorOf(ctx);
    await withWrite(ctx.deps, async (tx, w) => {
      for (const g of await groupsByIds(tx, groupids)) {
        await deleteGroup(tx, g.id);
        w.audit(actor, {
          action: 'group.delete',
          targetType: 'group',
          targetId: g.id,
          summary: `Deleted group ${g.name} from course ${g.courseId} (web service)`,
        });
      }
    });
    return null;
  },
});

export const GROUP_FUNCTIONS = [createGroups, getCourseGroups, deleteGroups];
