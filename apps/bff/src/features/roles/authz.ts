import type { CapabilityCheck, Permission } from '@gatehouse/shared';
import { CAPABILITY_NAMES } from '@gatehouse/shared';
import type { DbOrTx } from '../../db/client';
import { listRoleRows, roleAssignmentRows, roleCapabilityRows } from './roles.repo';

export interface RoleState {
  id: number;
  shortname: string;
  name: string;
  caps: Map<string, Permission>;
}

interface AuthzState {
  roles: Map<number, RoleState>;
  byShortname: Map<string, RoleState>;
  /** userId -> assigned role ids (system context). */
  assignments: Map<number, number[]>;
  /** userId (negative for the guest account) → the capabilities allowed, built on first use. */
  allowed: Map<number, ReadonlySet<string>>;
}

/** The subject of a capability check: the parts of a user that matter. */
export interface Subject {
  id: number;
  siteAdmin: boolean;
  deleted: boolean;
  isGuest: boolean;
}

export const AUTHENTICATED_ROLE = 'user';
export const GUEST_ROLE = 'guest';

/**
 * Capability checks with Moodle's semantics at system level: site administrators pass every
 * check; otherwise the user's roles (assigned ones plus Authenticated user, or Guest for the
 * guest account) are combined and any prohibit wins over any allow; not set means no.
 *
 * The checks are synchronous (every web-service call makes several); role definitions and
 * assignments are held in memory and loaded, through the roles repository, by `ready()` when
 * the database generation has moved (a write here, or a commit by another process). As with
 * the settings, the request middleware awaits it, so a request sees the roles as they were when
 * it began (a role change is seen by the very next request), and anything outside a request
 * (the CLI, start-up, tests) awaits it before checking; the roles service awaits it after its
 * own writes.
 */
export class Authz {
  private state: AuthzState | undefined;
  private loadedAt = -1;
  private loading: Promise<void> | undefined;
  private loadingAt = -1;

  constructor(
    private readonly db: DbOrTx,
    private readonly gen: { readonly current: number },
  ) {}

  /** Nothing to wait for when the roles are current; otherwise the reload to await. */
  ready(): Promise<void> | undefined {
    const at = this.gen.current;
    if (this.loadedAt === at) return undefined;
    // A reload begun before the generation moved again would bring older rows: start another.
    if (this.loading && this.loadingAt === at) return this.loading;
    const loading = this.reload(at).finally(() => {
      if (this.loading === loading) this.loading = undefined;
    });
    this.loading = loading;
    this.loadingAt = at;
    return loading;
  }

  private async reload(at: number): Promise<void> {
    // Started together: on SQLite the three reads run back to back, so they see one state.
    const [roleRows, capabilityRows, assignmentRows] = await Promise.all([
      listRoleRows(this.db),
      roleCapabilityRows(this.db),
      roleAssignmentRows(this.db),
    ]);
    const roles = new Map<number, RoleState>();
    for (const r of roleRows) roles.set(r.id, { id: r.id, shortname: r.shortname, name: r.name, caps: new Map() });
    for (const rc of capabilityRows) roles.get(rc.roleId)?.caps.set(rc.capability, rc.permission);
    const assignments = new Map<number, number[]>();
    for (const a of assignmentRows) {
      const list = assignments.get(a.userId);
      if (list) list.push(a.roleId);
      else assignments.set(a.userId, [a.roleId]);
    }
    // Reloads may overlap: the newest generation's rows win.
    if (at < this.loadedAt) return;
    this.state = {
      roles,
      byShortname: new Map([...roles.values()].map((r) => [r.shortname, r])),
      assignments,
      allowed: new Map(),
    };
    this.loadedAt = at;
  }

  private current(): AuthzState {
    const s = this.state;
    if (!s) throw new Error('Roles read before they were loaded: await authz.ready() first');
    return s;
  }

  roleByShortname(shortname: string): RoleState | undefined {
    return this.current().byShortname.get(shortname);
  }

  /** The roles a user holds at system level, the automatic one included. */
  rolesOf(user: Subject): RoleState[] {
    const s = this.current();
    const out: RoleState[] = [];
    const auto = s.byShortname.get(user.isGuest ? GUEST_ROLE : AUTHENTICATED_ROLE);
    if (auto) out.push(auto);
    for (const id of s.assignments.get(user.id) ?? []) {
      const r = s.roles.get(id);
      if (r && r !== auto) out.push(r);
    }
    return out;
  }

  explain(user: Subject, capability: string): CapabilityCheck {
    this.current();
    if (user.deleted) return { capability, allowed: false, reason: 'The user is deleted' };
    if (user.siteAdmin) return { capability, allowed: true, reason: 'Site administrators pass every capability check' };
    const held = this.rolesOf(user);
    const prohibiting = held.find((r) => r.caps.get(capability) === 'prohibit');
    if (prohibiting) return { capability, allowed: false, reason: `Prohibited by role "${prohibiting.name}"` };
    const allowing = held.filter((r) => r.caps.get(capability) === 'allow');
    if (allowing.length) {
      return { capability, allowed: true, reason: `Allowed by role ${allowing.map((r) => `"${r.name}"`).join(', ')}` };
    }
    const names = held.map((r) => `"${r.name}"`).join(', ') || 'none';
    return { capability, allowed: false, reason: `Not set in any of the user's roles (${names})` };
  }

  /** The fast path of the check, used on every web-service call: a per-user set, built once a load. */
  has(user: Subject, capability: string): boolean {
    const s = this.current();
    if (user.deleted) return false;
    if (user.siteAdmin) return true;
    return this.allowedSet(s, user).has(capability);
  }

  private allowedSet(s: AuthzState, user: Subject): ReadonlySet<string> {
    const key = user.isGuest ? -user.id : user.id;
    const sets = s.allowed;
    let set = sets.get(key);
    if (!set) {
      const prohibited = new Set<string>();
      const allowed = new Set<string>();
      for (const r of this.rolesOf(user)) {
        for (const [cap, p] of r.caps) (p === 'prohibit' ? prohibited : allowed).add(cap);
      }
      for (const cap of prohibited) allowed.delete(cap);
      set = allowed;
      if (sets.size > 100_000) sets.clear();
      sets.set(key, set);
    }
    return set;
  }

  capabilitiesOf(user: Subject): string[] {
    return CAPABILITY_NAMES.filter((c) => this.has(user, c));
  }

  checkAll(user: Subject): CapabilityCheck[] {
    return CAPABILITY_NAMES.map((c) => this.explain(user, c));
  }
}
