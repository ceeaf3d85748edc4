import { type KeyboardEvent, type ReactNode, useId, useRef, useState } from 'react';
import { cn } from '../../lib/cn';

export interface TabItem {
  id: string;
  label: string;
  content: ReactNode;
}

/**
 * Tabs after the WAI-ARIA pattern: one tab stop for the tab list, arrow keys (and Home / End)
 * move between tabs and show them. Printed, every panel shows, each under its tab's name.
 */
export function Tabs({ label, tabs, className }: { label: string; tabs: TabItem[]; className?: string }) {
  const base = useId();
  const [selected, setSelected] = useState(tabs[0]?.id ?? '');
  const refs = useRef<Record<string, HTMLButtonElement | null>>({});
  const current = tabs.some((t) => t.id === selected) ? selected : (tabs[0]?.id ?? '');

  function onKeyDown(e: KeyboardEvent<HTMLDivElement>) {
    const i = tabs.findIndex((t) => t.id === current);
    let next = -1;
    if (e.key === 'ArrowRight') next = (i + 1) % tabs.length;
    else if (e.key === 'ArrowLeft') next = (i - 1 + tabs.length) % tabs.length;
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = tabs.length - 1;
    const tab = tabs[next];
    if (!tab) return;
    e.preventDefault();
    setSelected(tab.id);
    refs.current[tab.id]?.focus();
  }

  return (
    <div className={className}>
      <div
        role="tablist"
        aria-label={label}
        onKeyDown={onKeyDown}
        className="flex flex-wrap gap-1 border-b border-slate-200 print:hidden"
      >
        {tabs.map((t) => {
          const active = t.id === current;
          return (
            <button
              key={t.id}
              ref={(el) => {
                refs.current[t.id] = el;
              }}
              type="button"
              role="tab"
              id={`${base}-tab-${t.id}`}
              aria-selected={active}
              aria-controls={`${base}-panel-${t.id}`}
              tabIndex={active ? 0 : -1}
              onClick={() => setSelected(t.id)}
              className={cn(
                '-mb-px rounded-t-md border px-3 py-1.5 text-sm font-medium',
                active
                  ? 'border-slate-200 border-b-white bg-white text-blue-800'
                  : 'border-transparent text-slate-600 hover:bg-slate-100 hover:text-slate-900',
              )}
            >
              {t.label}
            </button>
          );
        })}
      </div>
      {tabs.map((t) => (
        <div
          key={t.id}
          role="tabpanel"
          id={`${base}-panel-${t.id}`}
          aria-labelledby={`${base}-tab-${t.id}`}
          className={cn('pt-3', t.id === current ? 'block' : 'hidden print:block')}
        >
          <p className="mb-1 hidden text-sm font-semibold print:block">{t.label}</p>
          {t.content}
        </div>
      ))}
    </div>
  );
}
