import { bigint, boolean, index, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { users } from './users';

export const courses = pgTable('courses', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
  shortname: text('shortname').notNull().unique(),
  fullname: text('fullname').notNull(),
  idnumber: text('idnumber').notNull().default(''),
  summary: text('summary').notNull().default(''),
  summaryformat: bigint('summaryformat', { mode: 'number' }).notNull().default(1),
  categoryid: bigint('categoryid', { mode: 'number' }).notNull().default(1),
  format: text('format').notNull().default('topics'),
  visible: boolean('visible').notNull().default(true),
  lang: text('lang').notNull().default(''),
  startdate: bigint('startdate', { mode: 'number' }).notNull().default(0),
  enddate: bigint('enddate', { mode: 'number' }).notNull().default(0),
  timecreated: bigint('timecreated', { mode: 'number' }).notNull(),
  timemodified: bigint('timemodified', { mode: 'number' }).notNull(),
  // Moodle's course settings (course table), with Moodle's defaults, for core_course_create_courses
  // and the course lists.
  sortorder: bigint('sortorder', { mode: 'number' }).notNull().default(0),
  showgrades: bigint('showgrades', { mode: 'number' }).notNull().default(1),
  newsitems: bigint('newsitems', { mode: 'number' }).notNull().default(5),
  maxbytes: bigint('maxbytes', { mode: 'number' }).notNull().default(0),
  showreports: bigint('showreports', { mode: 'number' }).notNull().default(0),
  /** 0 no groups, 1 separate, 2 visible. */
  groupmode: bigint('groupmode', { mode: 'number' }).notNull().default(0),
  groupmodeforce: bigint('groupmodeforce', { mode: 'number' }).notNull().default(0),
  defaultgroupingid: bigint('defaultgroupingid', { mode: 'number' }).notNull().default(0),
  enablecompletion: bigint('enablecompletion', { mode: 'number' }).notNull().default(0),
  completionnotify: bigint('completionnotify', { mode: 'number' }).notNull().default(0),
  theme: text('theme').notNull().default(''),
  calendartype: text('calendartype').notNull().default(''),
  showactivitydates: bigint('showactivitydates', { mode: 'number' }).notNull().default(1),
  showcompletionconditions: bigint('showcompletionconditions', { mode: 'number' }),
  relativedatesmode: bigint('relativedatesmode', { mode: 'number' }).notNull().default(0),
  marker: bigint('marker', { mode: 'number' }).notNull().default(0),
});

/** Moodle's course_format_options: a course format's own settings (topics: hiddensections, coursedisplay). */
export const courseFormatOptions = pgTable(
  'course_format_options',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    courseId: bigint('course_id', { mode: 'number' })
      .notNull()
      .references(() => courses.id, { onDelete: 'cascade' }),
    format: text('format').notNull(),
    sectionId: bigint('section_id', { mode: 'number' }).notNull().default(0),
    name: text('name').notNull(),
    value: text('value').notNull(),
  },
  (t) => [uniqueIndex('course_format_options_idx').on(t.courseId, t.format, t.sectionId, t.name)],
);

export const courseSections = pgTable(
  'course_sections',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    courseId: bigint('course_id', { mode: 'number' })
      .notNull()
      .references(() => courses.id, { onDelete: 'cascade' }),
    section: bigint('section', { mode: 'number' }).notNull(),
    name: text('name').notNull().default(''),
    summary: text('summary').notNull().default(''),
    visible: boolean('visible').notNull().default(true),
  },
  (t) => [uniqueIndex('course_sections_course_section_idx').on(t.courseId, t.section)],
);

export const courseModules = pgTable(
  'course_modules',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    courseId: bigint('course_id', { mode: 'number' })
      .notNull()
      .references(() => courses.id, { onDelete: 'cascade' }),
    sectionId: bigint('section_id', { mode: 'number' })
      .notNull()
      .references(() => courseSections.id, { onDelete: 'cascade' }),
    modname: text('modname').notNull(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    url: text('url'),
    visible: boolean('visible').notNull().default(true),
    position: bigint('position', { mode: 'number' }).notNull().default(0),
    /** A page's content (Moodle's page.content), served as the module's index.html. */
    content: text('content').notNull().default(''),
    contentformat: bigint('contentformat', { mode: 'number' }).notNull().default(1),
    /** Moodle's page.revision: part of the index.html URL, raised when the content changes. */
    revision: bigint('revision', { mode: 'number' }).notNull().default(1),
    timemodified: bigint('timemodified', { mode: 'number' }).notNull().default(0),
  },
  (t) => [index('course_modules_section_idx').on(t.sectionId, t.position)],
);

/** Course enrolments (manual enrolment only), with the role held in the course. */
export const enrolments = pgTable(
  'enrolments',
  {
    courseId: bigint('course_id', { mode: 'number' })
      .notNull()
      .references(() => courses.id, { onDelete: 'cascade' }),
    userId: bigint('user_id', { mode: 'number' })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: text('role').notNull().default('student'),
    timecreated: bigint('timecreated', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.courseId, t.userId] }), index('enrolments_user_idx').on(t.userId)],
);

export const groups = pgTable(
  'groups',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    courseId: bigint('course_id', { mode: 'number' })
      .notNull()
      .references(() => courses.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    idnumber: text('idnumber').notNull().default(''),
    description: text('description').notNull().default(''),
    descriptionformat: bigint('descriptionformat', { mode: 'number' }).notNull().default(1),
    enrolmentkey: text('enrolmentkey').notNull().default(''),
    /** Moodle 4.2's group visibility: 0 all, 1 members, 2 own membership, 3 none. */
    visibility: bigint('visibility', { mode: 'number' }).notNull().default(0),
    /** Whether the group is offered in activities' group selectors (Moodle 4.2). */
    participation: boolean('participation').notNull().default(true),
    timecreated: bigint('timecreated', { mode: 'number' }).notNull(),
    timemodified: bigint('timemodified', { mode: 'number' }).notNull(),
  },
  (t) => [uniqueIndex('groups_course_name_idx').on(t.courseId, t.name)],
);
