import type { ReactNode } from 'react';
import { cn } from '../../lib/cn';
import { ariaSort, RowTh, SortButton, type SortDir, Table, TBody, Td, THead, Th } from '../ui/table';

/** One column: its header, the cell of a row, and the sort it stands for (when it sorts). */
export interface Column<T, S extends string = string> {
  id: string;
  /** The header's text (also the sort button's label). */
  header: string;
  /** Shown instead of `header` (e.g. a visually hidden label). */
  headerContent?: ReactNode;
  sort?: S;
  /** This column's cells are row headers (one per row: the row's name). */
  rowHeader?: boolean;
  className?: string;
  headerClassName?: string;
  cell: (row: T) => ReactNode;
}

export interface Selection {
  selected: ReadonlySet<number>;
  toggle: (ids: readonly number[], on: boolean) => void;
  /** "Select token X" for a row's checkbox; "Select every token on this page" for the header's. */
  rowLabel: (id: number) => string;
  allLabel: string;
}

/**
 * A data table: sortable headers (a button in each th, the th carrying aria-sort), optional row
 * selection with a select-all for the page, dimmed while a new page loads. Scrolls inside its
 * own box on narrow screens (ui/table.tsx).
 */
export function DataTable<T, S extends string>({
  caption,
  rows,
  rowId,
  columns,
  sort,
  dir,
  onSort,
  selection,
  dim,
  rowClassName = 'align-top hover:bg-slate-50',
}: {
  caption: string;
  rows: readonly T[];
  rowId: (row: T) => number;
  columns: readonly Column<T, S>[];
  sort?: S;
  dir?: SortDir;
  onSort?: (sort: S) => void;
  selection?: Selection;
  dim?: boolean;
  rowClassName?: string;
}) {
  const ids = rows.map(rowId);
  const all = selection && ids.length > 0 && ids.every((id) => selection.selected.has(id));
  const some = selection && !all && ids.some((id) => selection.selected.has(id));
  return (
    <Table caption={caption} className={dim ? 'opacity-60' : undefined}>
      <THead>
        {selection && (
          <Th className="w-8">
            <input
              type="checkbox"
              aria-label={selection.allLabel}
              checked={!!all}
              ref={(el) => {
                if (el) el.indeterminate = !!some;
              }}
              onChange={(e) => selection.toggle(ids, e.target.checked)}
            />
          </Th>
        )}
        {columns.map((c) => (
          <Th
            key={c.id}
            className={c.headerClassName}
            aria-sort={c.sort && dir ? ariaSort(sort === c.sort, dir) : undefined}
          >
            {c.sort && onSort && dir ? (
              <SortButton label={c.header} active={sort === c.sort} dir={dir} onSort={() => onSort(c.sort as S)} />
            ) : (
              (c.headerContent ?? c.header)
            )}
          </Th>
        ))}
      </THead>
      <TBody>
        {rows.map((r) => {
          const id = rowId(r);
          return (
            <tr key={id} className={rowClassName}>
              {selection && (
                <Td className="align-top">
                  <input
                    type="checkbox"
                    aria-label={selection.rowLabel(id)}
                    checked={selection.selected.has(id)}
                    onChange={(e) => selection.toggle([id], e.target.checked)}
                  />
                </Td>
              )}
              {columns.map((c) =>
                c.rowHeader ? (
                  <RowTh key={c.id} className={cn('align-top', c.className)}>
                    {c.cell(r)}
                  </RowTh>
                ) : (
                  <Td key={c.id} className={cn('align-top', c.className)}>
                    {c.cell(r)}
                  </Td>
                ),
              )}
            </tr>
          );
        })}
      </TBody>
    </Table>
  );
}

/** The next sort state when a header is clicked: the same column flips, a new one starts ascending. */
export function nextSort<S extends string>(current: { sort: S; dir: SortDir }, clicked: S): { sort: S; dir: SortDir } {
  return { sort: clicked, dir: current.sort === clicked && current.dir === 'asc' ? 'desc' : 'asc' };
}
