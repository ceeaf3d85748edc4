import { z } from 'zod';

const sortDirSchema = z.enum(['asc', 'desc']);

export const pageQuerySchema = z.object({
  page: z.coerce.number().int().min(1, 'Page starts at 1').max(1_000_000).default(1),
  perPage: z.coerce.number().int().min(1).max(200, 'At most 200 rows a page').default(25),
  dir: sortDirSchema.default('asc'),
});

/**
 * The most rows a list counts: past it the total reads "10 000+" (LIST_COUNT_CAP rows and more), so
 * the first request after a change never counts a million rows.
 */
export const LIST_COUNT_CAP = 10_000;

/**
 * A list paged by keyset (Previous / Next): `cursor` is one of the `next` / `prev` strings a page
 * answered with, opaque to the client (the sort key and id of the row to start after or before).
 * Without it, `page` (offset paging) still works for callers that number pages.
 */
export const cursorPageQuerySchema = pageQuerySchema.extend({
  cursor: z
    .string()
    .max(2000, 'Not a list cursor')
    .regex(/^[A-Za-z0-9_-]+$/, 'Not a list cursor')
    .optional(),
});

/** One page of a keyset-paged list. */
export interface ListPageDto<T> {
  items: T[];
  /** The rows the filters select, counted up to LIST_COUNT_CAP (see `totalCapped`). */
  total: number;
  /** More than LIST_COUNT_CAP rows: show "10 000+". */
  totalCapped: boolean;
  /** The cursor of the next page, or null on the last one. */
  next: string | null;
  /** The cursor of the previous page, or null on the first one. */
  prev: string | null;
  page: number;
  perPage: number;
}

/** "10 000+" for a capped total, the number otherwise (in the locale's digits grouping). */
export function formatListTotal(total: number, capped: boolean, locale?: string): string {
  const n = new Intl.NumberFormat(locale).format(total);
  return capped ? `${n}+` : n;
}
