import { and, asc, eq, inArray, isNotNull, isNull, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { certificationAssignments, certificationPeriods, certifications } from '../../db/schema';

// Certifications (tool_mucertify), their assignments and their periods, as the plugin's web
// services read them.

export type CertificationRow = typeof certifications.$inferSelect;
type AssignmentRow = typeof certificationAssignments.$inferSelect;
type PeriodRow = typeof certificationPeriods.$inferSelect;

export async function findCertification(db: DbOrTx, id: number): Promise<CertificationRow | undefined> {
  return (await db.select().from(certifications).where(eq(certifications.id, id)).limit(1)).at(0);
}

/** Which certifications: every field given must match (`tenantid: null` means outside any tenant). */
export interface CertificationFilter {
  id?: number;
  contextid?: number;
  fullname?: string;
  idnumber?: string;
  publicaccess?: boolean;
  archived?: boolean;
  tenantid?: number | null;
}

/** The certifications a filter selects, in id order. */
export async function listCertifications(db: DbOrTx, f: CertificationFilter): Promise<CertificationRow[]> {
  const where: SQL[] = [];
  if (f.id !== undefined) where.push(eq(certifications.id, f.id));
  if (f.contextid !== undefined) where.push(eq(certifications.contextid, f.contextid));
  if (f.fullname !== undefined) where.push(eq(certifications.fullname, f.fullname));
  if (f.idnumber !== undefined) where.push(eq(certifications.idnumber, f.idnumber));
  if (f.publicaccess !== undefined) where.push(eq(certifications.publicaccess, f.publicaccess));
  if (f.archived !== undefined) where.push(eq(certifications.archived, f.archived));
  if (f.tenantid !== undefined) {
    where.push(f.tenantid === null ? isNull(certifications.tenantid) : eq(certifications.tenantid, f.tenantid));
  }
  return await db
    .select()
    .from(certifications)
    .where(where.length ? and(...where) : undefined)
    .orderBy(asc(certifications.id));
}

/** The assignments of a certification, of the given users only when `userIds` is not empty, in id order. */
export async function listAssignments(
  db: DbOrTx,
  certificationId: number,
  userIds?: number[],
): Promise<AssignmentRow[]> {
  const where: SQL[] = [eq(certificationAssignments.certificationId, certificationId)];
  if (userIds?.length) where.push(inArray(certificationAssignments.userId, userIds));
  return await db
    .select()
    .from(certificationAssignments)
    .where(and(...where))
    .orderBy(asc(certificationAssignments.id));
}

/** The users with a certified, not revoked period of the certification (a user may appear more than once). */
export async function certifiedUserIds(db: DbOrTx, certificationId: number): Promise<number[]> {
  return (
    await db
      .select({ userId: certificationPeriods.userId })
      .from(certificationPeriods)
      .where(
        and(
          eq(certificationPeriods.certificationId, certificationId),
          isNotNull(certificationPeriods.timecertified),
          isNull(certificationPeriods.timerevoked),
        ),
      )
  ).map((r) => r.userId);
}

/** A user's periods of a certification, by window start (then id). */
export async function listPeriods(db: DbOrTx, certificationId: number, userId: number): Promise<PeriodRow[]> {
  return await db
    .select()
    .from(certificationPeriods)
    .where(and(eq(certificationPeriods.certificationId, certificationId), eq(certificationPeriods.userId, userId)))
    .orderBy(asc(certificationPeriods.timewindowstart), asc(certificationPeriods.id));
}
