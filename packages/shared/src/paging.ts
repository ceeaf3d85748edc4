import { z } from 'zod';

const sortDirSchema = z.enum(['asc', 'desc']);

export const pageQuerySchema = z.object({
  page: z.coerce.number().int().min(1, 'Page starts at 1').max(1_000_000).default(1),
  perPage: z.coerce.number().int().min(1).max(200, 'At most 200 rows a page').default(25),
  dir: sortDirSchema.default('asc'),
});
