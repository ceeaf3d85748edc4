import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { users } from './users';

// Certifications (tool_mucertify), their assignments and periods, with the fields of the
// plugin's web-service reference.
export const certifications = sqliteTable('certifications', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  contextid: integer('contextid').notNull().default(1),
  fullname: text('fullname').notNull(),
  idnumber: text('idnumber').notNull().default(''),
  description: text('description').notNull().default(''),
  descriptionformat: integer('descriptionformat').notNull().default(1),
  publicaccess: integer('publicaccess', { mode: 'boolean' }).notNull().default(false),
  archived: integer('archived', { mode: 'boolean' }).notNull().default(false),
  programid1: integer('programid1').notNull(),
  programid2: integer('programid2'),
  templateid: integer('templateid'),
  recertify: integer('recertify'),
  periodsjson: text('periodsjson').notNull().default('{}'),
  sources: text('sources').notNull().default('[]'),
  cohortids: text('cohortids').notNull().default('[]'),
  tenantid: integer('tenantid'),
  timecreated: integer('timecreated').notNull(),
});

export const certificationAssignments = sqliteTable(
  'certification_assignments',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    certificationId: integer('certificationid')
      .notNull()
      .references(() => certifications.id, { onDelete: 'cascade' }),
    userId: integer('userid')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    sourceid: integer('sourceid').notNull(),
    sourcetype: text('sourcetype').notNull(),
    archived: integer('archived', { mode: 'boolean' }).notNull().default(false),
    timecertifiedtemp: integer('timecertifiedtemp'),
    evidencejson: text('evidencejson').notNull().default('{}'),
    timecertifiedfrom: integer('timecertifiedfrom'),
    timecertifieduntil: integer('timecertifieduntil'),
    timecreated: integer('timecreated').notNull(),
  },
  (t) => [index('cert_assignments_cert_user_idx').on(t.certificationId, t.userId)],
);

export const certificationPeriods = sqliteTable(
  'certification_periods',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    certificationId: integer('certificationid')
      .notNull()
      .references(() => certifications.id, { onDelete: 'cascade' }),
    userId: integer('userid')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    programid: integer('programid').notNull(),
    timewindowstart: integer('timewindowstart').notNull(),
    timewindowdue: integer('timewindowdue'),
    timewindowend: integer('timewindowend'),
    allocationid: integer('allocationid'),
    timecertified: integer('timecertified'),
    timefrom: integer('timefrom'),
    timeuntil: integer('timeuntil'),
    timerevoked: integer('timerevoked'),
    evidencejson: text('evidencejson').notNull().default('{}'),
    recertifiable: integer('recertifiable', { mode: 'boolean' }).notNull().default(false),
  },
  (t) => [index('cert_periods_cert_user_idx').on(t.certificationId, t.userId, t.timewindowstart)],
);
