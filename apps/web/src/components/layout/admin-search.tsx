import { type KeyboardEvent, useEffect, useId, useState } from 'react';
import { useNavigate } from 'react-router';
import { useCurrentUser } from '../../features/auth/queries';
import type { SearchHit } from '../../features/shell/admin-search-index';
import { cn } from '../../lib/cn';

/** The popover shows this many results; the results page has them all. */
const SHOWN = 8;

type Search = typeof import('../../features/shell/admin-search-index').searchAdmin;
let loading: Promise<Search> | undefined;
/** The index, loaded on first use (it brings the shared settings definitions). */
const loadSearch = () => {
  loading ??= import('../../features/shell/admin-search-index').then((m) => m.searchAdmin);
  return loading;
};

/** The address of the full results page (Moodle's admin/search.php?query=). */
const searchPageUrl = (query: string) => `/admin/search?query=${encodeURIComponent(query.trim())}`;

/** The admin search's results as the user types: the index loaded on first use. */
export function useAdminSearch(query: string): SearchHit[] | undefined {
  const me = useCurrentUser();
  const [search, setSearch] = useState<Search>();
  useEffect(() => {
    if (search || query.trim() === '') return;
    let live = true;
    void loadSearch().then((s) => live && setSearch(() => s));
    return () => {
      live = false;
    };
  }, [query, search]);
  return search ? search(query, me) : undefined;
}

/** A hit's two lines: its title, then where it is (and the setting's config name). */
export function HitText({ hit }: { hit: SearchHit }) {
  return (
    <>
      <span className="block font-medium">{hit.label}</span>
      <span className="block text-xs text-slate-600">
        {hit.kind === 'setting' ? (
          <>
            Setting <code>{hit.name}</code> on {hit.where}
          </>
        ) : (
          hit.where
        )}
      </span>
    </>
  );
}

/**
 * Site administration search, at the top of the navigation (the sidebar, and the drawer on a
 * phone): a combobox over the pages and settings. Arrow keys move through the results, Enter
 * opens the one chosen, or with none chosen the full results page; Escape closes the list.
 */
export function AdminSearch() {
  const navigate = useNavigate();
  const id = useId();
  const listId = `${id}-results`;
  const [query, setQuery] = useState('');
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const hits = useAdminSearch(query);
  const shown = (hits ?? []).slice(0, SHOWN);
  const searched = open && query.trim() !== '' && hits !== undefined;
  const expanded = searched && shown.length > 0;

  const go = (to: string) => {
    setOpen(false);
    setQuery('');
    setActive(-1);
    navigate(to);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      setOpen(true);
      if (shown.length === 0) return;
      const last = shown.length - 1;
      if (e.key === 'ArrowDown') setActive((a) => (a >= last ? 0 : a + 1));
      else setActive((a) => (a <= 0 ? last : a - 1));
    } else if (e.key === 'Escape') {
      if (expanded) {
        e.preventDefault();
        e.stopPropagation();
        setOpen(false);
        setActive(-1);
      }
    } else if (e.key === 'Enter') {
      e.preventDefault();
      const hit = expanded && active >= 0 ? shown[active] : undefined;
      if (hit) go(hit.to);
      else if (query.trim() !== '') go(searchPageUrl(query));
    }
  };

  return (
    <search aria-label="Site administration search" className="block px-3 pt-4">
      <label htmlFor={`${id}-input`} className="sr-only">
        Search administration
      </label>
      <input
        id={`${id}-input`}
        type="search"
        role="combobox"
        autoComplete="off"
        aria-expanded={expanded}
        aria-controls={listId}
        aria-autocomplete="list"
        aria-activedescendant={expanded && active >= 0 && active < shown.length ? `${id}-hit-${active}` : undefined}
        placeholder="Search pages, settings"
        value={query}
        onChange={(e) => {
          setQuery(e.target.value);
          setOpen(true);
          setActive(-1);
        }}
        onFocus={() => void loadSearch()}
        onBlur={() => setOpen(false)}
        onKeyDown={onKeyDown}
        className="w-full rounded-md border border-slate-300 bg-white px-2.5 py-1.5 text-sm text-slate-900 placeholder:text-slate-500"
      />
      <div
        id={listId}
        role="listbox"
        aria-label="Search results"
        hidden={!expanded}
        className="mt-1 max-h-[60vh] overflow-y-auto rounded-md border border-slate-200 bg-white py-1 shadow-lg"
      >
        {shown.map((hit, i) => (
          // biome-ignore lint/a11y/useKeyWithClickEvents: the combobox's input handles the keys (aria-activedescendant)
          <div
            key={`${hit.kind}|${hit.to}|${hit.name ?? ''}`}
            id={`${id}-hit-${i}`}
            role="option"
            tabIndex={-1}
            aria-selected={i === active}
            // Keep the focus in the box, so that the click lands before the list closes.
            onMouseDown={(e) => e.preventDefault()}
            onClick={() => go(hit.to)}
            className={cn(
              'cursor-pointer px-3 py-1.5 text-sm text-slate-900',
              i === active ? 'bg-blue-50 text-blue-900' : 'hover:bg-slate-100',
            )}
          >
            <HitText hit={hit} />
          </div>
        ))}
      </div>
      <p role="status" className="px-1 pt-1 text-xs text-slate-600 empty:hidden">
        {searched && shown.length === 0
          ? 'No pages or settings match.'
          : searched && (hits?.length ?? 0) > SHOWN
            ? `${hits?.length} results: press Enter to see them all.`
            : ''}
      </p>
    </search>
  );
}
