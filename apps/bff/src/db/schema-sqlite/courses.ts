import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { users } from './users';

export const courses = sqliteTable('courses', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  shortname: text('shortname').notNull().unique(),
  fullname: text('fullname').notNull(),
  idnumber: text('idnumber').notNull().default(''),
  summary: text('summary').notNull().default(''),
  summaryformat: integer('summaryformat').notNull().default(1),
  categoryid: integer('categoryid').notNull().default(1),
  format: text('format').notNull().default('topics'),
  visible: integer('visible', { mode: 'boolean' }).notNull().default(true),
  lang: text('lang').notNull().default(''),
  startdate: integer('startdate').notNull().default(0),
  enddate: integer('enddate').notNull().default(0),
  timecreated: integer('timecreated').notNull(),
  timemodified: integer('timemodified').notNull(),
  // Moodle's course settings (course table), with Moodle's defaults, for core_course_create_courses
  // and the course lists.
  sortorder: integer('sortorder').notNull().default(0),
  showgrades: integer('showgrades').notNull().default(1),
  newsitems: integer('newsitems').notNull().default(5),
  maxbytes: integer('maxbytes').notNull().default(0),
  showreports: integer('showreports').notNull().default(0),
  /** 0 no groups, 1 separate, 2 visible. */
  groupmode: integer('groupmode').notNull().default(0),
  groupmodeforce: integer('groupmodeforce').notNull().default(0),
  defaultgroupingid: integer('defaultgroupingid').notNull().default(0),
  enablecompletion: integer('enablecompletion').notNull().default(0),
  completionnotify: integer('completionnotify').notNull().default(0),
  theme: text('theme').notNull().default(''),
  calendartype: text('calendartype').notNull().default(''),
  showactivitydates: integer('showactivitydates').notNull().default(1),
  showcompletionconditions: integer('showcompletionconditions'),
  relativedatesmode: integer('relativedatesmode').notNull().default(0),
  marker: integer('marker').notNull().default(0),
});

/** Moodle's course_format_options: a course format's own settings (topics: hiddensections, coursedisplay). */
export const courseFormatOptions = sqliteTable(
  'course_format_options',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    courseId: integer('course_id')
      .notNull()
      .references(() => courses.id, { onDelete: 'cascade' }),
    format: text('format').notNull(),
    sectionId: integer('section_id').notNull().default(0),
    name: text('name').notNull(),
    value: text('value').notNull(),
  },
  (t) => [uniqueIndex('course_format_options_idx').on(t.courseId, t.format, t.sectionId, t.name)],
);

export const courseSections = sqliteTable(
  'course_sections',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    courseId: integer('course_id')
      .notNull()
      .references(() => courses.id, { onDelete: 'cascade' }),
    section: integer('section').notNull(),
    name: text('name').notNull().default(''),
    summary: text('summary').notNull().default(''),
    visible: integer('visible', { mode: 'boolean' }).notNull().default(true),
  },
  (t) => [uniqueIndex('course_sections_course_section_idx').on(t.courseId, t.section)],
);

export const courseModules = sqliteTable(
  'course_modules',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    courseId: integer('course_id')
      .notNull()
      .references(() => courses.id, { onDelete: 'cascade' }),
    sectionId: integer('section_id')
      .notNull()
      .references(() => courseSections.id, { onDelete: 'cascade' }),
    modname: text('modname').notNull(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    url: text('url'),
    visible: integer('visible', { mode: 'boolean' }).notNull().default(true),
    position: integer('position').notNull().default(0),
    /** A page's content (Moodle's page.content), served as the module's index.html. */
    content: text('content').notNull().default(''),
    contentformat: integer('contentformat').notNull().default(1),
    /** Moodle's page.revision: part of the index.html URL, raised when the content changes. */
    revision: integer('revision').notNull().default(1),
    timemodified: integer('timemodified').notNull().default(0),
  },
  (t) => [index('course_modules_section_idx').on(t.sectionId, t.position)],
);

/** Course enrolments (manual enrolment only), with the role held in the course. */
export const enrolments = sqliteTable(
  'enrolments',
  {
    courseId: integer('course_id')
      .notNull()
      .references(() => courses.id, { onDelete: 'cascade' }),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: text('role').notNull().default('student'),
    timecreated: integer('timecreated').notNull(),
  },
  (t) => [primaryKey({ columns: [t.courseId, t.userId] }), index('enrolments_user_idx').on(t.userId)],
);

export const groups = sqliteTable(
  'groups',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    courseId: integer('course_id')
      .notNull()
      .references(() => courses.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    idnumber: text('idnumber').notNull().default(''),
    description: text('description').notNull().default(''),
    descriptionformat: integer('descriptionformat').notNull().default(1),
    enrolmentkey: text('enrolmentkey').notNull().default(''),
    /** Moodle 4.2's group visibility: 0 all, 1 members, 2 own membership, 3 none. */
    visibility: integer('visibility').notNull().default(0),
    /** Whether the group is offered in activities' group selectors (Moodle 4.2). */
    participation: integer('participation', { mode: 'boolean' }).notNull().default(true),
    timecreated: integer('timecreated').notNull(),
    timemodified: integer('timemodified').notNull(),
  },
  (t) => [uniqueIndex('groups_course_name_idx').on(t.courseId, t.name)],
);
