import { z } from 'zod';

// The web service test client's token look-up: which service a pasted token belongs to and
// which functions that service offers, so the function list is narrowed to them.

/** POST /api/docs/test-client/token: the secret goes in the body, never in a URL. */
export const testClientTokenSchema = z
  .object({
    token: z.string().trim().min(1, 'Paste a token').max(200, 'At most 200 characters'),
  })
  .strict();

export interface TestClientTokenDto {
  service: { id: number; name: string; shortname: string };
  /** The service's function names, sorted. */
  functions: string[];
}
