import type {
  AuthorisedUserDto,
  AuthorisedUserUpdate,
  FunctionSummaryDto,
  ServiceCreate,
  ServiceDto,
  ServiceUpdate,
} from '@gatehouse/shared';
import { authorisedUserUpdateSchema } from '@gatehouse/shared';
import { and, asc, count, eq, inArray } from 'drizzle-orm';
import { externalServiceFunctions, externalServices, externalServiceUsers, users } from '../../db/schema';
import type { Deps } from '../../deps';
import { conflict, HttpError, notFound } from '../../lib/http-error';
import type { ExternalFunction } from '../../webservice/types';
import { type Actor, writeAudit } from '../audit/audit.service';
import { countTokensByService, deleteTokensOf } from '../tokens/tokens-of';
import { missingCapabilities, serviceFunctionNames } from './service-capabilities';

type ServiceRow = typeof externalServices.$inferSelect;

export function functionSummary(f: ExternalFunction): FunctionSummaryDto {
  return {
    name: f.name,
    component: f.component,
    description: f.description,
    type: f.type,
    capabilities: [...f.capabilities],
    deprecated: !!f.deprecated,
    replacedBy: f.deprecated?.replacedBy ?? null,
  };
}

export function loadService(deps: Deps, id: number): ServiceRow {
  const s = deps.store.db.select().from(externalServices).where(eq(externalServices.id, id)).get();
  if (!s) throw notFound('Service');
  return s;
}

function toDto(deps: Deps, s: ServiceRow, tokenCounts: Map<number, number>): ServiceDto {
  const { db } = deps.store;
  const functionCount =
    db.select({ n: count() }).from(externalServiceFunctions).where(eq(externalServiceFunctions.serviceId, s.id)).get()
      ?.n ?? 0;
  const authorisedCount =
    db.select({ n: count() }).from(externalServiceUsers).where(eq(externalServiceUsers.serviceId, s.id)).get()?.n ?? 0;
  return {
    id: s.id,
    name: s.name,
    shortname: s.shortname,
    enabled: s.enabled,
    restrictedUsers: s.restrictedUsers,
    requiredCapability: s.requiredCapability,
    downloadFiles: s.downloadFiles,
    uploadFiles: s.uploadFiles,
    builtin: s.component !== null,
    component: s.component,
    protected: s.protected,
    functionCount,
    authorisedCount,
    tokenCount: tokenCounts.get(s.id) ?? 0,
    timecreated: s.timecreated,
    timemodified: s.timemodified,
  };
}

export function listServices(deps: Deps): { builtin: ServiceDto[]; custom: ServiceDto[] } {
  const rows = deps.store.db.select().from(externalServices).orderBy(asc(externalServices.name)).all();
  const counts = countTokensByService(deps.store.db);
  const all = rows.map((r) => toDto(deps, r, counts));
  return { builtin: all.filter((s) => s.builtin), custom: all.filter((s) => !s.builtin) };
}

export function getService(deps: Deps, id: number): ServiceDto {
  return toDto(deps, loadService(deps, id), countTokensByService(deps.store.db));
}

function assertUnique(deps: Deps, field: 'name' | 'shortname', v: string, exceptId?: number) {
  const row = deps.store.db
    .select({ id: externalServices.id })
    .from(externalServices)
    .where(eq(externalServices[field], v))
    .get();
  if (row && row.id !== exceptId) {
    const label = field === 'name' ? 'name' : 'short name';
    throw conflict(`A service with this ${label} already exists`, {
      [field]: `A service with this ${label} already exists`,
    });
  }
}

function assertNotProtected(s: ServiceRow) {
  if (s.protected)
    throw new HttpError(403, 'protected', `The service "${s.name}" is protected and cannot be modified or deleted`);
}

export function createService(deps: Deps, input: ServiceCreate, actor: Actor): ServiceDto {
  assertUnique(deps, 'name', input.name);
  assertUnique(deps, 'shortname', input.shortname);
  const now = deps.now();
  const id = deps.store.db.transaction((tx) => {
    const row = tx
      .insert(externalServices)
      .values({ ...input, component: null, timecreated: now, timemodified: now })
      .returning()
      .get();
    writeAudit(tx, actor, {
      action: 'service.create',
      targetType: 'service',
      targetId: row.id,
      summary: `Created service ${row.name} (${row.shortname})`,
      details: { ...input },
    });
    return row.id;
  });
  deps.gen.bump();
  return getService(deps, id);
}

const BUILTIN_FROZEN = ['name', 'requiredCapability', 'restrictedUsers'] as const;
const FROZEN_LABEL: Record<(typeof BUILTIN_FROZEN)[number], string> = {
  name: 'name',
  requiredCapability: 'required capability',
  restrictedUsers: 'authorised users only setting',
};

export function updateService(deps: Deps, id: number, patch: ServiceUpdate, actor: Actor): ServiceDto {
  const s = loadService(deps, id);
  assertNotProtected(s);
  if (patch.shortname !== undefined && patch.shortname !== s.shortname) {
    throw new HttpError(409, 'frozen', 'The short name cannot be changed after the service is created', {
      shortname: 'The short name cannot be changed after the service is created',
    });
  }
  if (s.component !== null) {
    for (const f of BUILTIN_FROZEN) {
      if (patch[f] !== undefined && patch[f] !== s[f]) {
        const msg = `The ${FROZEN_LABEL[f]} of a built-in service cannot be changed`;
        throw new HttpError(409, 'frozen', msg, { [f]: msg });
      }
    }
  }
  if (patch.name !== undefined) assertUnique(deps, 'name', patch.name, id);
  const { shortname: _s, ...rest } = patch;
  const changed = Object.fromEntries(
    Object.entries(rest).filter(([k, v]) => s[k as keyof ServiceRow] !== v),
  ) as Partial<ServiceRow>;
  if (!Object.keys(changed).length) return getService(deps, id);
  deps.store.db.transaction((tx) => {
    tx.update(externalServices)
      .set({ ...changed, timemodified: deps.now() })
      .where(eq(externalServices.id, id))
      .run();
    writeAudit(tx, actor, {
      action: 'service.update',
      targetType: 'service',
      targetId: id,
      summary: `Updated service ${changed.name ?? s.name}: ${Object.entries(changed)
        .map(([k, v]) => `${k} = ${JSON.stringify(v)}`)
        .join(', ')}`,
      details: { changed },
    });
  });
  deps.gen.bump();
  return getService(deps, id);
}

export function deleteService(deps: Deps, id: number, actor: Actor): { tokensDeleted: number } {
  const s = loadService(deps, id);
  assertNotProtected(s);
  if (s.component !== null) throw new HttpError(409, 'builtin', `The built-in service "${s.name}" cannot be deleted`);
  const tokensDeleted = deps.store.db.transaction((tx) => {
    const n = deleteTokensOf(tx, { serviceId: id });
    tx.delete(externalServices).where(eq(externalServices.id, id)).run();
    writeAudit(tx, actor, {
      action: 'service.delete',
      targetType: 'service',
      targetId: id,
      summary: `Deleted service ${s.name} (${s.shortname}) and its ${n} token(s)`,
      details: { tokensDeleted: n },
    });
    return n;
  });
  deps.gen.bump();
  return { tokensDeleted };
}

// ---- functions of a service ----------------------------------------------------------------

export function listServiceFunctions(deps: Deps, serviceId: number): (FunctionSummaryDto & { missing: boolean })[] {
  loadService(deps, serviceId);
  return serviceFunctionNames(deps.store.db, serviceId).map((name) => {
    const f = deps.catalogue.get(name);
    if (!f) {
      return {
        name,
        component: '',
        description: 'This function no longer exists.',
        type: 'read' as const,
        capabilities: [],
        deprecated: false,
        replacedBy: null,
        missing: true,
      };
    }
    return { ...functionSummary(f), missing: false };
  });
}

function assertFunctionsEditable(s: ServiceRow) {
  assertNotProtected(s);
  if (s.component !== null) {
    throw new HttpError(409, 'builtin', `The functions of the built-in service "${s.name}" cannot be changed`);
  }
}

export function addServiceFunctions(
  deps: Deps,
  serviceId: number,
  names: string[],
  actor: Actor,
): FunctionSummaryDto[] {
  const s = loadService(deps, serviceId);
  assertFunctionsEditable(s);
  const unique = [...new Set(names)];
  const unknown = unique.filter((n) => !deps.catalogue.has(n));
  if (unknown.length)
    throw new HttpError(400, 'invalid', `Unknown function(s): ${unknown.join(', ')}`, {
      functions: 'Unknown function',
    });
  const deprecated = unique.filter((n) => deps.catalogue.get(n)?.deprecated);
  if (deprecated.length) {
    throw new HttpError(
      400,
      'deprecated',
      `Deprecated functions cannot be added to a service: ${deprecated.join(', ')}`,
      {
        functions: 'Deprecated functions cannot be added',
      },
    );
  }
  const present = new Set(serviceFunctionNames(deps.store.db, serviceId));
  const already = unique.filter((n) => present.has(n));
  if (already.length)
    throw conflict(`Already in the service: ${already.join(', ')}`, { functions: 'Already in the service' });
  deps.store.db.transaction((tx) => {
    tx.insert(externalServiceFunctions)
      .values(unique.map((functionName) => ({ serviceId, functionName })))
      .run();
    tx.update(externalServices).set({ timemodified: deps.now() }).where(eq(externalServices.id, serviceId)).run();
    writeAudit(tx, actor, {
      action: 'service.functions.add',
      targetType: 'service',
      targetId: serviceId,
      summary: `Added ${unique.join(', ')} to service ${s.name}`,
      details: { functions: unique },
    });
  });
  deps.gen.bump();
  return unique.map((n) => functionSummary(deps.catalogue.get(n)!));
}

export function removeServiceFunction(deps: Deps, serviceId: number, name: string, actor: Actor): void {
  const s = loadService(deps, serviceId);
  assertFunctionsEditable(s);
  const removed = deps.store.db.transaction((tx) => {
    const res = tx
      .delete(externalServiceFunctions)
      .where(and(eq(externalServiceFunctions.serviceId, serviceId), eq(externalServiceFunctions.functionName, name)))
      .run();
    if (res.changes) {
      writeAudit(tx, actor, {
        action: 'service.functions.remove',
        targetType: 'service',
        targetId: serviceId,
        summary: `Removed ${name} from service ${s.name}`,
        details: { function: name },
      });
    }
    return res.changes;
  });
  if (!removed) throw notFound('Function in this service');
  deps.gen.bump();
}

// ---- authorised users ----------------------------------------------------------------------

export function listAuthorisedUsers(deps: Deps, serviceId: number): AuthorisedUserDto[] {
  const s = loadService(deps, serviceId);
  return deps.store.db
    .select()
    .from(externalServiceUsers)
    .innerJoin(users, eq(users.id, externalServiceUsers.userId))
    .where(eq(externalServiceUsers.serviceId, serviceId))
    .orderBy(asc(users.lastname), asc(users.firstname))
    .all()
    .map((r) => ({
      user: {
        id: r.users.id,
        username: r.users.username,
        firstname: r.users.firstname,
        lastname: r.users.lastname,
        email: r.users.email,
        suspended: r.users.suspended,
        deleted: r.users.deleted,
      },
      ipRestriction: r.external_service_users.ipRestriction,
      validUntil: r.external_service_users.validUntil,
      timecreated: r.external_service_users.timecreated,
      missingCapabilities: missingCapabilities(deps, s, r.users),
    }));
}

export function addAuthorisedUsers(deps: Deps, serviceId: number, userIds: number[], actor: Actor): void {
  const s = loadService(deps, serviceId);
  assertNotProtected(s);
  if (!s.restrictedUsers) {
    throw new HttpError(
      409,
      'notrestricted',
      `The service "${s.name}" is open to all users: set "Authorised users only" first`,
    );
  }
  const ids = [...new Set(userIds)];
  const found = deps.store.db.select().from(users).where(inArray(users.id, ids)).all();
  const problems: string[] = [];
  for (const id of ids) {
    const u = found.find((x) => x.id === id);
    if (!u) problems.push(`user ${id} does not exist`);
    else if (u.deleted) problems.push(`${u.username} is deleted`);
    else if (u.isGuest) problems.push('the guest user cannot be authorised');
    else if (!u.confirmed) problems.push(`${u.username} is not confirmed`);
  }
  if (problems.length)
    throw new HttpError(400, 'invaliduser', `These users cannot be authorised: ${problems.join('; ')}`);
  const existing = new Set(
    deps.store.db
      .select({ id: externalServiceUsers.userId })
      .from(externalServiceUsers)
      .where(and(eq(externalServiceUsers.serviceId, serviceId), inArray(externalServiceUsers.userId, ids)))
      .all()
      .map((r) => r.id),
  );
  const toAdd = found.filter((u) => !existing.has(u.id));
  if (!toAdd.length) throw conflict('These users are already authorised');
  deps.store.db.transaction((tx) => {
    tx.insert(externalServiceUsers)
      .values(toAdd.map((u) => ({ serviceId, userId: u.id, timecreated: deps.now() })))
      .run();
    writeAudit(tx, actor, {
      action: 'service.users.add',
      targetType: 'service',
      targetId: serviceId,
      summary: `Authorised ${toAdd.map((u) => u.username).join(', ')} on service ${s.name}`,
      details: { userIds: toAdd.map((u) => u.id) },
    });
  });
  deps.gen.bump();
}

function loadAuthorisation(deps: Deps, serviceId: number, userId: number) {
  const row = deps.store.db
    .select()
    .from(externalServiceUsers)
    .where(and(eq(externalServiceUsers.serviceId, serviceId), eq(externalServiceUsers.userId, userId)))
    .get();
  if (!row) throw notFound('Authorised user');
  return row;
}

export function updateAuthorisedUser(
  deps: Deps,
  serviceId: number,
  userId: number,
  input: AuthorisedUserUpdate,
  actor: Actor,
) {
  const s = loadService(deps, serviceId);
  assertNotProtected(s);
  loadAuthorisation(deps, serviceId, userId);
  const patch = authorisedUserUpdateSchema.parse(input);
  const set: Partial<typeof externalServiceUsers.$inferInsert> = {};
  if (patch.ipRestriction !== undefined) set.ipRestriction = patch.ipRestriction;
  if (patch.validUntil !== undefined) set.validUntil = patch.validUntil;
  if (!Object.keys(set).length) return;
  deps.store.db.transaction((tx) => {
    tx.update(externalServiceUsers)
      .set(set)
      .where(and(eq(externalServiceUsers.serviceId, serviceId), eq(externalServiceUsers.userId, userId)))
      .run();
    writeAudit(tx, actor, {
      action: 'service.users.update',
      targetType: 'service',
      targetId: serviceId,
      summary: `Changed the authorisation of user ${userId} on service ${s.name}`,
      details: { userId, ...set },
    });
  });
  deps.gen.bump();
}

/** Removing an authorised user also deletes their tokens for this service: they could no longer be used. */
export function removeAuthorisedUser(
  deps: Deps,
  serviceId: number,
  userId: number,
  actor: Actor,
): { tokensDeleted: number } {
  const s = loadService(deps, serviceId);
  assertNotProtected(s);
  loadAuthorisation(deps, serviceId, userId);
  const n = deps.store.db.transaction((tx) => {
    tx.delete(externalServiceUsers)
      .where(and(eq(externalServiceUsers.serviceId, serviceId), eq(externalServiceUsers.userId, userId)))
      .run();
    const deleted = deleteTokensOf(tx, { serviceId, userId });
    writeAudit(tx, actor, {
      action: 'service.users.remove',
      targetType: 'service',
      targetId: serviceId,
      summary: `Removed user ${userId} from the authorised users of ${s.name} (${deleted} token(s) deleted)`,
      details: { userId, tokensDeleted: deleted },
    });
    return deleted;
  });
  deps.gen.bump();
  return { tokensDeleted: n };
}
