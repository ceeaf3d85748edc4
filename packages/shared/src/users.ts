import { z } from 'zod';
import { emailSchema } from './email';
import { cursorPageQuerySchema } from './paging';

export const AUTH_METHODS = ['manual', 'nologin', 'webservice'] as const;
export const AUTH_LABELS: Record<(typeof AUTH_METHODS)[number], string> = {
  manual: 'Manual accounts',
  nologin: 'No login',
  webservice: 'Web services authentication',
};

const usernameSchema = z
  .string()
  .trim()
  .toLowerCase()
  .min(1, 'Username is required')
  .max(100, 'At most 100 characters')
  .regex(/^[a-z0-9_.@-]+$/, 'Only lowercase letters, digits and _ . @ - are allowed');

export const passwordSchema = z
  .string()
  .min(8, 'At least 8 characters')
  .max(200, 'At most 200 characters')
  .refine((v) => /[a-z]/i.test(v) && /[^a-z]/i.test(v), 'Use letters and at least one digit or symbol');

const nameField = (label: string) =>
  z.string().trim().min(1, `${label} is required`).max(100, 'At most 100 characters');

const userFieldsSchema = z.object({
  username: usernameSchema,
  firstname: nameField('First name'),
  lastname: nameField('Last name'),
  email: emailSchema,
  auth: z.enum(AUTH_METHODS),
  suspended: z.boolean(),
  confirmed: z.boolean(),
  passwordExpired: z.boolean(),
  siteAdmin: z.boolean(),
});

export const userCreateSchema = userFieldsSchema.extend({ password: passwordSchema }).strict();
export type UserCreate = z.infer<typeof userCreateSchema>;

/** Every field optional; a password given here is a new password. */
export const userUpdateSchema = userFieldsSchema.partial().extend({ password: passwordSchema.optional() }).strict();
export type UserUpdate = z.infer<typeof userUpdateSchema>;

export const USER_STATUSES = ['active', 'suspended', 'unconfirmed', 'deleted', 'all'] as const;
export const USER_SORTS = ['username', 'firstname', 'lastname', 'email', 'timecreated', 'lastlogin'] as const;

/** Browse list of users: keyset paged with `cursor` (Previous / Next), else by page number. */
export const userListQuerySchema = cursorPageQuerySchema.extend({
  search: z.string().trim().max(100).optional(),
  status: z.enum(USER_STATUSES).default('active'),
  sort: z.enum(USER_SORTS).default('lastname'),
});
export type UserListQuery = z.input<typeof userListQuerySchema>;

/** The most users one bulk suspend or unsuspend names (a page of the list at most). */
export const USER_BULK_MAX_IDS = 200;

/** Suspends (or unsuspends) the users named, all or none. */
export const userBulkSuspendSchema = z.strictObject({
  ids: z
    .array(z.number().int().positive())
    .min(1, 'Select at least one user')
    .max(USER_BULK_MAX_IDS, `At most ${USER_BULK_MAX_IDS} users at once`),
  suspended: z.boolean(),
});
export type UserBulkSuspend = z.infer<typeof userBulkSuspendSchema>;

export interface UserDto {
  id: number;
  username: string;
  firstname: string;
  lastname: string;
  email: string;
  auth: (typeof AUTH_METHODS)[number];
  suspended: boolean;
  confirmed: boolean;
  passwordExpired: boolean;
  siteAdmin: boolean;
  deleted: boolean;
  isGuest: boolean;
  protected: boolean;
  timecreated: number;
  timemodified: number;
  lastlogin: number | null;
}
