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
});

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
    timecreated: integer('timecreated').notNull(),
    timemodified: integer('timemodified').notNull(),
  },
  (t) => [uniqueIndex('groups_course_name_idx').on(t.courseId, t.name)],
);
