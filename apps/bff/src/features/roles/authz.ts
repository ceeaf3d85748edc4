import type { CapabilityCheck, Permission } from '@gatehouse/shared';
import { CAPABILITY_NAMES } from '@gatehouse/shared';
import type { Db } from '../../db/client';
import { roleAssignments, roleCapabilities, roles } from '../../db/schema';
import { type Generation, GenerationCache } from '../../lib/generation';

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
 * Role definitions and assignments are cached and reloaded when the database generation moves.
 */
export class Authz {
  private readonly state: GenerationCache<AuthzState>;
  /** userId (negative for the guest account) → the capabilities allowed, for this generation. */
  private readonly allowed: GenerationCache<Map<number, ReadonlySet<string>>>;

  constructor(db: Db, gen: Generation) {
    this.allowed = new GenerationCache(gen, () => new Map());
    this.state = new GenerationCache(gen, () => {
      const map = new Map<number, RoleState>();
      for (const r of db.select().from(roles).all()) {
        map.set(r.id, { id: r.id, shortname: r.shortname, name: r.name, caps: new Map() });
      }
      for (const rc of db.select().from(roleCapabilities).all())
        map.get(rc.roleId)?.caps.set(rc.capability, rc.permission);
      const assignments = new Map<number, number[]>();
      for (const a of db.select().from(roleAssignments).all()) {
        const list = assignments.get(a.userId) ?? [];
        list.push(a.roleId);
        assignments.set(a.userId, list);
      }
      return { roles: map, byShortname: new Map([...map.values()].map((r) => [r.shortname, r])), assignments };
    });
  }

  roleByShortname(shortname: string): RoleState | undefined {
    return this.state.get().byShortname.get(shortname);
  }

  /** The roles a user holds at system level, the automatic one included. */
  rolesOf(user: Subject): RoleState[] {
    const s = this.state.get();
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

  /** The fast path of the check, used on every web-service call: a per-user set, built once a generation. */
  has(user: Subject, capability: string): boolean {
    if (user.deleted) return false;
    if (user.siteAdmin) return true;
    return this.allowedSet(user).has(capability);
  }

  private allowedSet(user: Subject): ReadonlySet<string> {
    const key = user.isGuest ? -user.id : user.id;
    const sets = this.allowed.get();
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
