import { bigint, boolean, index, pgTable, text } from 'drizzle-orm/pg-core';
import { users } from './users';

// Certifications (tool_mucertify), their assignments and periods, with the fields of the
// plugin's web-service reference.
export const certifications = pgTable('certifications', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
  contextid: bigint('contextid', { mode: 'number' }).notNull().default(1),
  fullname: text('fullname').notNull(),
  idnumber: text('idnumber').notNull().default(''),
  description: text('description').notNull().default(''),
  descriptionformat: bigint('descriptionformat', { mode: 'number' }).notNull().default(1),
  publicaccess: boolean('publicaccess').notNull().default(false),
  archived: boolean('archived').notNull().default(false),
  programid1: bigint('programid1', { mode: 'number' }).notNull(),
  programid2: bigint('programid2', { mode: 'number' }),
  templateid: bigint('templateid', { mode: 'number' }),
  recertify: bigint('recertify', { mode: 'number' }),
  periodsjson: text('periodsjson').notNull().default('{}'),
  sources: text('sources').notNull().default('[]'),
  cohortids: text('cohortids').notNull().default('[]'),
  tenantid: bigint('tenantid', { mode: 'number' }),
  timecreated: bigint('timecreated', { mode: 'number' }).notNull(),
});

export const certificationAssignments = pgTable(
  'certification_assignments',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    certificationId: bigint('certificationid', { mode: 'number' })
      .notNull()
      .references(() => certifications.id, { onDelete: 'cascade' }),
    userId: bigint('userid', { mode: 'number' })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    sourceid: bigint('sourceid', { mode: 'number' }).notNull(),
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
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    certificationId: bigint('certificationid', { mode: 'number' })
      .notNull()
      .references(() => certifications.id, { onDelete: 'cascade' }),
    userId: bigint('userid', { mode: 'number' })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    programid: bigint('programid', { mode: 'number' }).notNull(),
    timewindowstart: bigint('timewindowstart', { mode: 'number' }).notNull(),
    timewindowdue: bigint('timewindowdue', { mode: 'number' }),
    timewindowend: bigint('timewindowend', { mode: 'number' }),
    allocationid: bigint('allocationid', { mode: 'number' }),
    timecertified: bigint('timecertified', { mode: 'number' }),
    timefrom: bigint('timefrom', { mode: 'number' }),
    timeuntil: bigint('timeuntil', { mode: 'number' }),
    timerevoked: bigint('timerevoked', { mode: 'number' }),
    evidencejson: text('evidencejson').notNull().default('{}'),
    recertifiable: boolean('recertifiable').notNull().default(false),
  },
  (t) => [index('cert_periods_cert_user_idx').on(t.certificationId, t.userId, t.timewindowstart)],
);
