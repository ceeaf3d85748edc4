import { randomBytes } from 'node:crypto';
import type { DbOrTx } from '../../db/client';
import type { WriteActor, WriteScope } from '../../db/write';
import type { Catalogue, Deps } from '../../deps';
import { DomainError } from '../../lib/errors';
import {
  ensureRoleAssignment,
  findRoleByName,
  findRoleByShortname,
  insertRole,
  maxRoleSortorder,
  setAllowedCapabilities,
} from '../roles/roles.repo';
import {
  deleteServiceFunctions,
  findServiceByShortname,
  functionNamesOf,
  insertService,
  insertServiceFunctions,
  listServiceRows,
  type ServiceRow,
  serviceIdWith,
  updateServiceRow,
} from '../services/services.repo';
import { hashToken } from '../tokens/token-secret';
import { deleteTokensById } from '../tokens/tokens.repo';
import { issueToken } from '../tokens/tokens.service';
import { invalidateTokens } from '../tokens/tokens-of';
import { findUserByUsername, insertUser, type UserRow } from '../users/users.repo';
import { HUB_PUBLIC_TOKEN_KEY } from './hub-config';
import { hubConfigValue, putHubConfigValue } from './hub-config.repo';
import { HUB_COMPONENT, HUB_ROLE, HUB_SERVICE, HUB_USER } from './hub-constants';
import { hubTokenIdWithHash, hubTokensOf } from './hub-tokens.repo';

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
  throw new DomainError('conflict', `The hub cannot be enabled: ${what} ${detail}. Rename it first.`);
}

async function ensureRoles(tx: DbOrTx, created: HubCreated): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  for (const def of HUB_ROLES) {
    let row = await findRoleByShortname(tx, def.shortname);
    if (row && !row.protected) refuseClash('a role with the short name', `"${def.shortname}" already exists`);
    if (!row) {
      if (await findRoleByName(tx, def.name)) refuseClash('a role named', `"${def.name}" already exists`);
      row = await insertRole(tx, {
        shortname: def.shortname,
        name: def.name,
        description: def.description,
        sortorder: (await maxRoleSortorder(tx)) + 1,
        protected: true,
      });
      created.roles++;
    }
    // The role's capabilities are exactly the hub's (nobody else can change a protected role).
    await setAllowedCapabilities(tx, row.id, def.caps);
    ids.set(def.shortname, row.id);
  }
  return ids;
}

async function ensureUsers(
  tx: DbOrTx,
  roleIds: Map<string, number>,
  now: number,
  created: HubCreated,
): Promise<Map<string, UserRow>> {
  const out = new Map<string, UserRow>();
  for (const def of HUB_USERS) {
    let u = await findUserByUsername(tx, def.username);
    if (u && !u.protected) refuseClash('a user named', `"${def.username}" already exists`);
    if (!u) {
      u = await insertUser(tx, {
        username: def.username,
        firstname: def.firstname,
        lastname: def.lastname,
        email: '',
        passwordHash: unusablePassword(),
        auth: 'webservice',
        protected: true,
        timecreated: now,
        timemodified: now,
      });
      created.users++;
    }
    const roleId = roleIds.get(def.role);
    if (roleId === undefined) throw new Error(`The hub role ${def.role} is missing`);
    await ensureRoleAssignment(tx, roleId, u.id, now);
    out.set(def.username, u);
  }
  return out;
}

/** The hub's functions for a service, from the catalogue (each function names its services). */
function hubServiceFunctions(catalogue: Catalogue, shortname: string): string[] {
  return catalogue.all.filter((f) => f.services?.includes(shortname)).map((f) => f.name);
}

async function ensureServices(
  tx: DbOrTx,
  catalogue: Catalogue,
  now: number,
  created: HubCreated,
): Promise<Map<string, ServiceRow>> {
  const out = new Map<string, ServiceRow>();
  for (const def of HUB_SERVICES) {
    let s = await findServiceByShortname(tx, def.shortname);
    if (s && s.component !== HUB_COMPONENT) refuseClash('a service with the short name', `"${def.shortname}" exists`);
    if (!s) {
      if ((await serviceIdWith(tx, 'name', def.name)) !== undefined) {
        refuseClash('a service named', `"${def.name}" already exists`);
      }
      s = await insertService(tx, {
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
      });
      created.services++;
    } else if (!s.enabled || !s.protected) {
      await updateServiceRow(tx, s.id, { enabled: true, protected: true, timemodified: now });
      s = { ...s, enabled: true, protected: true, timemodified: now };
    }
    const serviceId = s.id;
    // Kept in step with the catalogue, as the built-in services are.
    await deleteServiceFunctions(tx, serviceId, await functionNamesOf(tx, serviceId));
    await insertServiceFunctions(tx, serviceId, hubServiceFunctions(catalogue, def.shortname));
    out.set(def.shortname, s);
  }
  return out;
}

/**
 * Creates whatever of the hub's roles, users, services and tokens is missing, in the caller's
 * write, and re-enables its services. Running it again creates nothing new.
 */
export async function ensureHubStructureIn(
  deps: Deps,
  tx: DbOrTx,
  w: WriteScope,
  actor: WriteActor,
): Promise<HubCreated> {
  const now = deps.now();
  const created: HubCreated = { roles: 0, users: 0, services: 0, tokens: 0 };
  const roleIds = await ensureRoles(tx, created);
  const hubUsers = await ensureUsers(tx, roleIds, now, created);
  const services = await ensureServices(tx, deps.catalogue, now, created);
  w.invalidate(
    { kind: 'roles' },
    ...[...hubUsers.values()].map((u) => ({ kind: 'user' as const, id: u.id })),
    ...[...services.values()].map((s) => ({ kind: 'service' as const, id: s.id })),
  );

  for (const def of HUB_USERS) {
    const user = hubUsers.get(def.username);
    const service = services.get(def.service);
    if (!user || !service) throw new Error(`The hub's ${def.username} user or ${def.service} service is missing`);
    const existing = await hubTokensOf(tx, user.id, service.id);
    const issue = async (name: string) => {
      const t = await issueToken(deps, tx, w, {
        user,
        service,
        name,
        ipRestriction: null,
        validUntil: null,
        creatorId: null,
        origin: 'hub',
        hidden: true,
      });
      created.tokens++;
      return t;
    };
    if (def.username === HUB_USER.public) {
      // The public token's secret is published, so it is kept: reuse it while it still matches.
      const secret = await hubConfigValue(tx, HUB_PUBLIC_TOKEN_KEY);
      const hash = secret ? hashToken(deps.tokenSecret, secret) : undefined;
      if (existing.length === 1 && existing[0]?.tokenHash === hash) continue;
      invalidateTokens(
        w,
        await deleteTokensById(
          tx,
          existing.map((t) => t.id),
        ),
      );
      const t = await issue('Hub public token');
      await putHubConfigValue(tx, HUB_PUBLIC_TOKEN_KEY, t.secret);
    } else if (!existing.length) {
      // The hub directory's token: hash-only, like every other token.
      await issue('Hub directory token');
    }
  }
  w.audit(actor, {
    action: 'hub.enable',
    targetType: 'hub',
    summary: `Enabled the hub: created ${created.roles} role(s), ${created.users} user(s), ${created.services} service(s) and ${created.tokens} token(s); its services are enabled`,
    details: { ...created },
  });
  return created;
}

/** Disabling the hub turns its services off (in the caller's write); sites, courses, users and tokens are kept. */
export async function disableHubServicesIn(deps: Deps, tx: DbOrTx, w: WriteScope, actor: WriteActor): Promise<number> {
  const enabled = (await listServiceRows(tx)).filter((s) => s.component === HUB_COMPONENT && s.enabled);
  for (const s of enabled) {
    await updateServiceRow(tx, s.id, { enabled: false, timemodified: deps.now() });
    w.invalidate({ kind: 'service', id: s.id });
  }
  w.audit(actor, {
    action: 'hub.disable',
    targetType: 'hub',
    summary: `Disabled the hub: ${enabled.length} hub service(s) disabled; sites and courses are kept`,
    details: { servicesDisabled: enabled.length },
  });
  return enabled.length;
}

/** One of the hub's services, by short name (a service of that name that is not the hub's is not). */
export async function hubService(db: DbOrTx, shortname: string): Promise<ServiceRow | undefined> {
  const s = await findServiceByShortname(db, shortname);
  return s?.component === HUB_COMPONENT ? s : undefined;
}

/**
 * The public token's secret, for /local/hub/publictoken.php: only while the hub is enabled and
 * the stored secret still matches the token the hub holds.
 */
export async function publicTokenSecret(deps: Deps): Promise<string | undefined> {
  const { db } = deps.store;
  const secret = await hubConfigValue(db, HUB_PUBLIC_TOKEN_KEY);
  if (!secret) return undefined;
  return (await hubTokenIdWithHash(db, hashToken(deps.tokenSecret, secret))) === undefined ? undefined : secret;
}
