import { z } from 'zod';

/** The one error shape of the console API. */
const apiErrorSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    /** Field path (dot-separated) to message, for forms. */
    fields: z.record(z.string(), z.string()).optional(),
  }),
});
export type ApiErrorBody = z.infer<typeof apiErrorSchema>;

/** Header every state-changing console API request must carry (CSRF defence). */
export const CSRF_HEADER = 'x-gatehouse-csrf';
