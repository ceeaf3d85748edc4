import { z } from 'zod';
import { cursorPageQuerySchema } from './paging';

export const auditQuerySchema = cursorPageQuerySchema.extend({
  actor: z.string().trim().max(100).optional(),
  action: z.string().trim().max(100).optional(),
  search: z.string().trim().max(200).optional(),
  from: z.coerce.number().int().nonnegative().optional(),
  to: z.coerce.number().int().nonnegative().optional(),
  dir: z.enum(['asc', 'desc']).default('desc'),
});
export type AuditQuery = z.input<typeof auditQuerySchema>;

export interface AuditEntryDto {
  id: number;
  time: number;
  actorId: number | null;
  actorUsername: string;
  action: string;
  targetType: string;
  targetId: string | null;
  summary: string;
  details: Record<string, unknown>;
  ip: string;
  /** The actor's full name now (null when the actor is the CLI or the system, or is gone). */
  actorName: string | null;
  /** The target's name now (user's full name, service, token, role, hub site…), or null when gone/unknown. */
  targetName: string | null;
}
