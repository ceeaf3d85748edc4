import { multiple, single, value } from '@gatehouse/shared';
import { coursesOfUser, enrolledCounts } from '../../features/enrolments/enrolments.repo';
import { defineFunction, perRecord } from '../types';
import { requireUser } from './common';

const getUsersCourses = defineFunction({
  name: 'core_enrol_get_users_courses',
  component: 'core_enrol',
  description:
    "Get the list of courses where a user is enrolled in. Your own courses always; someone else's need moodle/course:viewparticipants. Hidden courses are listed only for those who may view them.",
  type: 'read',
  capabilities: [perRecord('moodle/course:viewparticipants', "for another user's courses")],
  example: { userid: 5 },
  services: ['moodle_mobile_app'],
  parameters: single({
    userid: value('int', 'user id'),
  }),
  returns: multiple(
    single({
      id: value('int', 'id of course'),
      shortname: value('raw', 'short name of course'),
      fullname: value('raw', 'long name of course'),
      enrolledusercount: value('int', 'Number of enrolled users in this course'),
      idnumber: value('raw', 'id number of course'),
      visible: value('int', '1 means visible, 0 means hidden course'),
      summary: value('raw', 'summary', { optional: true }),
      summaryformat: value('int', 'summary format (1 = HTML, 0 = MOODLE, 2 = PLAIN or 4 = MARKDOWN)', {
        optional: true,
      }),
      format: value('plugin', 'course format: weeks, topics, social, site', { optional: true }),
      lang: value('lang', 'forced course language', { optional: true }),
      category: value('int', 'course category id', { optional: true }),
      startdate: value('int', 'Timestamp when the course start', { optional: true }),
      enddate: value('int', 'Timestamp when the course end', { optional: true }),
    }),
  ),
  async execute(ctx, { userid }) {
    if (userid !== ctx.user.id) {
      ctx.requireCapability('moodle/course:viewparticipants', 'View participants');
    }
    const db = ctx.deps.store.db;
    const user = await requireUser(db, userid);
    const rows = await coursesOfUser(db, user.id);
    // Moodle lists hidden courses to those who can see them: here, holders of moodle/course:view
    // and the course's teachers.
    const canViewHidden = ctx.hasCapability('moodle/course:view');
    const visible = rows.filter(
      (r) => r.course.visible || canViewHidden || (userid === ctx.user.id && r.role !== 'student'),
    );
    const counts = await enrolledCounts(
      db,
      visible.map((r) => r.course.id),
    );
    return visible.map(({ course: c }) => ({
      id: c.id,
      shortname: c.shortname,
      fullname: c.fullname,
      enrolledusercount: counts.get(c.id) ?? 0,
      idnumber: c.idnumber,
      visible: c.visible ? 1 : 0,
      summary: c.summary,
      summaryformat: c.summaryformat,
      format: c.format,
      lang: c.lang,
      category: c.categoryid,
      startdate: c.startdate,
      enddate: c.enddate,
    }));
  },
});

export const ENROL_FUNCTIONS = [getUsersCourses];
