import { randomBytes } from 'node:crypto';
import { and, eq, inArray } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import {
  externalServiceFunctions,
  externalServices,
  externalTokens,
  roleAssignments,
  roleCapabilities,
  roles,
  type UserRow,
  users,
} from '../../db/schema';
import type { Catalogue, Deps } from '../../deps';
import { HttpError } from '../../lib/http-error';
import { type Actor, writeAudit } from '../audit/audit.service';
import { hashToken } from '../tokens/token-secret';
import { issueToken } from '../tokens/tokens.service';
import { HUB_PUBLIC_TOKEN_KEY, readConfigValue, writeConfigValue } from './hub-config';
import { HUB_COMPONENT, HUB_ROLE, HUB_SERVICE, HUB_USER } from './hub-constants';

// What enabling the hub creates, after the seed's "Important things about roles, users and web
// services": one role per kind of caller (hub directory, registered sites, public sites), the
// hub directory and public access users, the three services and their tokens. All of them are
// protected: the console refuses to modify or delete them, whatever the client sends.

const PROTOCOL_CAPS = ['webservice/xmlrpc:use', 'webservice/rest:use'];

const NOTE = 'Created by the hub: never delete or modify it.';

const HUB_ROLES = [
  {
    shortname: HUB_ROLE.directory,
    name: 'Hub directory',
    description: `The hub directory, which lists this hub. ${NOTE}`,
    caps: ['local/hub:viewinfo', ...PROTOCOL_CAPS],
  },
  {
    shortname: HUB_ROLE.registered,
    name: 'Registered sites',
    description: `Every site registered with this hub (one user per site). ${NOTE}`,
    caps: [
      'local/hub:view',
      'local/hub:viewinfo',
      'local/hub:updateinfo',
      'local/hub:registercourse',
      'local/hub:unregistercourse',
      ...PROTOCOL_CAPS,
    ],
  },
  {
    shortname: HUB_ROLE.public,
    name: 'Public sites',
    description: `Any site, through the hub's public token: search the courses and register. ${NOTE}`,
    // local/hub:updateinfo lets a site give the hub its information, which is what registering is.
    caps: ['local/hub:view', 'local/hub:viewinfo', 'local/hub:updateinfo', ...PROTOCOL_CAPS],
  },
] as const;

const HUB_SERVICES = [
  { shortname: HUB_SERVICE.directory, name: 'Hub directory' },
  { shortname: HUB_SERVICE.registered, name: 'Registered sites' },
  { shortname: HUB_SERVICE.public, name: 'Public sites' },
] as const;

const HUB_USERS = [
  {
    username: HUB_USER.directory,
    firstname: 'Hub',
    lastname: 'directory',
    role: HUB_ROLE.directory,
    service: HUB_SERVICE.directory,
  },
  {
    username: HUB_USER.public,
    firstname: 'Public',
    lastname: 'access',
    role: HUB_ROLE.public,
    service: HUB_SERVICE.public,
  },
] as const;

export interface HubCreated {
  roles: number;
  users: number;
  services: number;
  tokens: number;
}

/** A password no one can log in with: webservice users never log in anyway. */
export const unusablePassword = () => `!${randomBytes(16).toString('hex')}`;

function refuseClash(what: string, detail: string): never {
  throw new HttpError(409, 'conflict', `The hub cannot be enabled: ${what} ${detail}. Rename it first.`);
}

function ensureRoles(tx: Tx, created: HubCreated): Map<string, number> {
  const ids = new Map<string, number>();
  for (const def of HUB_ROLES) {
    let row = tx.select().from(roles).where(eq(roles.shortname, def.shortname)).get();
    if (row && !row.protected) refuseClash('a role with the short name', `"${def.shortname}" already exists`);
    if (!row) {
      const sameName = tx.select().from(roles).where(eq(roles.name, def.name)).get();
      if (sameName) refuseClash('a role named', `"${def.name}" already exists`);
      const max = tx
        .select({ n: roles.sortorder })
        .from(roles)
        .all()
        .reduce((m, r) => Math.max(m, r.n), 0);
      row = tx
        .insert(roles)
        .values({
          shortname: def.shortname,
          name: def.name,
          description: def.description,
          sortorder: max + 1,
          protected: true,
        })
        .returning()
        .get();
      created.roles++;
    }
    // The role's capabilities are exactly the hub's (nobody else can change a protected role).
    tx.delete(roleCapabilities).where(eq(roleCapabilities.roleId, row.id)).run();
    tx.insert(roleCapabilities)
      .values(def.caps.map((capability) => ({ roleId: row.id, capability, permission: 'allow' as const })))
      .run();
    ids.set(def.shortname, row.id);
  }
  return ids;
}

/** Gives a user a role unless they hold it. */
export function ensureAssignment(tx: Tx, roleId: number, userId: number, now: number): void {
  tx.insert(roleAssignments).values({ roleId, userId, timecreated: now }).onConflictDoNothing().run();
}

function ensureUsers(tx: Tx, roleIds: Map<string, number>, now: number, created: HubCreated) {
  const out = new Map<string, UserRow>();
  for (const def of HUB_USERS) {
    let u = tx.select().from(users).where(eq(users.username, def.username)).get();
    if (u && !u.protected) refuseClash('a user named', `"${def.username}" already exists`);
    if (!u) {
      u = tx
        .insert(users)
        .values({
          username: def.username,
          firstname: def.firstname,
          lastname: def.lastname,
          email: '',
          passwordHash: unusablePassword(),
          auth: 'webservice',
          protected: true,
          timecreated: now,
          timemodified: now,
        })
        .returning()
        .get();
      created.users++;
    }
    ensureAssignment(tx, roleIds.get(def.role)!, u.id, now);
    out.set(def.username, u);
  }
  return out;
}

/** The hub's functions for a service, from the catalogue (each function names its services). */
function hubServiceFunctions(catalogue: Catalogue, shortname: string): string[] {
  return catalogue.all.filter((f) => f.services?.includes(shortname)).map((f) => f.name);
}

function ensureServices(tx: Tx, catalogue: Catalogue, now: number, created: HubCreated) {
  const out = new Map<string, typeof externalServices.$inferSelect>();
  for (const def of HUB_SERVICES) {
    let s = tx.select().from(externalServices).where(eq(externalServices.shortname, def.shortname)).get();
    if (s && s.component !== HUB_COMPONENT) refuseClash('a service with the short name', `"${def.shortname}" exists`);
    if (!s) {
      const sameName = tx.select().from(externalServices).where(eq(externalServices.name, def.name)).get();
      if (sameName) refuseClash('a service named', `"${def.name}" already exists`);
      s = tx
        .insert(externalServices)
        .values({
          name: def.name,
          shortname: def.shortname,
          enabled: true,
          restrictedUsers: false,
          requiredCapability: null,
          downloadFiles: false,
          uploadFiles: false,
          component: HUB_COMPONENT,
          protected: true,
          timecreated: now,
          timemodified: now,
        })
        .returning()
        .get();
      created.services++;
    } else if (!s.enabled || !s.protected) {
      s = tx
        .update(externalServices)
        .set({ enabled: true, protected: true, timemodified: now })
        .where(eq(externalServices.id, s.id))
        .returning()
        .get();
    }
    const serviceId = s.id;
    const wanted = hubServiceFunctions(catalogue, def.shortname);
    // Kept in step with the catalogue, as the built-in services are.
    tx.delete(externalServiceFunctions).where(eq(externalServiceFunctions.serviceId, serviceId)).run();
    if (wanted.length) {
      tx.insert(externalServiceFunctions)
        .values(wanted.map((functionName) => ({ serviceId, functionName })))
        .run();
    }
    out.set(def.shortname, s);
  }
  return out;
}

function hubTokens(tx: Tx, userId: number, serviceId: number) {
  return tx
    .select()
    .from(externalTokens)
    .where(
      and(eq(externalTokens.userId, userId), eq(externalTokens.serviceId, serviceId), eq(externalTokens.origin, 'hub')),
    )
    .all();
}

/**
 * Creates whatever of the hub's roles, users, services and tokens is missing, in the caller's
 * transaction, and re-enables its services. Running it again creates nothing new.
 */
export function ensureHubStructure(deps: Deps, tx: Tx, actor: Actor): HubCreated {
  const now = deps.now();
  const created: HubCreated = { roles: 0, users: 0, services: 0, tokens: 0 };
  const roleIds = ensureRoles(tx, created);
  const hubUsers = ensureUsers(tx, roleIds, now, created);
  const services = ensureServices(tx, deps.catalogue, now, created);

  for (const def of HUB_USERS) {
    const user = hubUsers.get(def.username)!;
    const service = services.get(def.service)!;
    const existing = hubTokens(tx, user.id, service.id);
    if (def.username === HUB_USER.public) {
      // The public token's secret is published, so it is kept: reuse it while it still matches.
      const secret = readConfigValue(tx, HUB_PUBLIC_TOKEN_KEY);
      const hash = secret ? hashToken(deps.tokenSecret, secret) : undefined;
      if (existing.length === 1 && existing[0]?.tokenHash === hash) continue;
      if (existing.length) {
        tx.delete(externalTokens)
          .where(
            inArray(
              externalTokens.id,
              existing.map((t) => t.id),
            ),
          )
          .run();
      }
      const t = issueToken(deps, tx, {
        user,
        service,
        name: 'Hub public token',
        ipRestriction: null,
        validUntil: null,
        creatorId: null,
        origin: 'hub',
        hidden: true,
      });
      writeConfigValue(tx, HUB_PUBLIC_TOKEN_KEY, t.secret);
      created.tokens++;
    } else if (!existing.length) {
      // The hub directory's token: hash-only, like every other token.
      issueToken(deps, tx, {
        user,
        service,
        name: 'Hub directory token',
        ipRestriction: null,
        validUntil: null,
        creatorId: null,
        origin: 'hub',
        hidden: true,
      });
      created.tokens++;
    }
  }
  writeAudit(
    tx,
    actor,
    {
      action: 'hub.enable',
      targetType: 'hub',
      summary: `Enabled the hub: created ${created.roles} role(s), ${created.users} user(s), ${created.services} service(s) and ${created.tokens} token(s); its services are enabled`,
      details: { ...created },
    },
    now,
  );
  return created;
}

/** Disabling the hub turns its services off; sites, courses, users and tokens are kept. */
export function disableHubServices(deps: Deps, tx: Tx, actor: Actor): number {
  const res = tx
    .update(externalServices)
    .set({ enabled: false, timemodified: deps.now() })
    .where(and(eq(externalServices.component, HUB_COMPONENT), eq(externalServices.enabled, true)))
    .run();
  writeAudit(
    tx,
    actor,
    {
      action: 'hub.disable',
      targetType: 'hub',
      summary: `Disabled the hub: ${res.changes} hub service(s) disabled; sites and courses are kept`,
      details: { servicesDisabled: res.changes },
    },
    deps.now(),
  );
  return res.changes;
}

export function hubService(db: Tx | Deps['store']['db'], shortname: string) {
  return db
    .select()
    .from(externalServices)
    .where(and(eq(externalServices.shortname, shortname), eq(externalServices.component, HUB_COMPONENT)))
    .get();
}

/**
 * The public token's secret, for /local/hub/publictoken.php: only while the hub is enabled and
 * the stored secret still matches the token the hub holds.
 */
export function publicTokenSecret(deps: Deps): string | undefined {
  const { db } = deps.store;
  const secret = readConfigValue(db, HUB_PUBLIC_TOKEN_KEY);
  if (!secret) return undefined;
  const row = db
    .select({ id: externalTokens.id })
    .from(externalTokens)
    .where(and(eq(externalTokens.tokenHash, hashToken(deps.tokenSecret, secret)), eq(externalTokens.origin, 'hub')))
    .get();
  return row ? secret : undefined;
}
