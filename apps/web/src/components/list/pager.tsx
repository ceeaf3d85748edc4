import { formatListTotal } from '@gatehouse/shared';
import { Button } from '../ui/button';

/** "25 of 10 000+ tokens" with Previous / Next, which follow the page's keyset cursors. */
export function Pager({
  page,
  onCursor,
  noun,
}: {
  page: { items: unknown[]; total: number; totalCapped: boolean; next: string | null; prev: string | null };
  onCursor: (cursor: string) => void;
  noun: string;
}) {
  return (
    <nav
      aria-label="Pagination"
      className="mt-3 flex flex-wrap items-center justify-between gap-3 text-sm text-slate-600"
    >
      <p>
        Showing {page.items.length} of {formatListTotal(page.total, page.totalCapped)} {noun}
      </p>
      <div className="flex items-center gap-2">
        <Button size="sm" onClick={() => page.prev && onCursor(page.prev)} disabled={!page.prev}>
          Previous
        </Button>
        <Button size="sm" onClick={() => page.next && onCursor(page.next)} disabled={!page.next}>
          Next
        </Button>
      </div>
    </nav>
  );
}
