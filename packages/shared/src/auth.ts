import { z } from 'zod';

export const loginSchema = z
  .object({
    username: z.string().trim().min(1, 'Enter your username').max(100),
    password: z.string().min(1, 'Enter your password').max(200),
  })
  .strict();

export interface MeDto {
  id: number;
  username: string;
  fullname: string;
  siteAdmin: boolean;
  /** The capabilities the user holds, for navigation only: the BFF checks every call itself. */
  capabilities: string[];
}
