import { multiple, single, value } from '@gatehouse/shared';
import type { DbOrTx } from '../../db/client';
import type { Actor } from '../../features/audit/audit.service';
import { type CourseRow, findCourse } from '../../features/courses/courses.repo';
import { findUser, type UserRow } from '../../features/users/users.repo';
import { missingRecord, moodleError } from '../exceptions';
import type { CallContext } from '../types';

// Helpers shared by the functions of the catalogue.

/** Moodle's SITEID: the front page course. */
export const SITEID = 1;

export const SITE_NAME = 'Gatehouse';
export const RELEASE = 'Gatehouse 1.0';
/** Moodle-style version number (YYYYMMDDXX) of the core functions. */
export const VERSION = '2025010100';

/** The site's public address (GATEHOUSE_WWWROOT), never the request's Host header. */
export function siteUrl(ctx: CallContext): string {
  return ctx.deps.env.wwwroot;
}

export function fullname(u: { firstname: string; lastname: string }): string {
  return `${u.firstname} ${u.lastname}`.trim();
}

/** The caller as the audit log names them; calls through web services have no IP here. */
export function actorOf(ctx: CallContext): Actor {
  return { id: ctx.user.id, username: ctx.user.username, ip: '' };
}

export function profileImageUrl(ctx: CallContext, userId: number, size: 'f1' | 'f2' = 'f1'): string {
  return `${siteUrl(ctx)}/pluginfile.php/${userContextId(userId)}/user/icon/${size}`;
}

// ---- contexts --------------------------------------------------------------------------------
// Gatehouse keeps no context table: context ids are derived. The system context is 1, as in
// Moodle; user and course contexts live in their own ranges (level x 1,000,000 + instance id),
// which stay inside XML-RPC's 32-bit integers.

const CONTEXT_USER = 30;
const CONTEXT_COURSE = 50;
const SYSTEM_CONTEXT_ID = 1;
const RANGE = 1_000_000;

export const userContextId = (userId: number): number => CONTEXT_USER * RANGE + userId;
export const courseContextId = (courseId: number): number => CONTEXT_COURSE * RANGE + courseId;

export type ContextRef = { level: 'system'; instanceid: 0 } | { level: 'user' | 'course'; instanceid: number };

/** Decodes a context id; undefined when it names no context. */
export function parseContextId(id: number): ContextRef | undefined {
  if (id === SYSTEM_CONTEXT_ID) return { level: 'system', instanceid: 0 };
  const level = Math.floor(id / RANGE);
  const instanceid = id % RANGE;
  if (instanceid <= 0) return undefined;
  if (level === CONTEXT_USER) return { level: 'user', instanceid };
  if (level === CONTEXT_COURSE) return { level: 'course', instanceid };
  return undefined;
}

// ---- text formats ----------------------------------------------------------------------------

/** FORMAT_MOODLE, FORMAT_HTML, FORMAT_PLAIN, FORMAT_MARKDOWN. */
export const TEXT_FORMATS = [0, 1, 2, 4] as const;

/** Moodle's external_validate_format. */
export function validateFormat(format: number): number {
  if (!(TEXT_FORMATS as readonly number[]).includes(format)) {
    throw moodleError('formatnotsupported', `Format not supported: ${format}`);
  }
  return format;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#039;' };

/** Text as HTML: HTML stays, other formats are escaped with line breaks kept. */
export function formatText(text: string, format: number): string {
  if (format === 1) return text;
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c).replace(/\r?\n/g, '<br />\n');
}

// ---- records ---------------------------------------------------------------------------------

/** A user that is not deleted, or dml_missing_record_exception. */
export async function requireUser(db: DbOrTx, id: number): Promise<UserRow> {
  const u = await findUser(db, id);
  if (!u || u.deleted) throw missingRecord('user', `No user with id ${id}`);
  return u;
}

/** A course, or dml_missing_record_exception. */
export async function requireCourse(db: DbOrTx, id: number): Promise<CourseRow> {
  const c = await findCourse(db, id);
  if (!c) throw missingRecord('course', `No course with id ${id}`);
  return c;
}

/** Moodle's external_warnings() (lib/external/classes/external_warnings.php): an optional list. */
export const externalWarnings = () =>
  multiple(
    single({
      item: value('text', 'item', { optional: true }),
      itemid: value('int', 'item id', { optional: true }),
      warningcode: value('alphanum', 'the warning code can be used by the client app to implement specific behaviour'),
      message: value('raw', 'untranslated english message to explain the warning'),
    }),
    'list of warnings',
    { optional: true },
  );
