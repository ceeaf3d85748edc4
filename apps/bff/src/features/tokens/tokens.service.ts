import type { TokenCreate, TokenDto, TokenListQuery, TokenStatus } from '@gatehouse/shared';
import { tokenCreateSchema, tokenListQuerySchema } from '@gatehouse/shared';
import { type AnyColumn, and, asc, count, desc, eq, gte, inArray, isNull, lte, or, type SQL, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import type { DbOrTx } from '../../db/client';
import {
  externalServices,
  externalServiceUsers,
  externalTokens,
  type TokenRow,
  type UserRow,
  users,
} from '../../db/schema';
import type { Deps } from '../../deps';
import { HttpError, notFound } from '../../lib/http-error';
import { contains, searchCondition } from '../../lib/sql';
import { type Actor, writeAudit } from '../audit/audit.service';
import { assertNotStronger } from '../roles/escalation';
import { missingCapabilities, neededCapabilities } from '../services/service-capabilities';
import { generateToken, hashToken, tokenStub } from './token-secret';

type ServiceRow = typeof externalServices.$inferSelect;
const creators = alias(users, 'creators');

const DEFAULT_ADMIN_TOKEN_DAYS = 30;

/** Why a user cannot hold a token, or undefined when they can. */
export function userUnavailableReason(u: UserRow): string | undefined {
  if (u.deleted) return `${u.username} is deleted`;
  if (u.isGuest) return 'The guest user cannot have a token';
  if (u.suspended) return `${u.username} is suspended`;
  if (!u.confirmed) return `${u.username} is not confirmed`;
  return undefined;
}

function authorisationOf(db: DbOrTx, serviceId: number, userId: number) {
  return db
    .select()
    .from(externalServiceUsers)
    .where(and(eq(externalServiceUsers.serviceId, serviceId), eq(externalServiceUsers.userId, userId)))
    .get();
}

function tokenStatuses(
  deps: Deps,
  t: Pick<TokenRow, 'validUntil' | 'ipRestriction'>,
  u: UserRow,
  s: ServiceRow,
  needed?: string[],
): { statuses: TokenStatus[]; missing: string[] } {
  const now = deps.now();
  const statuses: TokenStatus[] = [];
  if (t.validUntil !== null && t.validUntil < now) statuses.push('expired');
  if (userUnavailableReason(u) || u.auth === 'nologin' || u.passwordExpired) statuses.push('userunavailable');
  if (!s.enabled) statuses.push('servicedisabled');
  if (s.restrictedUsers) {
    const a = authorisationOf(deps.store.db, s.id, u.id);
    if (!a || (a.validUntil !== null && a.validUntil < now)) statuses.push('usernotauthorised');
  }
  const missing = missingCapabilities(deps, s, u, needed);
  if (missing.length) statuses.push('missingcapabilities');
  if (t.ipRestriction) statuses.push('iprestricted');
  if (!statuses.some((x) => x !== 'iprestricted')) statuses.unshift('valid');
  return { statuses, missing };
}

function toDto(
  deps: Deps,
  t: TokenRow,
  u: UserRow,
  s: ServiceRow,
  creator: UserRow | null,
  needed?: string[],
): TokenDto {
  const { statuses, missing } = tokenStatuses(deps, t, u, s, needed);
  // Usage not yet written to the database (it is flushed once a minute) counts too.
  const pending = deps.usage.peek(t.id);
  return {
    id: t.id,
    name: t.name,
    stub: t.stub,
    user: { id: u.id, username: u.username, fullname: `${u.firstname} ${u.lastname}`.trim() },
    service: { id: s.id, name: s.name, shortname: s.shortname },
    ipRestriction: t.ipRestriction,
    validUntil: t.validUntil,
    creator: creator ? { id: creator.id, username: creator.username } : null,
    origin: t.origin,
    timecreated: t.timecreated,
    lastAccess: pending ? Math.max(pending.lastAccess, t.lastAccess ?? 0) : t.lastAccess,
    calls: t.calls + (pending?.calls ?? 0),
    lastError: pending?.lastError?.text ?? t.lastError,
    lastErrorAt: pending?.lastError?.at ?? t.lastErrorAt,
    statuses,
    missingCapabilities: missing,
  };
}

const SORTS: Record<string, AnyColumn[]> = {
  name: [externalTokens.name],
  // The user's and service's ids keep one user's (one service's) tokens together, which lets the
  // database walk users (services) in order rather than sort every token.
  user: [users.lastname, users.firstname, users.id],
  service: [externalServices.name, externalServices.id],
  validuntil: [externalTokens.validUntil],
  lastaccess: [externalTokens.lastAccess],
  timecreated: [externalTokens.timecreated],
};

function baseQuery(db: DbOrTx) {
  return db
    .select({ t: externalTokens, u: users, s: externalServices, c: creators })
    .from(externalTokens)
    .innerJoin(users, eq(users.id, externalTokens.userId))
    .innerJoin(externalServices, eq(externalServices.id, externalTokens.serviceId))
    .leftJoin(creators, eq(creators.id, externalTokens.creatorId));
}

/**
 * Manage tokens: every token but the hidden ones, filtered, sorted and paged in the database.
 * Name and user searches use the trigram indexes; a page's ids come from one index-only query
 * (however deep the page) and only those rows are joined; the total is cached per filter until
 * the database changes.
 */
export function listTokens(deps: Deps, input: TokenListQuery) {
  const q = tokenListQuerySchema.parse(input);
  const { db } = deps.store;
  const where: SQL[] = [];
  const name = q.name
    ? searchCondition(
        db,
        externalTokens.id,
        'external_tokens_search',
        ['name'],
        q.name,
        contains(externalTokens.name, q.name),
      )
    : undefined;
  const user = q.user
    ? searchCondition(
        db,
        users.id,
        'users_search',
        ['username', 'firstname', 'lastname'],
        q.user,
        or(
          contains(users.username, q.user),
          contains(users.firstname, q.user),
          contains(users.lastname, q.user),
        ) as SQL,
      )
    : undefined;
  // A selective search drives the query with its matching ids: `+hidden` keeps the planner from
  // walking an index that leads with `hidden` (every row) instead.
  where.push(
    name?.selective || user?.selective ? sql`+${externalTokens.hidden} = 0` : eq(externalTokens.hidden, false),
  );
  if (name) where.push(name.where);
  if (user) {
    const ids = db.select({ id: users.id }).from(users).where(user.where);
    // Many matching users: walk the list's order and check each token's user (`+` keeps the
    // planner off the user index, which would fetch and sort every token of every match).
    where.push(user.selective ? inArray(externalTokens.userId, ids) : sql`+${externalTokens.userId} IN ${ids}`);
  }
  if (q.serviceId) where.push(eq(externalTokens.serviceId, q.serviceId));
  if (q.validUntilBefore !== undefined) where.push(lte(externalTokens.validUntil, q.validUntilBefore));
  if (q.validUntilAfter !== undefined) {
    where.push(or(isNull(externalTokens.validUntil), gte(externalTokens.validUntil, q.validUntilAfter)) as SQL);
  }
  const cond = and(...where);
  const dir = q.dir === 'desc' ? desc : asc;
  let ids = db.select({ id: externalTokens.id }).from(externalTokens).$dynamic();
  if (q.sort === 'user') ids = ids.innerJoin(users, eq(users.id, externalTokens.userId));
  if (q.sort === 'service') ids = ids.innerJoin(externalServices, eq(externalServices.id, externalTokens.serviceId));
  const pageIds = ids
    .where(cond)
    .orderBy(...(SORTS[q.sort] ?? []).map((c) => dir(c)), dir(externalTokens.id))
    .limit(q.perPage)
    .offset((q.page - 1) * q.perPage)
    .all()
    .map((r) => r.id);
  const byId = new Map(
    (pageIds.length ? baseQuery(db).where(inArray(externalTokens.id, pageIds)).all() : []).map((r) => [r.t.id, r]),
  );
  const key = JSON.stringify(['tokens', q.name, q.user, q.serviceId, q.validUntilBefore, q.validUntilAfter]);
  const total = deps.counts.get(key, () => db.select({ n: count() }).from(externalTokens).where(cond).get()?.n ?? 0);
  // A page's tokens share a handful of services: their needed capabilities are read once.
  const needed = new Map<number, string[]>();
  const items = pageIds.flatMap((id) => {
    const r = byId.get(id);
    if (!r) return [];
    if (!needed.has(r.s.id)) needed.set(r.s.id, neededCapabilities(deps, r.s));
    return [toDto(deps, r.t, r.u, r.s, r.c, needed.get(r.s.id))];
  });
  return { items, total, page: q.page, perPage: q.perPage };
}

export function getTokenDto(deps: Deps, id: number): TokenDto {
  const r = baseQuery(deps.store.db).where(eq(externalTokens.id, id)).get();
  if (!r || r.t.hidden) throw notFound('Token');
  return toDto(deps, r.t, r.u, r.s, r.c);
}

export interface IssueTokenInput {
  user: UserRow;
  service: ServiceRow;
  name: string;
  ipRestriction: string | null;
  validUntil: number | null;
  creatorId: number | null;
  origin: TokenRow['origin'];
  hidden?: boolean;
}

/** Writes a new token and returns its id and secret. The secret exists only in this return value. */
export function issueToken(deps: Deps, db: DbOrTx, input: IssueTokenInput): { id: number; secret: string } {
  const secret = generateToken();
  const row = db
    .insert(externalTokens)
    .values({
      tokenHash: hashToken(deps.tokenSecret, secret),
      stub: tokenStub(secret),
      name: input.name,
      userId: input.user.id,
      serviceId: input.service.id,
      ipRestriction: input.ipRestriction,
      validUntil: input.validUntil,
      creatorId: input.creatorId,
      origin: input.origin,
      hidden: input.hidden ?? false,
      timecreated: deps.now(),
    })
    .returning({ id: externalTokens.id })
    .get();
  return { id: row.id, secret };
}

export function generatedTokenName(service: ServiceRow, user: UserRow, now: number): string {
  const d = new Date(now * 1000).toISOString().slice(0, 10);
  return `${service.shortname} for ${user.username} (${d})`;
}

/**
 * Manage tokens > Add: an administrator creates a token for a user. This is the only way an
 * administrator gets a token (never automatically: the seed says why). `by` is the signed-in
 * console user (undefined for trusted callers such as the CLI): a token for another user is
 * refused when that user holds a capability `by` lacks, since its secret lets `by` act as them.
 */
export function createAdminToken(deps: Deps, input: TokenCreate, actor: Actor, actorIsAdmin: boolean, by?: UserRow) {
  const data = tokenCreateSchema.parse(input);
  const { db } = deps.store;
  const user = db.select().from(users).where(eq(users.id, data.userId)).get();
  if (!user) throw new HttpError(400, 'invalid', 'Choose an existing user', { userId: 'No such user' });
  // The hub's users hold only the tokens the hub makes for them (hidden ones), whoever asks.
  if (user.protected) {
    throw new HttpError(403, 'protected', `${user.username} is a protected hub user: only the hub makes its tokens`, {
      userId: 'This user is protected',
    });
  }
  const unavailable = userUnavailableReason(user);
  if (unavailable)
    throw new HttpError(400, 'invaliduser', `${unavailable}: no token can be created for this user`, {
      userId: unavailable,
    });
  if (user.siteAdmin && !actorIsAdmin) {
    throw new HttpError(403, 'forbidden', 'Only site administrators can create a token for a site administrator', {
      userId: 'Only site administrators can create a token for a site administrator',
    });
  }
  assertNotStronger(deps, by, user, 'create a token for', 'userId');
  const service = db.select().from(externalServices).where(eq(externalServices.id, data.serviceId)).get();
  if (!service) throw new HttpError(400, 'invalid', 'Choose an existing service', { serviceId: 'No such service' });
  if (service.protected) {
    throw new HttpError(403, 'protected', `Tokens for the protected service "${service.name}" are managed by the hub`, {
      serviceId: 'This service is protected',
    });
  }
  if (service.restrictedUsers) {
    const a = authorisationOf(db, service.id, user.id);
    if (!a) {
      const msg = `${user.username} is not an authorised user of "${service.name}". Authorise them first in Site administration > Plugins > Web services > External services > Authorised users.`;
      throw new HttpError(400, 'usernotauthorised', msg, { userId: msg });
    }
  }
  const now = deps.now();
  const validUntil = data.validUntil === undefined ? now + DEFAULT_ADMIN_TOKEN_DAYS * 86400 : data.validUntil;
  if (validUntil !== null && validUntil <= now) {
    throw new HttpError(400, 'invalid', 'Valid until must be in the future', { validUntil: 'Must be in the future' });
  }
  const name = data.name?.trim() || generatedTokenName(service, user, now);
  const created = db.transaction((tx) => {
    const t = issueToken(deps, tx, {
      user,
      service,
      name,
      ipRestriction: data.ipRestriction ?? null,
      validUntil,
      creatorId: actor.id,
      origin: 'admin',
    });
    writeAudit(tx, actor, {
      action: 'token.create',
      targetType: 'token',
      targetId: t.id,
      summary: `Created token "${name}" for ${user.username} on ${service.name}`,
      details: { userId: user.id, serviceId: service.id, validUntil, ipRestriction: data.ipRestriction ?? null },
    });
    return t;
  });
  deps.gen.bump();
  return { token: getTokenDto(deps, created.id), secret: created.secret };
}

/**
 * Deletes a token. `opts.by` is the signed-in console user (undefined for trusted callers): they
 * may delete another user's token only when that user holds no capability they lack.
 */
export function deleteToken(deps: Deps, id: number, actor: Actor, opts: { ownerId?: number; by?: UserRow } = {}): void {
  const { db } = deps.store;
  const t = db.select().from(externalTokens).where(eq(externalTokens.id, id)).get();
  if (!t || (opts.ownerId !== undefined && (t.hidden || t.userId !== opts.ownerId))) throw notFound('Token');
  // Hidden tokens are the hub's own: never listed, and refused by name rather than "not found".
  if (t.hidden) throw new HttpError(403, 'protected', 'This token belongs to the hub and cannot be deleted');
  if (opts.by) {
    const owner = db.select().from(users).where(eq(users.id, t.userId)).get();
    if (owner) assertNotStronger(deps, opts.by, owner, 'delete a token of');
  }
  db.transaction((tx) => {
    tx.delete(externalTokens).where(eq(externalTokens.id, id)).run();
    writeAudit(tx, actor, {
      action: 'token.delete',
      targetType: 'token',
      targetId: id,
      summary: `Deleted token "${t.name}" (${t.stub})`,
      details: { userId: t.userId, serviceId: t.serviceId },
    });
  });
  deps.gen.bump();
}
