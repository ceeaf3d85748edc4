import { z } from 'zod';
import { CAPABILITY_NAMES } from './capabilities';
import { ipRestrictionSchema } from './ip';
import type { UserDto } from './users';

const capabilityOrNull = z
  .string()
  .nullable()
  .refine((c) => c === null || CAPABILITY_NAMES.includes(c), { message: 'Choose a capability from the list' });

const serviceFieldsSchema = z.object({
  name: z.string().trim().min(1, 'Name is required').max(200, 'At most 200 characters'),
  shortname: z
    .string()
    .trim()
    .min(1, 'Short name is required')
    .max(100, 'At most 100 characters')
    .regex(/^[a-z0-9_]+$/, 'Only lowercase letters, digits and underscores'),
  enabled: z.boolean(),
  restrictedUsers: z.boolean(),
  requiredCapability: capabilityOrNull,
  downloadFiles: z.boolean(),
  uploadFiles: z.boolean(),
});

export const serviceCreateSchema = serviceFieldsSchema.strict();
export type ServiceCreate = z.infer<typeof serviceCreateSchema>;

/** The short name may be sent (forms do) but must not change: the BFF refuses a change. */
export const serviceUpdateSchema = serviceFieldsSchema.partial().strict();
export type ServiceUpdate = z.infer<typeof serviceUpdateSchema>;

export interface ServiceDto {
  id: number;
  name: string;
  shortname: string;
  enabled: boolean;
  restrictedUsers: boolean;
  requiredCapability: string | null;
  downloadFiles: boolean;
  uploadFiles: boolean;
  builtin: boolean;
  component: string | null;
  protected: boolean;
  functionCount: number;
  authorisedCount: number;
  tokenCount: number;
  timecreated: number;
  timemodified: number;
}

export const serviceFunctionsAddSchema = z
  .object({
    functions: z
      .array(z.string().min(1).max(200))
      .min(1, 'Choose at least one function')
      .max(500, 'At most 500 functions at once'),
  })
  .strict();

export interface FunctionSummaryDto {
  name: string;
  component: string;
  description: string;
  type: 'read' | 'write';
  capabilities: string[];
  deprecated: boolean;
  replacedBy: string | null;
}

export const authorisedUsersAddSchema = z
  .object({
    userIds: z.array(z.number().int().positive()).min(1, 'Choose at least one user').max(500),
  })
  .strict();

export const authorisedUserUpdateSchema = z
  .object({
    ipRestriction: ipRestrictionSchema.optional(),
    validUntil: z.number().int().positive('Choose a date').nullable().optional(),
  })
  .strict();
export type AuthorisedUserUpdate = z.input<typeof authorisedUserUpdateSchema>;

export interface AuthorisedUserDto {
  user: Pick<UserDto, 'id' | 'username' | 'firstname' | 'lastname' | 'email' | 'suspended' | 'deleted'>;
  ipRestriction: string | null;
  validUntil: number | null;
  timecreated: number;
  /** What the user would still need to call every function of the service. */
  missingCapabilities: string[];
}
