import type { MeDto } from '@gatehouse/shared';
import { SETTING_DEFS, SETTING_NAMES, type SettingName } from '@gatehouse/shared';
import { type NavLeaf, navLeaves } from '../../components/layout/admin-nav-tree';
import { can } from '../auth/capabilities';

/**
 * The admin search's index (Moodle's Site administration search, admin/search.php): every page of
 * the navigation tree by its title and the titles of its groups, and every site setting by its
 * config name and its title, both taken from their single sources (admin-nav-tree.ts and the
 * shared SETTING_DEFS). Loaded on first use, so that the shared schemas stay out of the initial
 * bundle.
 */

/**
 * Which page edits each setting. Typed over every setting name: a new setting does not compile
 * until it is placed here (an empty list when no console page shows it).
 */
const SETTING_PAGES = {
  enablewebservices: ['/admin/advanced-features'],
  enablemobilewebservice: ['/admin/advanced-features', '/admin/webservice/mobile'],
  maxbytes: ['/admin/advanced-features'],
  userquota: ['/admin/advanced-features'],
  webserviceprotocols: ['/admin/webservice/protocols'],
  enablewsdocumentation: ['/admin/webservice/protocols'],
  maintenance_enabled: ['/admin/maintenance'],
  maintenance_message: ['/admin/maintenance'],
  debug: ['/admin/debugging'],
  // Not shown by the console (set with the CLI).
  tokenduration: [],
} as const satisfies Record<SettingName, readonly string[]>;

export interface SearchHit {
  kind: 'page' | 'setting';
  /** The page's or the setting's title. */
  label: string;
  /** Where it is: the page's groups ("Plugins › Web services"), or the page that has the setting. */
  where: string;
  to: string;
  /** The setting's config name. */
  name?: SettingName;
}

interface Entry {
  hit: SearchHit;
  cap: string;
  /** Lower-case text the query's words are looked for in. */
  text: string;
  /** Lower-case strings an exact query ranks first on (the title, the setting's name). */
  exact: string[];
}

const trailOf = (groups: string[]) => (groups.length ? groups.join(' › ') : 'Site administration');

function buildIndex(): Entry[] {
  const leaves = navLeaves();
  const byPath = new Map<string, { leaf: NavLeaf; groups: string[] }>(leaves.map((l) => [l.leaf.to, l]));
  const pages: Entry[] = leaves.map(({ leaf, groups }) => ({
    hit: { kind: 'page', label: leaf.label, where: trailOf(groups), to: leaf.to },
    cap: leaf.cap,
    text: [leaf.label, ...groups].join(' ').toLowerCase(),
    exact: [leaf.label.toLowerCase()],
  }));
  const settings: Entry[] = SETTING_NAMES.flatMap((name) =>
    (SETTING_PAGES[name] as readonly string[]).flatMap((path) => {
      const page = byPath.get(path);
      if (!page) return [];
      const { label } = SETTING_DEFS[name];
      return [
        {
          hit: { kind: 'setting' as const, label, where: page.leaf.label, to: page.leaf.to, name },
          cap: page.leaf.cap,
          text: `${name} ${label}`.toLowerCase(),
          exact: [name, label.toLowerCase()],
        },
      ];
    }),
  );
  return [...pages, ...settings];
}

let index: Entry[] | undefined;

/**
 * The pages and settings the user may open that match every word of the query (in any order,
 * anywhere in a title, a group's title or a setting's name), exact matches first, then pages,
 * then settings, each in the tree's order.
 */
export function searchAdmin(query: string, me: MeDto | null | undefined): SearchHit[] {
  const q = query.trim().toLowerCase();
  const words = q.split(/\s+/).filter(Boolean);
  if (words.length === 0) return [];
  index ??= buildIndex();
  const found = index.filter((e) => can(me, e.cap) && words.every((w) => e.text.includes(w)));
  const rank = (e: Entry) => (e.exact.includes(q) ? 0 : e.hit.kind === 'page' ? 1 : 2);
  return found
    .map((e, i) => ({ e, i }))
    .sort((a, b) => rank(a.e) - rank(b.e) || a.i - b.i)
    .map(({ e }) => e.hit);
}
