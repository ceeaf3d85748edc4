import type { MeDto } from '@gatehouse/shared';
import { tokenListQuerySchema } from '@gatehouse/shared';
import { createMemoryRouter } from 'react-router';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseListQuery } from './components/list/use-list-query';
import { authKeys } from './features/auth/keys';
import { tokenAccessQueryOptions, tokenListQueryOptions, tokenQueryOptions } from './features/tokens/queries';
import { usageQueryOptions } from './features/usage/queries';
import { createQueryClient } from './lib/query-client';
import { onPathChange, prefetchScreen, type ScreenData, screenLoader, screens } from './screen-data';

// Route loaders start a screen's queries alongside its code chunk, under the very keys the screen
// asks for (so its useQuery joins them), only for users the screen would query for, and never hold
// up or fail a navigation.

const admin = { id: 2, username: 'admin', siteAdmin: true, capabilities: [] } as unknown as MeDto;
const ordinary = { id: 5, username: 'student', siteAdmin: false, capabilities: [] } as unknown as MeDto;

let requests: string[];
let answer: () => Promise<Response>;

beforeEach(() => {
  requests = [];
  answer = async () => Response.json({});
  vi.stubGlobal(
    'fetch',
    vi.fn(async (input: RequestInfo | URL) => {
      requests.push(String(input));
      return answer();
    }),
  );
});
afterEach(() => vi.unstubAllGlobals());

function clientAs(me: MeDto | null) {
  const qc = createQueryClient();
  qc.setQueryData(authKeys.me(), me);
  return qc;
}

/** Starts a screen's queries at `path` as its loader does, and waits until they have settled. */
async function load(qc: ReturnType<typeof clientAs>, data: ScreenData, path: string, params = {}) {
  await prefetchScreen(qc, data, params, new URL(`http://localhost${path}`));
}

/** A screen that renders nothing (the router needs one per route). */
function Blank() {
  return null;
}

const paths = () => requests.map((r) => r.replace(/^https?:\/\/[^/]+/, ''));

describe('route loaders', () => {
  it("start the token page's three queries at once, under the keys the screen uses", async () => {
    const qc = clientAs(admin);
    await load(qc, screens.tokenPage, '/admin/webservice/tokens/5', { id: '5' });
    expect(paths().sort()).toEqual(['/api/tokens/5', '/api/tokens/5/access', '/api/tokens/5/usage?range=48h']);
    for (const key of [
      tokenQueryOptions(5).queryKey,
      tokenAccessQueryOptions(5).queryKey,
      usageQueryOptions({ kind: 'token', id: 5 }, '48h').queryKey,
    ]) {
      expect(qc.getQueryState(key)?.status, JSON.stringify(key)).toBe('success');
    }
  });

  it("read a list's state from the URL through the shared schema, as the screen does", async () => {
    const qc = clientAs(admin);
    await load(qc, screens.tokensList, '/admin/webservice/tokens?sort=user&dir=asc&serviceId=3&bogus=1&perPage=x');
    const filters = parseListQuery(tokenListQuerySchema, { sort: 'user', dir: 'asc', serviceId: '3' });
    expect(qc.getQueryState(tokenListQueryOptions(filters).queryKey)?.status).toBe('success');
    expect(paths()).toContain('/api/tokens/services');
    expect(paths().filter((p) => p.startsWith('/api/tokens?'))).toHaveLength(1);
  });

  it('fetch nothing for a user the screen would not query for, nor for an id the screen refuses', async () => {
    await load(clientAs(ordinary), screens.tokenPage, '/admin/webservice/tokens/5', { id: '5' });
    await load(clientAs(null), screens.servicesList, '/admin/webservice/services');
    await load(clientAs(admin), screens.tokenPage, '/admin/webservice/tokens/abc', { id: 'abc' });
    await load(clientAs(admin), screens.serviceEdit, '/admin/webservice/services/0', { id: '0' });
    expect(requests).toEqual([]);
  });

  it("leave out a part the screen shows only with another capability (the user's roles)", async () => {
    const viewer = { ...ordinary, capabilities: ['moodle/user:viewdetails'] } as MeDto;
    await load(clientAs(viewer), screens.userEdit, '/admin/users/7', { id: '7' });
    expect(paths()).toEqual(['/api/users/7']);
  });

  it('never throw when the server fails or cannot be reached', async () => {
    const qc = clientAs(admin);
    // Without the client's retries (and their delays): what is tested is the loader's answer.
    qc.setDefaultOptions({ queries: { ...qc.getDefaultOptions().queries, retry: false } });
    answer = async () => Response.json({ error: { code: 'boom', message: 'Boom' } }, { status: 500 });
    await expect(load(qc, screens.servicesList, '/admin/webservice/services')).resolves.toBeUndefined();
    answer = async () => {
      throw new TypeError('Failed to fetch');
    };
    await expect(load(qc, screens.roleEdit, '/admin/roles/3', { id: '3' })).resolves.toBeUndefined();
    expect(paths()).toContain('/api/services');
    expect(paths()).toContain('/api/roles/3');
    // The screens then show their own error states.
    expect(qc.getQueryState(['services', 'list'])?.status).toBe('error');
  });

  it('answer null at once: the loader waits for none of it', async () => {
    const qc = clientAs(admin);
    answer = () => new Promise<Response>(() => {});
    const loader = screenLoader(qc, screens.servicesList);
    const url = new URL('http://localhost/admin/webservice/services');
    const args = { params: {}, request: new Request(url), url, pattern: url.pathname, context: undefined };
    expect(loader(args as Parameters<typeof loader>[0])).toBeNull();
    await vi.waitFor(() => expect(paths()).toEqual(['/api/services']));
  });

  it('run while the screen chunk downloads, not after it', async () => {
    const qc = clientAs(admin);
    let chunkLoaded: (c: { Component: typeof Blank }) => void = () => {};
    const chunk = new Promise<{ Component: typeof Blank }>((resolve) => {
      chunkLoaded = resolve;
    });
    const router = createMemoryRouter(
      [
        { path: '/', Component: Blank },
        {
          path: '/admin/webservice/services',
          lazy: () => chunk,
          loader: screenLoader(qc, screens.servicesList),
          shouldRevalidate: onPathChange,
        },
      ],
      { initialEntries: ['/'] },
    );
    await vi.waitFor(() => expect(router.state.initialized).toBe(true));
    const navigation = router.navigate('/admin/webservice/services');
    // The chunk has not arrived: the list is already on its way.
    await vi.waitFor(() => expect(paths()).toEqual(['/api/services']));
    expect(router.state.navigation.state).toBe('loading');
    chunkLoaded({ Component: Blank });
    await navigation;
    expect(router.state.location.pathname).toBe('/admin/webservice/services');
    router.dispose();
  });

  it("run again for another path, not for a list's filters typed into the URL", () => {
    const at = (currentUrl: string, nextUrl: string) =>
      onPathChange({
        currentUrl: new URL(`http://localhost${currentUrl}`),
        nextUrl: new URL(`http://localhost${nextUrl}`),
        currentParams: {},
        nextParams: {},
        defaultShouldRevalidate: true,
      });
    expect(at('/admin/webservice/tokens?name=a', '/admin/webservice/tokens?name=ab')).toBe(false);
    expect(at('/admin/webservice/tokens/1', '/admin/webservice/tokens/2')).toBe(true);
  });
});
