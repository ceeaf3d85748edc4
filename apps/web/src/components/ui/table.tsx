import { type ReactNode, type TdHTMLAttributes, type ThHTMLAttributes, useEffect, useRef, useState } from 'react';
import { cn } from '../../lib/cn';

/** Whether the element's content is wider than its box (so it scrolls sideways), kept current as either changes. */
function useOverflowsX<T extends HTMLElement>() {
  const ref = useRef<T>(null);
  const [overflows, setOverflows] = useState(false);
  useEffect(() => {
    const el = ref.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    const check = () => setOverflows(el.scrollWidth > el.clientWidth + 1);
    const observer = new ResizeObserver(check);
    observer.observe(el);
    if (el.firstElementChild) observer.observe(el.firstElementChild);
    check();
    return () => observer.disconnect();
  }, []);
  return { ref, overflows };
}

/**
 * A bordered data table with a caption (visually hidden unless `showCaption`). When the table is
 * wider than its box it scrolls inside it, and the box becomes a labelled region that takes the
 * keyboard focus, so that it can be scrolled with the arrow keys.
 */
export function Table({
  caption,
  showCaption,
  fixed,
  children,
  className,
}: {
  caption: string;
  showCaption?: boolean;
  /** Column widths from the first row (so several tables line up). */
  fixed?: boolean;
  children: ReactNode;
  className?: string;
}) {
  const { ref, overflows } = useOverflowsX<HTMLDivElement>();
  return (
    <div
      ref={ref}
      {...(overflows ? { role: 'region', 'aria-label': caption, tabIndex: 0 } : {})}
      className={cn(
        'relative overflow-x-auto rounded-md border border-slate-200 bg-white focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-600',
        className,
      )}
    >
      <table className={cn('min-w-full divide-y divide-slate-200 text-left text-sm', fixed && 'table-fixed')}>
        <caption className={showCaption ? 'px-4 py-2 text-left font-medium text-slate-800' : 'sr-only'}>
          {caption}
        </caption>
        {children}
      </table>
    </div>
  );
}

export function THead({ children }: { children: ReactNode }) {
  return (
    <thead className="bg-slate-50 text-xs font-semibold tracking-wide text-slate-600 uppercase">
      <tr>{children}</tr>
    </thead>
  );
}

export function TBody({ children }: { children: ReactNode }) {
  return <tbody className="divide-y divide-slate-100">{children}</tbody>;
}

export function Th({ className, scope = 'col', ...rest }: ThHTMLAttributes<HTMLTableCellElement>) {
  return <th scope={scope} className={cn('px-3 py-2.5 font-semibold whitespace-nowrap', className)} {...rest} />;
}

/** A row header (first cell of a body row). */
export function RowTh({ className, ...rest }: ThHTMLAttributes<HTMLTableCellElement>) {
  return <th scope="row" className={cn('px-3 py-2.5 text-left font-medium text-slate-900', className)} {...rest} />;
}

export function Td({ className, ...rest }: TdHTMLAttributes<HTMLTableCellElement>) {
  return <td className={cn('px-3 py-2.5 align-middle text-slate-700', className)} {...rest} />;
}

export type SortDir = 'asc' | 'desc';

/** A column header whose label is a button that sorts by it; the header carries aria-sort. */
export function SortButton({
  label,
  active,
  dir,
  onSort,
}: {
  label: string;
  active: boolean;
  dir: SortDir;
  onSort: () => void;
}) {
  return (
    <button
      type="button"
      onClick={onSort}
      className="inline-flex items-center gap-1 rounded uppercase hover:text-slate-900"
      title={active ? `Sorted ${dir === 'asc' ? 'ascending' : 'descending'}; click to reverse` : `Sort by ${label}`}
    >
      {label}
      <span aria-hidden="true" className={active ? 'text-slate-900' : 'text-slate-300'}>
        {active && dir === 'desc' ? '▼' : '▲'}
      </span>
    </button>
  );
}

export function ariaSort(active: boolean, dir: SortDir): 'ascending' | 'descending' | undefined {
  if (!active) return undefined;
  return dir === 'asc' ? 'ascending' : 'descending';
}
