import { type ReactNode, type TdHTMLAttributes, type ThHTMLAttributes, useEffect, useRef, useState } from 'react';
import { cn } from '../../lib/cn';

/** What the box shows of its content sideways */
interface Overflow {
  /** The content is wider than the box, so it scrolls sideways. */
  overflows: boolean;
  /** Content hidden to the left / to the right of the box. */
  before: boolean;
  after: boolean;
}

/** Whether the element's content is wider than its box and where it is scrolled, kept current as either changes. */
function useOverflowsX<T extends HTMLElement>() {
  const ref = useRef<T>(null);
  const [state, setState] = useState<Overflow>({ overflows: false, before: false, after: false });
  useEffect(() => {
    const el = ref.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    const check = () => {
      const overflows = el.scrollWidth > el.clientWidth + 1;
      const before = overflows && el.scrollLeft > 1;
      const after = overflows && el.scrollLeft + el.clientWidth < el.scrollWidth - 1;
      setState((s) =>
        s.overflows === overflows && s.before === before && s.after === after ? s : { overflows, before, after },
      );
    };
    const observer = new ResizeObserver(check);
    observer.observe(el);
    if (el.firstElementChild) observer.observe(el.firstElementChild);
    el.addEventListener('scroll', check, { passive: true });
    check();
    return () => {
      observer.disconnect();
      el.removeEventListener('scroll', check);
    };
  }, []);
  return { ref, ...state };
}

/** A shadow along one edge of a table box, where more of the table is hidden. */
function EdgeShadow({ side }: { side: 'left' | 'right' }) {
  return (
    <div
      aria-hidden="true"
      data-edge-shadow={side}
      className={cn(
        'pointer-events-none absolute inset-y-0 w-6 from-slate-900/20 to-transparent',
        side === 'left' ? 'left-0 rounded-l-md bg-linear-to-r' : 'right-0 rounded-r-md bg-linear-to-l',
      )}
    />
  );
}

/**
 * A bordered data table with a caption (visually hidden unless `showCaption`). When the table is
 * wider than its box it scrolls inside it, with a scrollbar that stays visible and a shadow on
 * each edge beyond which columns are hidden; the box then becomes a labelled region that takes
 * the keyboard focus, so that it can be scrolled with the arrow keys.
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
  const { ref, overflows, before, after } = useOverflowsX<HTMLDivElement>();
  return (
    <div className={cn('relative rounded-md border border-slate-200 bg-white', className)}>
      <div
        ref={ref}
        // `relative`: absolutely placed pieces of the table (visually hidden labels) stay clipped
        // by this box rather than stretching the page.
        {...(overflows ? { role: 'region', 'aria-label': caption, tabIndex: 0 } : {})}
        className="scroll-box relative overflow-x-auto rounded-md focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-600"
      >
        <table className={cn('min-w-full divide-y divide-slate-200 text-left text-sm', fixed && 'table-fixed')}>
          <caption className={showCaption ? 'px-4 py-2 text-left font-medium text-slate-800' : 'sr-only'}>
            {caption}
          </caption>
          {children}
        </table>
      </div>
      {before && <EdgeShadow side="left" />}
      {after && <EdgeShadow side="right" />}
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
