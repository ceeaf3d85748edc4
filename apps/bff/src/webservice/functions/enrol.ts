import { multiple, single, value } from '@gatehouse/shared';
import {
  coursesOfUser,
  enrolledCounts,
  enrolledCourseIds,
  hiddenCoursePreferences,
} from '../../features/enrolments/enrolments.repo';
import { type CallContext, defineFunction, perRecord } from '../types';
import { courseContextId, requireUser, siteUrl } from './common';

/**
 * The image of a course without one: Moodle's get_generated_url_for_course (lib/outputrenderers.php),
 * moodle_url::make_pluginfile_url($context->id, 'course', 'generated', null, '/', 'course.svg').
 */
function generatedCourseImageUrl(ctx: CallContext, courseId: number): string {
  return `${siteUrl(ctx)}/pluginfile.php/${courseContextId(courseId)}/course/generated/course.svg`;
}

const getUsersCourses = defineFunction({
  name: 'core_enrol_get_users_courses',
  component: 'core_enrol',
  description:
    "Get the list of courses where a user is enrolled in. Your own courses always; someone else's only with moodle/course:viewparticipants, and only the courses you may open yourself (Moodle leaves the others out without an error). " +
    'Hidden courses are listed only for those who may view them. With returnusercount false, enrolledusercount is left out (and not counted). ' +
    'As Moodle with the features off: enablecompletion, completionhascriteria, completionusertracked are false and progress, completed null (no activity completion), isfavourite false (no starred courses), ' +
    'lastaccess null (Gatehouse keeps no per-course access times), overviewfiles [] (no course images: courseimage is the URL of the generated image, course/generated/course.svg, as Moodle gives it), showcompletionconditions null. ' +
    'hidden is the user preference block_myoverview_hidden_course_<id>, for your own courses.',
  type: 'read',
  capabilities: [perRecord('moodle/course:viewparticipants', "for another user's courses, in each course's context")],
  example: { userid: 5 },
  services: ['moodle_mobile_app'],
  parameters: single({
    userid: value('int', 'user id'),
    returnusercount: value(
      'bool',
      'Include count of enrolled users for each course? This can add several seconds to the response time if a user is on several large courses, so set this to false if the value will not be used to improve performance.',
      { default: true },
    ),
  }),
  returns: multiple(
    single({
      id: value('int', 'id of course'),
      shortname: value('raw', 'short name of course'),
      fullname: value('raw', 'long name of course'),
      displayname: value('raw', 'course display name for lists.', { optional: true }),
      enrolledusercount: value('int', 'Number of enrolled users in this course', { optional: true }),
      idnumber: value('raw', 'id number of course'),
      visible: value('int', '1 means visible, 0 means not yet visible course'),
      summary: value('raw', 'summary', { optional: true }),
      summaryformat: value('int', 'summary format (1 = HTML, 0 = MOODLE, 2 = PLAIN, or 4 = MARKDOWN)', {
        optional: true,
      }),
      format: value('plugin', 'course format: weeks, topics, social, site', { optional: true }),
      courseimage: value('url', 'The course image URL', { optional: true }),
      showgrades: value('bool', 'true if grades are shown, otherwise false', { optional: true }),
      lang: value('lang', 'forced course language', { optional: true }),
      enablecompletion: value('bool', 'true if completion is enabled, otherwise false', { optional: true }),
      completionhascriteria: value('bool', 'If completion criteria is set.', { optional: true }),
      completionusertracked: value('bool', 'If the user is completion tracked.', { optional: true }),
      category: value('int', 'course category id', { optional: true }),
      progress: value('float', 'Progress percentage', { optional: true, allowNull: true }),
      completed: value('bool', 'Whether the course is completed.', { optional: true, allowNull: true }),
      startdate: value('int', 'Timestamp when the course start', { optional: true }),
      enddate: value('int', 'Timestamp when the course end', { optional: true }),
      marker: value('int', 'Course section marker.', { optional: true }),
      lastaccess: value('int', 'Last access to the course (timestamp).', { optional: true, allowNull: true }),
      isfavourite: value('bool', 'If the user marked this course a favourite.', { optional: true }),
      hidden: value('bool', 'If the user hide the course from the dashboard.', { optional: true }),
      overviewfiles: multiple(
        single(
          {
            filename: value('text', 'File name.', { optional: true }),
            filepath: value('text', 'File path.', { optional: true }),
            filesize: value('int', 'File size.', { optional: true }),
            fileurl: value('url', 'Downloadable file url.', { optional: true }),
            timemodified: value('int', 'Time modified.', { optional: true }),
            mimetype: value('raw', 'File mime type.', { optional: true }),
            isexternalfile: value('bool', 'Whether is an external file.', { optional: true }),
            repositorytype: value('plugin', 'The repository type for external files.', { optional: true }),
            icon: value('raw', "The relative path to the relevant file type icon based on the file's mime type.", {
              optional: true,
            }),
          },
          'File.',
        ),
        'Overview files attached to this course.',
        { optional: true },
      ),
      showactivitydates: value('bool', 'Whether the activity dates are shown or not'),
      showcompletionconditions: value('bool', 'Whether the activity completion conditions are shown or not', {
        allowNull: true,
      }),
      timemodified: value('int', 'Last time course settings were updated (timestamp).', { optional: true }),
    }),
  ),
  async execute(ctx, { userid, returnusercount }) {
    const db = ctx.deps.store.db;
    const user = await requireUser(db, userid);
    const sameuser = userid === ctx.user.id;
    // Moodle skips, without an error, each course whose participants the caller may not view
    // (course_can_view_participants); Gatehouse's roles hold site-wide, so that is every course.
    if (!sameuser && !ctx.hasCapability('moodle/course:viewparticipants')) return [];
    const rows = await coursesOfUser(db, user.id);
    // Moodle validates each course's context for the caller (skipping those the caller cannot
    // open) and lists hidden courses to those who can see them: here, holders of moodle/course:view
    // and the course's teachers.
    const canView = ctx.hasCapability('moodle/course:view');
    const callerCourses = sameuser || canView ? undefined : await enrolledCourseIds(db, ctx.user.id);
    const listed = rows.filter(
      (r) =>
        (callerCourses === undefined || callerCourses.has(r.course.id)) &&
        (r.course.visible || canView || (sameuser && r.role !== 'student')),
    );
    const counts = returnusercount
      ? await enrolledCounts(
          db,
          listed.map((r) => r.course.id),
        )
      : undefined;
    const hiddenPrefs = sameuser ? await hiddenCoursePreferences(db, user.id) : undefined;
    return listed.map(({ course: c }) => {
      const hiddenPref = hiddenPrefs?.get(c.id);
      return {
        id: c.id,
        shortname: c.shortname,
        fullname: c.fullname,
        displayname: c.fullname,
        ...(counts ? { enrolledusercount: counts.get(c.id) ?? 0 } : {}),
        idnumber: c.idnumber,
        visible: c.visible ? 1 : 0,
        summary: c.summary,
        summaryformat: c.summaryformat,
        format: c.format,
        courseimage: generatedCourseImageUrl(ctx, c.id),
        showgrades: c.showgrades === 1,
        lang: c.lang,
        enablecompletion: c.enablecompletion === 1,
        completionhascriteria: false,
        completionusertracked: false,
        category: c.categoryid,
        progress: null,
        completed: null,
        startdate: c.startdate,
        enddate: c.enddate,
        marker: c.marker,
        lastaccess: null,
        isfavourite: false,
        // PHP's boolval of the stored preference.
        hidden: hiddenPref !== undefined && hiddenPref !== '' && hiddenPref !== '0',
        overviewfiles: [],
        showactivitydates: c.showactivitydates === 1,
        showcompletionconditions: c.showcompletionconditions === null ? null : c.showcompletionconditions === 1,
        timemodified: c.timemodified,
      };
    });
  },
});

export const ENROL_FUNCTIONS = [getUsersCourses];
