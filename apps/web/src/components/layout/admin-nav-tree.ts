import type { MeDto } from '@gatehouse/shared';
import { can } from '../../features/auth/capabilities';

export interface NavLeaf {
  label: string;
  to: string;
  /** The capability the page needs; the BFF checks it again on every call. */
  cap: string;
}
export interface NavGroup {
  label: string;
  children: NavNode[];
}
export type NavNode = NavLeaf | NavGroup;

export const isGroup = (n: NavNode): n is NavGroup => 'children' in n;

/** Moodle's Site administration tree, as far as Gatehouse has it. */
const ADMIN_NAV: NavNode[] = [
  { label: 'Advanced features', to: '/admin/advanced-features', cap: 'moodle/site:config' },
  {
    label: 'Users',
    children: [
      { label: 'Browse list of users', to: '/admin/users', cap: 'moodle/user:viewdetails' },
      { label: 'Add a new user', to: '/admin/users/new', cap: 'moodle/user:create' },
    ],
  },
  {
    label: 'Permissions',
    children: [
      { label: 'Define roles', to: '/admin/roles', cap: 'moodle/role:manage' },
      { label: 'Assign system roles', to: '/admin/roles/assign', cap: 'moodle/role:assign' },
      { label: 'Check system permissions', to: '/admin/roles/check', cap: 'moodle/role:review' },
    ],
  },
  {
    label: 'Plugins',
    children: [
      {
        label: 'Web services',
        children: [
          { label: 'Overview', to: '/admin/webservice/overview', cap: 'moodle/site:config' },
          { label: 'API documentation', to: '/admin/webservice/documentation', cap: 'moodle/site:config' },
          { label: 'Manage protocols', to: '/admin/webservice/protocols', cap: 'moodle/site:config' },
          { label: 'External services', to: '/admin/webservice/services', cap: 'moodle/site:config' },
          { label: 'Manage tokens', to: '/admin/webservice/tokens', cap: 'moodle/webservice:managealltokens' },
          { label: 'Mobile', to: '/admin/webservice/mobile', cap: 'moodle/site:config' },
          { label: 'Test client', to: '/admin/webservice/testclient', cap: 'moodle/site:config' },
        ],
      },
    ],
  },
  {
    label: 'Hub',
    children: [
      { label: 'Settings', to: '/admin/hub/settings', cap: 'local/hub:manage' },
      { label: 'Manage sites', to: '/admin/hub/sites', cap: 'local/hub:manage' },
      { label: 'Manage courses', to: '/admin/hub/courses', cap: 'local/hub:manage' },
    ],
  },
  {
    label: 'Server',
    children: [
      { label: 'Maintenance mode', to: '/admin/maintenance', cap: 'moodle/site:config' },
      { label: 'Debugging', to: '/admin/debugging', cap: 'moodle/site:config' },
    ],
  },
  {
    label: 'Reports',
    children: [{ label: 'Audit log', to: '/admin/audit', cap: 'moodle/site:viewreports' }],
  },
];

/** Every user's own pages (Moodle's Preferences), under the Preferences page itself. */
export const PREFERENCES_NAV: NavLeaf[] = [{ label: 'Security keys', to: '/preferences/keys', cap: '' }];

/** The admin tree's pages, each with the labels of the groups above it, in the tree's order. */
export function navLeaves(nodes: NavNode[] = ADMIN_NAV, groups: string[] = []): { leaf: NavLeaf; groups: string[] }[] {
  return nodes.flatMap((n) => (isGroup(n) ? navLeaves(n.children, [...groups, n.label]) : [{ leaf: n, groups }]));
}

/** One step of a breadcrumb trail: a page (with its address) or a group of the tree (none). */
export interface Crumb {
  label: string;
  to?: string;
}

const ROOTS = [
  { label: 'Site administration', to: '/admin', leaves: () => navLeaves() },
  { label: 'Preferences', to: '/preferences', leaves: () => navLeaves(PREFERENCES_NAV) },
];

const isUnder = (path: string, to: string) => path === to || path.startsWith(`${to}/`);

/** The deepest page of the tree whose address the path is, or is below. */
function deepestLeaf(leaves: { leaf: NavLeaf; groups: string[] }[], path: string) {
  let best: { leaf: NavLeaf; groups: string[] } | undefined;
  for (const l of leaves) if (isUnder(path, l.leaf.to) && (!best || l.leaf.to.length > best.leaf.to.length)) best = l;
  return best;
}

/**
 * The breadcrumb trail above a page, without the page itself (Moodle's navbar): the root (Site
 * administration or Preferences), the tree's groups and page the address falls under, then the
 * page's parent when it is not in the tree (e.g. a service's Authorised users). A page at the top
 * of the tree or outside it has none.
 */
export function breadcrumbTrail(pathname: string, parent?: { to: string; label: string }): Crumb[] {
  const path = pathname.replace(/\/+$/, '') || '/';
  const root = ROOTS.find((r) => isUnder(path, r.to));
  if (!root || path === root.to) return [];
  const trail: Crumb[] = [{ label: root.label, to: root.to }];
  const leaves = root.leaves();
  const found = deepestLeaf(leaves, path) ?? (parent ? deepestLeaf(leaves, parent.to) : undefined);
  if (found) {
    for (const g of found.groups) trail.push({ label: g });
    if (found.leaf.to !== path) trail.push({ label: found.leaf.label, to: found.leaf.to });
  }
  if (parent && parent.to !== path && !trail.some((c) => c.to === parent.to)) trail.push(parent);
  return trail;
}

/** The tree without the pages the user may not open, and without groups left empty. */
export function visibleNav(me: MeDto | null | undefined, nodes: NavNode[] = ADMIN_NAV): NavNode[] {
  const out: NavNode[] = [];
  for (const n of nodes) {
    if (isGroup(n)) {
      const children = visibleNav(me, n.children);
      if (children.length) out.push({ ...n, children });
    } else if (can(me, n.cap)) {
      out.push(n);
    }
  }
  return out;
}

/** Whether the user may open any Site administration page. */
export function hasAnyAdminPage(me: MeDto | null | undefined): boolean {
  return visibleNav(me).length > 0;
}
