import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { HitText, useAdminSearch } from '../components/layout/admin-search';
import { Page } from '../components/layout/page';
import { Button } from '../components/ui/button';

/** Site administration search's results page (Moodle's admin/search.php?query=…): every match as a link. */
export default function AdminSearchPage() {
  const [params, setParams] = useSearchParams();
  const query = params.get('query') ?? '';
  const [text, setText] = useState(query);
  const hits = useAdminSearch(query);
  const count = hits?.length ?? 0;

  return (
    <Page title="Search" subject={query.trim() || undefined}>
      <search aria-label="Search site administration" className="mb-6 block max-w-xl">
        <form
          className="flex gap-2"
          onSubmit={(e) => {
            e.preventDefault();
            setParams(text.trim() ? { query: text.trim() } : {});
          }}
        >
          <label htmlFor="admin-search-query" className="sr-only">
            Search pages and settings
          </label>
          <input
            id="admin-search-query"
            type="search"
            value={text}
            onChange={(e) => setText(e.target.value)}
            placeholder="A page's title, a setting's name or title"
            className="min-w-0 flex-1 rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm text-slate-900 placeholder:text-slate-500"
          />
          <Button type="submit">Search</Button>
        </form>
      </search>
      {query.trim() === '' ? (
        <p className="text-sm text-slate-600">
          Search the administration pages by title and the settings by name or title.
        </p>
      ) : hits === undefined ? null : (
        <>
          <p role="status" className="mb-3 text-sm text-slate-600">
            {count === 0 ? 'No pages or settings match.' : count === 1 ? '1 result' : `${count} results`}
          </p>
          {count > 0 && (
            <ul className="divide-y divide-slate-200 rounded-md border border-slate-200 bg-white">
              {hits.map((hit) => (
                <li key={`${hit.kind}|${hit.to}|${hit.name ?? ''}`}>
                  <Link to={hit.to} className="block px-4 py-2.5 text-sm text-slate-900 hover:bg-slate-50">
                    <span className="text-blue-700">
                      <HitText hit={hit} />
                    </span>
                  </Link>
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </Page>
  );
}
