import * as pg from '../schema-pg';
import * as sqlite from '../schema-sqlite';

// The tables every repository imports. They are SQLite's (schema-sqlite/) until a PostgreSQL
// store is opened, which swaps in the PostgreSQL twins (schema-pg/, the same row types: see
// schema-agree.ts) through these live bindings: one process serves one store, of one dialect.
// `gatehouse copy`, which reads one dialect and writes the other, names both schemas itself.

export type { HubCourseRow, HubSiteRow, TokenRow, UserRow } from '../schema-sqlite';

export type Dialect = 'sqlite' | 'pg';
type Tables = typeof sqlite;

/**
 * The dialect is chosen before any module reads a table (some keep columns in module-level
 * constants): PostgreSQL when GATEHOUSE_DATABASE_URL is set (or, in the test suite's PostgreSQL
 * run, GATEHOUSE_TEST_DATABASE_URL), SQLite otherwise. Opening a store of the other dialect
 * swaps the bindings (useTables), for a process that serves that store only.
 */
const initial: Dialect =
  process.env.GATEHOUSE_DATABASE_URL || process.env.GATEHOUSE_TEST_DATABASE_URL ? 'pg' : 'sqlite';
const start = (initial === 'pg' ? pg : sqlite) as unknown as Tables;

export let auditLog = start.auditLog;
export let certifications = start.certifications;
export let certificationAssignments = start.certificationAssignments;
export let certificationPeriods = start.certificationPeriods;
export let config = start.config;
export let courses = start.courses;
export let courseFormatOptions = start.courseFormatOptions;
export let courseSections = start.courseSections;
export let courseModules = start.courseModules;
export let enrolments = start.enrolments;
export let groups = start.groups;
export let files = start.files;
export let hubSites = start.hubSites;
export let hubCourses = start.hubCourses;
export let hubCourseContents = start.hubCourseContents;
export let hubCourseOutcomes = start.hubCourseOutcomes;
export let hubStolenSecrets = start.hubStolenSecrets;
export let hubOutbox = start.hubOutbox;
export let messages = start.messages;
export let notes = start.notes;
export let roles = start.roles;
export let roleCapabilities = start.roleCapabilities;
export let roleAssignments = start.roleAssignments;
export let externalServices = start.externalServices;
export let externalServiceFunctions = start.externalServiceFunctions;
export let externalServiceUsers = start.externalServiceUsers;
export let sessions = start.sessions;
export let externalTokens = start.externalTokens;
export let usageBuckets = start.usageBuckets;
export let users = start.users;
export let userPreferences = start.userPreferences;
export let userDevices = start.userDevices;

let current: Dialect = initial;

/** The dialect whose tables the bindings above hold. */
export function tablesDialect(): Dialect {
  return current;
}

/** Points every binding above at `tables` (the PostgreSQL twins, typed as SQLite's). */
export function useTables(dialect: Dialect): void {
  if (dialect === current) return;
  const tables = (dialect === 'pg' ? pg : sqlite) as unknown as Tables;
  current = dialect;
  auditLog = tables.auditLog;
  certifications = tables.certifications;
  certificationAssignments = tables.certificationAssignments;
  certificationPeriods = tables.certificationPeriods;
  config = tables.config;
  courses = tables.courses;
  courseFormatOptions = tables.courseFormatOptions;
  courseSections = tables.courseSections;
  courseModules = tables.courseModules;
  enrolments = tables.enrolments;
  groups = tables.groups;
  files = tables.files;
  hubSites = tables.hubSites;
  hubCourses = tables.hubCourses;
  hubCourseContents = tables.hubCourseContents;
  hubCourseOutcomes = tables.hubCourseOutcomes;
  hubStolenSecrets = tables.hubStolenSecrets;
  hubOutbox = tables.hubOutbox;
  messages = tables.messages;
  notes = tables.notes;
  roles = tables.roles;
  roleCapabilities = tables.roleCapabilities;
  roleAssignments = tables.roleAssignments;
  externalServices = tables.externalServices;
  externalServiceFunctions = tables.externalServiceFunctions;
  externalServiceUsers = tables.externalServiceUsers;
  sessions = tables.sessions;
  externalTokens = tables.externalTokens;
  usageBuckets = tables.usageBuckets;
  users = tables.users;
  userPreferences = tables.userPreferences;
  userDevices = tables.userDevices;
}
