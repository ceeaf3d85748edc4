import type {
  AuthorisedUserDto,
  AuthorisedUserUpdate,
  FunctionSummaryDto,
  ServiceCreate,
  ServiceDto,
  ServiceUpdate,
} from '@gatehouse/shared';
import { authorisedUserUpdateSchema } from '@gatehouse/shared';
import type { DbOrTx } from '../../db/client';
import { withWrite } from '../../db/write';
import type { Deps } from '../../deps';
import { conflict, DomainError, notFound } from '../../lib/errors';
import type { ExternalFunction } from '../../webservice/types';
import type { Actor } from '../audit/audit.service';
import { countTokensByService, deleteTokensOf } from '../tokens/tokens-of';
import { missingCapabilities, neededCapabilities, serviceFunctionNames } from './service-capabilities';
import {
  authorisedAmong,
  deleteAuthorisation,
  deleteServiceFunctions,
  deleteServiceRow,
  findAuthorisation,
  findService,
  findServiceByShortname,
  insertAuthorisations,
  insertService,
  insertServiceFunctions,
  listAuthorisations,
  listServiceRows,
  type ServiceRow,
  serviceIdWith,
  serviceMemberCounts,
  updateAuthorisation,
  updateServiceRow,
  usersWithIds,
} from './services.repo';

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

/** The service with this id (through `db`, a write's transaction when given); not found otherwise. */
export async function loadService(deps: Deps, id: number, db: DbOrTx = deps.store.db): Promise<ServiceRow> {
  const s = await findService(db, id);
  if (!s) throw notFound('Service');
  return s;
}

/** The service with this short name, if there is one (the CLI names services so). */
export function serviceByShortname(deps: Deps, shortname: string): Promise<ServiceRow | undefined> {
  return findServiceByShortname(deps.store.db, shortname);
}

async function toDto(deps: Deps, s: ServiceRow, tokenCounts: Map<number, number>): Promise<ServiceDto> {
  const { functionCount, authorisedCount } = await serviceMemberCounts(deps.store.db, s.id);
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

export async function listServices(deps: Deps): Promise<{ builtin: ServiceDto[]; custom: ServiceDto[] }> {
  const rows = await listServiceRows(deps.store.db);
  const counts = await countTokensByService(deps.store.db);
  const all: ServiceDto[] = [];
  for (const r of rows) all.push(await toDto(deps, r, counts));
  return { builtin: all.filter((s) => s.builtin), custom: all.filter((s) => !s.builtin) };
}

export async function getService(deps: Deps, id: number): Promise<ServiceDto> {
  const s = await loadService(deps, id);
  return toDto(deps, s, await countTokensByService(deps.store.db));
}

async function assertUnique(db: DbOrTx, field: 'name' | 'shortname', v: string, exceptId?: number) {
  const id = await serviceIdWith(db, field, v);
  if (id !== undefined && id !== exceptId) {
    const label = field === 'name' ? 'name' : 'short name';
    throw conflict(`A service with this ${label} already exists`, {
      [field]: `A service with this ${label} already exists`,
    });
  }
}

function assertNotProtected(s: ServiceRow) {
  if (s.protected)
    throw new DomainError('protected', `The service "${s.name}" is protected and cannot be modified or deleted`);
}

export async function createService(deps: Deps, input: ServiceCreate, actor: Actor): Promise<ServiceDto> {
  const id = await withWrite(deps, async (tx, w) => {
    await assertUnique(tx, 'name', input.name);
    await assertUnique(tx, 'shortname', input.shortname);
    const now = deps.now();
    const row = await insertService(tx, { ...input, component: null, timecreated: now, timemodified: now });
    w.audit(actor, {
      action: 'service.create',
      targetType: 'service',
      targetId: row.id,
      summary: `Created service ${row.name} (${row.shortname})`,
      details: { ...input },
    });
    w.invalidate({ kind: 'service', id: row.id });
    return row.id;
  });
  return getService(deps, id);
}

const BUILTIN_FROZEN = ['name', 'requiredCapability', 'restrictedUsers'] as const;
const FROZEN_LABEL: Record<(typeof BUILTIN_FROZEN)[number], string> = {
  name: 'name',
  requiredCapability: 'required capability',
  restrictedUsers: 'authorised users only setting',
};

export async function updateService(deps: Deps, id: number, patch: ServiceUpdate, actor: Actor): Promise<ServiceDto> {
  await withWrite(deps, async (tx, w) => {
    const s = await loadService(deps, id, tx);
    assertNotProtected(s);
    if (patch.shortname !== undefined && patch.shortname !== s.shortname) {
      throw new DomainError('frozen', 'The short name cannot be changed after the service is created', {
        shortname: 'The short name cannot be changed after the service is created',
      });
    }
    if (s.component !== null) {
      for (const f of BUILTIN_FROZEN) {
        if (patch[f] !== undefined && patch[f] !== s[f]) {
          const msg = `The ${FROZEN_LABEL[f]} of a built-in service cannot be changed`;
          throw new DomainError('frozen', msg, { [f]: msg });
        }
      }
    }
    if (patch.name !== undefined) await assertUnique(tx, 'name', patch.name, id);
    const { shortname: _s, ...rest } = patch;
    const changed = Object.fromEntries(
      Object.entries(rest).filter(([k, v]) => s[k as keyof ServiceRow] !== v),
    ) as Partial<ServiceRow>;
    if (!Object.keys(changed).length) return;
    await updateServiceRow(tx, id, { ...changed, timemodified: deps.now() });
    w.audit(actor, {
      action: 'service.update',
      targetType: 'service',
      targetId: id,
      summary: `Updated service ${changed.name ?? s.name}: ${Object.entries(changed)
        .map(([k, v]) => `${k} = ${JSON.stringify(v)}`)
        .join(', ')}`,
      details: { changed },
    });
    w.invalidate({ kind: 'service', id });
  });
  return getService(deps, id);
}

export async function deleteService(deps: Deps, id: number, actor: Actor): Promise<{ tokensDeleted: number }> {
  const tokensDeleted = await withWrite(deps, async (tx, w) => {
    const s = await loadService(deps, id, tx);
    assertNotProtected(s);
    if (s.component !== null) throw new DomainError('builtin', `The built-in service "${s.name}" cannot be deleted`);
    const n = await deleteTokensOf(tx, w, { serviceId: id });
    await deleteServiceRow(tx, id);
    w.audit(actor, {
      action: 'service.delete',
      targetType: 'service',
      targetId: id,
      summary: `Deleted service ${s.name} (${s.shortname}) and its ${n} token(s)`,
      details: { tokensDeleted: n },
    });
    w.invalidate({ kind: 'service', id });
    return n;
  });
  return { tokensDeleted };
}

// ---- functions of a service ----------------------------------------------------------------

export async function listServiceFunctions(
  deps: Deps,
  serviceId: number,
): Promise<(FunctionSummaryDto & { missing: boolean })[]> {
  await loadService(deps, serviceId);
  return (await serviceFunctionNames(deps.store.db, serviceId)).map((name) => {
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
    throw new DomainError('builtin', `The functions of the built-in service "${s.name}" cannot be changed`);
  }
}

export async function addServiceFunctions(
  deps: Deps,
  serviceId: number,
  names: string[],
  actor: Actor,
): Promise<FunctionSummaryDto[]> {
  const unique = [...new Set(names)];
  await withWrite(deps, async (tx, w) => {
    const s = await loadService(deps, serviceId, tx);
    assertFunctionsEditable(s);
    const unknown = unique.filter((n) => !deps.catalogue.has(n));
    if (unknown.length)
      throw new DomainError('invalid', `Unknown function(s): ${unknown.join(', ')}`, {
        functions: 'Unknown function',
      });
    const deprecated = unique.filter((n) => deps.catalogue.get(n)?.deprecated);
    if (deprecated.length) {
      throw new DomainError(
        'deprecated',
        `Deprecated functions cannot be added to a service: ${deprecated.join(', ')}`,
        {
          functions: 'Deprecated functions cannot be added',
        },
      );
    }
    const present = new Set(await serviceFunctionNames(tx, serviceId));
    const already = unique.filter((n) => present.has(n));
    if (already.length)
      throw conflict(`Already in the service: ${already.join(', ')}`, { functions: 'Already in the service' });
    await insertServiceFunctions(tx, serviceId, unique);
    await updateServiceRow(tx, serviceId, { timemodified: deps.now() });
    w.audit(actor, {
      action: 'service.functions.add',
      targetType: 'service',
      targetId: serviceId,
      summary: `Added ${unique.join(', ')} to service ${s.name}`,
      details: { functions: unique },
    });
    w.invalidate({ kind: 'service', id: serviceId });
  });
  return unique.flatMap((n) => {
    const fn = deps.catalogue.get(n);
    return fn ? [functionSummary(fn)] : [];
  });
}

export async function removeServiceFunction(deps: Deps, serviceId: number, name: string, actor: Actor): Promise<void> {
  await withWrite(deps, async (tx, w) => {
    const s = await loadService(deps, serviceId, tx);
    assertFunctionsEditable(s);
    if (!(await deleteServiceFunctions(tx, serviceId, [name]))) throw notFound('Function in this service');
    w.audit(actor, {
      action: 'service.functions.remove',
      targetType: 'service',
      targetId: serviceId,
      summary: `Removed ${name} from service ${s.name}`,
      details: { function: name },
    });
    w.invalidate({ kind: 'service', id: serviceId });
  });
}

// ---- authorised users ----------------------------------------------------------------------

export async function listAuthorisedUsers(deps: Deps, serviceId: number): Promise<AuthorisedUserDto[]> {
  const s = await loadService(deps, serviceId);
  const rows = await listAuthorisations(deps.store.db, serviceId);
  // Every authorised user needs the same capabilities: read once.
  const needed = rows.length ? await neededCapabilities(deps, s) : [];
  const result: AuthorisedUserDto[] = [];
  for (const { authorisation: a, user: u } of rows) {
    result.push({
      user: {
        id: u.id,
        username: u.username,
        firstname: u.firstname,
        lastname: u.lastname,
        email: u.email,
        suspended: u.suspended,
        deleted: u.deleted,
      },
      ipRestriction: a.ipRestriction,
      validUntil: a.validUntil,
      timecreated: a.timecreated,
      missingCapabilities: await missingCapabilities(deps, s, u, needed),
    });
  }
  return result;
}

export async function addAuthorisedUsers(
  deps: Deps,
  serviceId: number,
  userIds: number[],
  actor: Actor,
): Promise<void> {
  await withWrite(deps, async (tx, w) => {
    const s = await loadService(deps, serviceId, tx);
    assertNotProtected(s);
    if (!s.restrictedUsers) {
      throw new DomainError(
        'notrestricted',
        `The service "${s.name}" is open to all users: set "Authorised users only" first`,
      );
    }
    const ids = [...new Set(userIds)];
    const found = await usersWithIds(tx, ids);
    const problems: string[] = [];
    for (const id of ids) {
      const u = found.find((x) => x.id === id);
      if (!u) problems.push(`user ${id} does not exist`);
      else if (u.deleted) problems.push(`${u.username} is deleted`);
      else if (u.isGuest) problems.push('the guest user cannot be authorised');
      else if (!u.confirmed) problems.push(`${u.username} is not confirmed`);
    }
    if (problems.length)
      throw new DomainError('invaliduser', `These users cannot be authorised: ${problems.join('; ')}`);
    const existing = await authorisedAmong(tx, serviceId, ids);
    const toAdd = found.filter((u) => !existing.has(u.id));
    if (!toAdd.length) throw conflict('These users are already authorised');
    await insertAuthorisations(
      tx,
      toAdd.map((u) => ({ serviceId, userId: u.id, timecreated: deps.now() })),
    );
    w.audit(actor, {
      action: 'service.users.add',
      targetType: 'service',
      targetId: serviceId,
      summary: `Authorised ${toAdd.map((u) => u.username).join(', ')} on service ${s.name}`,
      details: { userIds: toAdd.map((u) => u.id) },
    });
    w.invalidate({ kind: 'service', id: serviceId }, ...toAdd.map((u) => ({ kind: 'user' as const, id: u.id })));
  });
}

async function loadAuthorisation(db: DbOrTx, serviceId: number, userId: number) {
  const row = await findAuthorisation(db, serviceId, userId);
  if (!row) throw notFound('Authorised user');
  return row;
}

export async function updateAuthorisedUser(
  deps: Deps,
  serviceId: number,
  userId: number,
  input: AuthorisedUserUpdate,
  actor: Actor,
): Promise<void> {
  await withWrite(deps, async (tx, w) => {
    const s = await loadService(deps, serviceId, tx);
    assertNotProtected(s);
    await loadAuthorisation(tx, serviceId, userId);
    const patch = authorisedUserUpdateSchema.parse(input);
    const set: { ipRestriction?: string | null; validUntil?: number | null } = {};
    if (patch.ipRestriction !== undefined) set.ipRestriction = patch.ipRestriction;
    if (patch.validUntil !== undefined) set.validUntil = patch.validUntil;
    if (!Object.keys(set).length) return;
    await updateAuthorisation(tx, serviceId, userId, set);
    w.audit(actor, {
      action: 'service.users.update',
      targetType: 'service',
      targetId: serviceId,
      summary: `Changed the authorisation of user ${userId} on service ${s.name}`,
      details: { userId, ...set },
    });
    w.invalidate({ kind: 'service', id: serviceId }, { kind: 'user', id: userId });
  });
}

/** Removing an authorised user also deletes their tokens for this service: they could no longer be used. */
export async function removeAuthorisedUser(
  deps: Deps,
  serviceId: number,
  userId: number,
  actor: Actor,
): Promise<{ tokensDeleted: number }> {
  const tokensDeleted = await withWrite(deps, async (tx, w) => {
    const s = await loadService(deps, serviceId, tx);
    assertNotProtected(s);
    await loadAuthorisation(tx, serviceId, userId);
    await deleteAuthorisation(tx, serviceId, userId);
    const deleted = await deleteTokensOf(tx, w, { serviceId, userId });
    w.audit(actor, {
      action: 'service.users.remove',
      targetType: 'service',
      targetId: serviceId,
      summary: `Removed user ${userId} from the authorised users of ${s.name} (${deleted} token(s) deleted)`,
      details: { userId, tokensDeleted: deleted },
    });
    w.invalidate({ kind: 'service', id: serviceId }, { kind: 'user', id: userId });
    return deleted;
  });
  return { tokensDeleted };
}
