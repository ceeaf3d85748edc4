import { Button } from './button';

/** "Showing x–y of N" with Previous / Next. */
export function Pagination({
  page,
  perPage,
  total,
  onPage,
  noun = 'items',
}: {
  page: number;
  perPage: number;
  total: number;
  onPage: (page: number) => void;
  noun?: string;
}) {
  const first = total === 0 ? 0 : (page - 1) * perPage + 1;
  const last = Math.min(total, page * perPage);
  const pages = Math.max(1, Math.ceil(total / perPage));
  return (
    <nav
      aria-label="Pagination"
      className="mt-3 flex flex-wrap items-center justify-between gap-3 text-sm text-slate-600"
    >
      <p>
        Showing {first}–{last} of {total} {noun}
      </p>
      <div className="flex items-center gap-2">
        <span>
          Page {Math.min(page, pages)} of {pages}
        </span>
        <Button size="sm" onClick={() => onPage(page - 1)} disabled={page <= 1}>
          Previous
        </Button>
        <Button size="sm" onClick={() => onPage(page + 1)} disabled={page >= pages}>
          Next
        </Button>
      </div>
    </nav>
  );
}
