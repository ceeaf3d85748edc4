import { z } from 'zod';
import { CAPABILITY_NAMES } from './capabilities';

const PERMISSIONS = ['allow', 'prohibit'] as const;
export type Permission = (typeof PERMISSIONS)[number];
/** `notset` in a patch removes the permission from the role. */
const permissionPatchSchema = z.enum(['allow', 'prohibit', 'notset']);

const capabilityName = z.string().refine((c) => CAPABILITY_NAMES.includes(c), { message: 'Unknown capability' });

const roleFieldsSchema = z.object({
  shortname: z
    .string()
    .trim()
    .min(1, 'Short name is required')
    .max(100)
    .regex(/^[a-z0-9_]+$/, 'Only lowercase letters, digits and underscores'),
  name: z.string().trim().min(1, 'Name is required').max(255),
  description: z.string().trim().max(2000).default(''),
});

export const roleCreateSchema = roleFieldsSchema
  .extend({ capabilities: z.record(capabilityName, z.enum(PERMISSIONS)).default({}) })
  .strict();
export type RoleCreate = z.input<typeof roleCreateSchema>;

export const roleUpdateSchema = z
  .object({
    name: roleFieldsSchema.shape.name.optional(),
    description: z.string().trim().max(2000).optional(),
    capabilities: z.record(capabilityName, permissionPatchSchema).optional(),
  })
  .strict();
export type RoleUpdate = z.infer<typeof roleUpdateSchema>;

export const roleAssignSchema = z.object({ userId: z.number().int().positive() }).strict();

export interface RoleDto {
  id: number;
  shortname: string;
  name: string;
  description: string;
  archetype: string;
  /** Authenticated user and Guest: given automatically, never assigned by hand. */
  automatic: boolean;
  protected: boolean;
  capabilities: Record<string, Permission>;
  assignedCount: number;
}

export interface CapabilityCheck {
  capability: string;
  allowed: boolean;
  reason: string;
}
