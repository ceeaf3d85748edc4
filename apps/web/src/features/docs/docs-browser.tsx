import { type FunctionDocDto, type FunctionDocsDto, functionSearchFields, wordSearch } from '@gatehouse/shared';
import { useDeferredValue, useEffect, useMemo, useRef, useState } from 'react';
import { flushSync } from 'react-dom';
import { useLocation, useNavigate } from 'react-router';
import { Alert } from '../../components/ui/alert';
import { Button } from '../../components/ui/button';
import { EmptyState } from '../../components/ui/empty-state';
import { TextField } from '../../components/ui/form-field';
import { cn } from '../../lib/cn';
import { plural } from '../../lib/format';
import { FunctionBadges, FunctionDetails, type FunctionHref } from './function-doc';
import type { FixedKey } from './try-it';

function Chevron({ open }: { open: boolean }) {
  return (
    <span
      aria-hidden="true"
      className={cn('inline-block w-3 text-slate-500 transition-transform print:hidden', open && 'rotate-90')}
    >
      ▸
    </span>
  );
}

function FunctionEntry({
  fn,
  open,
  onToggle,
  href,
  known,
  docs,
  fixedKey,
  forPrint,
}: {
  fn: FunctionDocDto;
  open: boolean;
  onToggle: () => void;
  href: FunctionHref;
  known: ReadonlySet<string>;
  docs: FunctionDocsDto;
  fixedKey?: FixedKey;
  forPrint: boolean;
}) {
  const headingId = `${fn.name}-heading`;
  const panelId = `${fn.name}-details`;
  return (
    <article
      id={fn.name}
      aria-labelledby={headingId}
      className="scroll-mt-4 border-t border-slate-200 px-4 py-3 first:border-t-0 print:break-inside-auto print:px-0"
    >
      <div className="flex flex-wrap items-start justify-between gap-2">
        <h3 id={headingId} className="text-base font-semibold">
          <button
            type="button"
            aria-expanded={open}
            aria-controls={panelId}
            onClick={onToggle}
            className="inline-flex items-baseline gap-2 rounded text-left font-mono break-all text-blue-800 hover:underline print:text-slate-900"
          >
            <Chevron open={open} />
            {fn.name}
          </button>
        </h3>
        <FunctionBadges fn={fn} />
      </div>
      <p className="mt-1 ml-5 text-sm text-slate-700 print:ml-0">{fn.description}</p>
      <div id={panelId} hidden={!open} className="ml-5 print:ml-0">
        {open && (
          <FunctionDetails
            fn={fn}
            href={href}
            known={known}
            enabledProtocols={docs.enabledProtocols}
            fixedKey={fixedKey}
            withTryIt={!forPrint}
          />
        )}
      </div>
    </article>
  );
}

/**
 * Generated API documentation: functions grouped by component (collapsible), a search that
 * filters as you type, and a deep link per function (opening one puts its name in the URL,
 * `${basePath}/name`; opening that URL opens it and scrolls to it; `#name` anchors work too).
 * Print expands everything into a print-friendly layout.
 */
export function DocsBrowser({
  docs,
  basePath,
  selected,
  fixedKey,
}: {
  docs: FunctionDocsDto;
  basePath: string;
  /** The function named in the URL. */
  selected?: string;
  fixedKey?: FixedKey;
}) {
  const navigate = useNavigate();
  const location = useLocation();
  const [search, setSearch] = useState('');
  const deferredSearch = useDeferredValue(search);
  const [open, setOpen] = useState<ReadonlySet<string>>(() => new Set(selected ? [selected] : []));
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(() => new Set());
  // The print view (opened with Print) and a print started from the browser's menu.
  const [printView, setPrintView] = useState(false);
  const [printing, setPrinting] = useState(false);
  const expandAll = printView || printing;
  // The deep link last scrolled to, so the page scrolls once per link and not when a click opened it.
  const scrolledTo = useRef<string | null>(null);
  const scrollPending = useRef<string | null>(null);

  const known = useMemo(() => new Set(docs.functions.map((f) => f.name)), [docs.functions]);
  const href: FunctionHref = (name) => `${basePath}/${encodeURIComponent(name)}`;

  const term = deferredSearch.trim().toLowerCase();
  // Every word of the search, in any order ("create group" finds core_group_create_groups).
  const searchFunctions = useMemo(() => wordSearch(docs.functions, functionSearchFields), [docs.functions]);
  const shown = useMemo(
    () => (term && !expandAll ? searchFunctions(term) : docs.functions),
    [docs.functions, searchFunctions, term, expandAll],
  );
  const groups = useMemo(() => {
    const m = new Map<string, FunctionDocDto[]>();
    for (const f of shown) m.set(f.component, [...(m.get(f.component) ?? []), f]);
    return [...m.entries()].sort(([a], [b]) => a.localeCompare(b));
  }, [shown]);

  // `#name` (Moodle's anchors) becomes the function's own URL.
  useEffect(() => {
    const name = decodeURIComponent(location.hash.slice(1));
    if (name && known.has(name) && name !== selected) navigate(href(name), { replace: true });
  });

  // A deep link (first load, a "use X instead" link, back / forward): open it, show its group, scroll to it.
  useEffect(() => {
    if (!selected || !known.has(selected) || scrolledTo.current === selected) return;
    scrolledTo.current = selected;
    const fn = docs.functions.find((f) => f.name === selected);
    setOpen((s) => new Set([...s, selected]));
    if (fn) {
      setCollapsed((s) => {
        const next = new Set(s);
        next.delete(fn.component);
        return next;
      });
    }
    scrollPending.current = selected;
  }, [selected, known, docs.functions]);

  // Scrolled to and focused once it is rendered open in an expanded group: after that commit,
  // not in a frame callback that may run before it.
  useEffect(() => {
    const name = scrollPending.current;
    if (!name || !open.has(name)) return;
    const fn = docs.functions.find((f) => f.name === name);
    if (fn && collapsed.has(fn.component)) return;
    scrollPending.current = null;
    document.getElementById(name)?.scrollIntoView({ block: 'start' });
    document.getElementById(`${name}-heading`)?.querySelector('button')?.focus({ preventScroll: true });
  }, [open, collapsed, docs.functions]);

  // Printing from the browser's own menu expands everything too.
  useEffect(() => {
    const before = () => flushSync(() => setPrinting(true));
    const after = () => setPrinting(false);
    window.addEventListener('beforeprint', before);
    window.addEventListener('afterprint', after);
    return () => {
      window.removeEventListener('beforeprint', before);
      window.removeEventListener('afterprint', after);
    };
  }, []);

  function toggleFunction(name: string) {
    if (open.has(name)) {
      setOpen((s) => new Set([...s].filter((n) => n !== name)));
      if (selected === name) navigate(basePath, { replace: true, preventScrollReset: true });
    } else {
      setOpen((s) => new Set([...s, name]));
      // Opened by a click: it is in view already.
      scrolledTo.current = name;
      navigate(href(name), { replace: true, preventScrollReset: true });
    }
  }

  function toggleGroup(component: string) {
    setCollapsed((s) => {
      const next = new Set(s);
      if (next.has(component)) next.delete(component);
      else next.add(component);
      return next;
    });
  }

  function openPrintView() {
    flushSync(() => setPrintView(true));
    window.print();
  }

  const unknown = selected && !known.has(selected);

  return (
    <div>
      {unknown && (
        <Alert tone="error" title="Function not found" className="mb-4">
          There is no function named <code>{selected}</code> in this documentation.
        </Alert>
      )}
      {printView ? (
        <div className="mb-6 flex flex-wrap items-center justify-between gap-3 rounded-md border border-blue-200 bg-blue-50 px-4 py-3 text-sm text-blue-900 print:hidden">
          <p>Print view: every function expanded, without Try it.</p>
          <div className="flex gap-2">
            <Button size="sm" variant="primary" onClick={() => window.print()}>
              Print
            </Button>
            <Button size="sm" onClick={() => setPrintView(false)}>
              Close print view
            </Button>
          </div>
        </div>
      ) : (
        <div className="mb-6 flex flex-wrap items-end justify-between gap-4 print:hidden">
          <TextField
            label="Search functions"
            type="search"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
            placeholder="Words of a name, description or component"
            autoComplete="off"
            spellCheck={false}
            className="w-full max-w-md"
            hint={
              term
                ? `${shown.length} of ${plural(docs.functions.length, 'function')} match.`
                : `${plural(docs.functions.length, 'function')} in ${plural(groups.length, 'component')}.`
            }
          />
          <Button onClick={openPrintView}>Print</Button>
        </div>
      )}
      {/* Announces how many match while typing. */}
      <p role="status" className="sr-only">
        {term ? `${plural(shown.length, 'function')} match` : ''}
      </p>

      {groups.length === 0 ? (
        term ? (
          <EmptyState title="No function matches your search">
            Try words of its name or description in any order (for example “create group”), or a component.
          </EmptyState>
        ) : (
          <EmptyState title="No functions">There is nothing to document.</EmptyState>
        )
      ) : (
        <div className="space-y-4">
          {groups.map(([component, fns]) => {
            const groupOpen = expandAll || !collapsed.has(component);
            const panelId = `component-${component}`;
            return (
              <section
                key={component}
                aria-labelledby={`${panelId}-heading`}
                className="rounded-md border border-slate-200 bg-white print:border-0"
              >
                <h2
                  id={`${panelId}-heading`}
                  className="border-b border-slate-200 bg-slate-50 px-4 py-2 print:bg-white print:px-0"
                >
                  <button
                    type="button"
                    aria-expanded={groupOpen}
                    aria-controls={panelId}
                    onClick={() => toggleGroup(component)}
                    className="flex w-full items-baseline gap-2 rounded text-left text-base font-semibold text-slate-900"
                  >
                    <Chevron open={groupOpen} />
                    <span className="font-mono">{component}</span>
                    <span className="text-sm font-normal text-slate-500">{plural(fns.length, 'function')}</span>
                  </button>
                </h2>
                <div id={panelId} hidden={!groupOpen}>
                  {groupOpen &&
                    fns.map((fn) => (
                      <FunctionEntry
                        key={fn.name}
                        fn={fn}
                        open={expandAll || open.has(fn.name)}
                        onToggle={() => toggleFunction(fn.name)}
                        href={href}
                        known={known}
                        docs={docs}
                        fixedKey={fixedKey}
                        forPrint={printView}
                      />
                    ))}
                </div>
              </section>
            );
          })}
        </div>
      )}
    </div>
  );
}
