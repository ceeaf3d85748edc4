import { bigint, boolean, index, integer, pgTable, text } from 'drizzle-orm/pg-core';
import { users } from './users';

// Certifications (tool_mucertify), their assignments and periods, with the fields of the
// plugin's web-service reference.
export const certifications = pgTable('certifications', {
  id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
  contextid: integer('contextid').notNull().default(1),
  fullname: text('fullname').notNull(),
  idnumber: text('idnumber').notNull().default(''),
  description: text('description').notNull().default(''),
  descriptionformat: integer('descriptionformat').notNull().default(1),
  publicaccess: boolean('publicaccess').notNull().default(false),
  archived: boolean('archived').notNull().default(false),
  programid1: integer('programid1').notNull(),
  programid2: integer('programid2'),
  templateid: integer('templateid'),
  recertify: integer('recertify'),
  periodsjson: text('periodsjson').notNull().default('{}'),
  sources: text('sources').notNull().default('[]'),
  cohortids: text('cohortids').notNull().default('[]'),
  tenantid: integer('tenantid'),
  timecreated: bigint('timecreated', { mode: 'number' }).notNull(),
});

export const certificationAssignments = pgTable(
  'certification_assignments',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    certificationId: integer('certificationid')
      .notNull()
      .references(() => certifications.id, { onDelete: 'cascade' }),
    userId: integer('userid')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    sourceid: integer('sourceid').notNull(),
    sourcetype: text('sourcetype').notNull(),
    archived: boolean('archived').notNull().default(false),
    timecertifiedtemp: bigint('timecertifiedtemp', { mode: 'number' }),
    evidencejson: text('evidencejson').notNull().default('{}'),
    timecertifiedfrom: bigint('timecertifiedfrom', { mode: 'number' }),
    timecertifieduntil: bigint('timecertifieduntil', { mode: 'number' }),
    timecreated: bigint('timecreated', { mode: 'number' }).notNull(),
  },
  (t) => [index('cert_assignments_cert_user_idx').on(t.certificationId, t.userId)],
);

export const certificationPeriods = pgTable(
  'certification_periods',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    certificationId: integer('certificationid')
      .notNull()
      .references(() => certifications.id, { onDelete: 'cascade' }),
    userId: integer('userid')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    programid: integer('programid').notNull(),
    timewindowstart: bigint('timewindowstart', { mode: 'number' }).notNull(),
    timewindowdue: bigint('timewindowdue', { mode: 'number' }),
    timewindowend: bigint('timewindowend', { mode: 'number' }),
    allocationid: integer('allocationid'),
    timecertified: bigint('timecertified', { mode: 'number' }),
    timefrom: bigint('timefrom', { mode: 'number' }),
    timeuntil: bigint('timeuntil', { mode: 'number' }),
    timerevoked: bigint('timerevoked', { mode: 'number' }),
    evidencejson: text('evidencejson').notNull().default('{}'),
    recertifiable: boolean('recertifiable').notNull().default(false),
  },
  (t) => [index('cert_periods_cert_user_idx').on(t.certificationId, t.userId, t.timewindowstart)],
);
