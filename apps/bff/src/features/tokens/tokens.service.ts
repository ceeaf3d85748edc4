import type {
  ListPageDto,
  TokenCreate,
  TokenDto,
  TokenListQuery,
  TokenRevoke,
  TokenRevokeResultDto,
  TokenStatus,
  TokenUpdate,
} from '@gatehouse/shared';
import {
  LIST_COUNT_CAP,
  tokenCreateSchema,
  tokenListQuerySchema,
  tokenRevokeSchema,
  tokenUpdateSchema,
} from '@gatehouse/shared';
import type { DbOrTx } from '../../db/client';
import { type WriteScope, withWrite } from '../../db/write';
import type { Deps } from '../../deps';
import { DomainError, notFound } from '../../lib/errors';
import { decodeCursor, encodeCursor } from '../../lib/list-cursor';
import type { Actor } from '../audit/audit.service';
import { assertNotStronger } from '../roles/escalation';
import { missingCapabilities, neededCapabilities } from '../services/service-capabilities';
import { findAuthorisation, findService, listUnprotectedServices, type ServiceRow } from '../services/services.repo';
import { generateToken, hashToken, tokenStub } from './token-secret';
import {
  countVisibleTokens,
  deleteTokensById,
  deleteVisibleTokens,
  findToken,
  findTokenWithParties,
  findUser,
  insertToken,
  ownersOfVisibleTokens,
  type TokenListUser,
  type TokenRow,
  type TokenSelection,
  tokenPage,
  tokenSortKey,
  tokenSortKeySize,
  tokensByIds,
  tokenUsesOf,
  type UserRow,
  updateToken,
} from './tokens.repo';
import { invalidateTokens } from './tokens-of';

const DEFAULT_ADMIN_TOKEN_DAYS = 30;

/** Why a user cannot hold a token, or undefined when they can. */
export function userUnavailableReason(
  u: Pick<UserRow, 'username' | 'deleted' | 'isGuest' | 'suspended' | 'confirmed'>,
): string | undefined {
  if (u.deleted) return `${u.username} is deleted`;
  if (u.isGuest) return 'The guest user cannot have a token';
  if (u.suspended) return `${u.username} is suspended`;
  if (!u.confirmed) return `${u.username} is not confirmed`;
  return undefined;
}

async function tokenStatuses(
  deps: Deps,
  t: Pick<TokenRow, 'validUntil' | 'ipRestriction'>,
  u: TokenListUser,
  s: ServiceRow,
  needed?: string[],
): Promise<{ statuses: TokenStatus[]; missing: string[] }> {
  const now = deps.now();
  const statuses: TokenStatus[] = [];
  if (t.validUntil !== null && t.validUntil < now) statuses.push('expired');
  if (userUnavailableReason(u) || u.auth === 'nologin' || u.passwordExpired) statuses.push('userunavailable');
  if (!s.enabled) statuses.push('servicedisabled');
  if (s.restrictedUsers) {
    const a = await findAuthorisation(deps.store.db, s.id, u.id);
    if (!a || (a.validUntil !== null && a.validUntil < now)) statuses.push('usernotauthorised');
  }
  const missing = await missingCapabilities(deps, s, u, needed);
  if (missing.length) statuses.push('missingcapabilities');
  if (t.ipRestriction) statuses.push('iprestricted');
  if (!statuses.some((x) => x !== 'iprestricted')) statuses.unshift('valid');
  return { statuses, missing };
}

async function toDto(
  deps: Deps,
  t: TokenRow,
  u: TokenListUser,
  s: ServiceRow,
  creator: Pick<UserRow, 'id' | 'username'> | null,
  needed?: string[],
): Promise<TokenDto> {
  const { statuses, missing } = await tokenStatuses(deps, t, u, s, needed);
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
    lastIp: (pending?.lastIp || null) ?? t.lastIp,
    calls: t.calls + (pending?.calls ?? 0),
    lastError: pending?.lastError?.text ?? t.lastError,
    lastErrorAt: pending?.lastError?.at ?? t.lastErrorAt,
    statuses,
    missingCapabilities: missing,
  };
}

/**
 * Manage tokens: every token but the hidden ones, filtered, sorted and paged in the database
 * (tokens.repo.ts says how it stays fast at a million rows): by keyset with `cursor` (the `next`
 * and `prev` of the page before), else by page number. The total is counted up to
 * LIST_COUNT_CAP ("10 000+") and cached per filter until the database changes.
 */
export async function listTokens(deps: Deps, input: TokenListQuery): Promise<ListPageDto<TokenDto>> {
  const q = tokenListQuerySchema.parse(input);
  const { db } = deps.store;
  const what = `tokens.${q.sort}.${q.dir}`;
  const seek = q.cursor ? decodeCursor(q.cursor, what, tokenSortKeySize(q.sort)) : undefined;
  const now = deps.now();
  const expires = q.expired
    ? { expiresTo: now - 1 }
    : q.expiringWithin !== undefined
      ? { expiresFrom: now, expiresTo: now + q.expiringWithin * 86400 }
      : {};
  const page = await tokenPage(db, { ...q, ...expires, seek });
  const key = JSON.stringify([
    'tokens',
    q.name,
    q.user,
    q.serviceId,
    q.validUntilBefore,
    q.validUntilAfter,
    expires.expiresFrom,
    expires.expiresTo,
  ]);
  const counted = await deps.counts.getAsync(key, () => page.count(LIST_COUNT_CAP));
  // A page's tokens share a handful of services: their needed capabilities are read once.
  const needed = new Map<number, string[]>();
  const items: TokenDto[] = [];
  for (const r of page.rows) {
    let caps = needed.get(r.s.id);
    if (!caps) {
      caps = await neededCapabilities(deps, r.s);
      needed.set(r.s.id, caps);
    }
    items.push(await toDto(deps, r.t, r.u, r.s, r.c, caps));
  }
  const first = page.rows[0];
  const last = page.rows.at(-1);
  return {
    items,
    total: Math.min(counted, LIST_COUNT_CAP),
    totalCapped: counted > LIST_COUNT_CAP,
    next: page.hasNext && last ? encodeCursor(what, 'after', tokenSortKey(q.sort, last)) : null,
    prev: page.hasPrev && first ? encodeCursor(what, 'before', tokenSortKey(q.sort, first)) : null,
    page: q.page,
    perPage: q.perPage,
  };
}

export async function getTokenDto(deps: Deps, id: number): Promise<TokenDto> {
  const r = await findTokenWithParties(deps.store.db, id);
  if (!r || r.t.hidden) throw notFound('Token');
  return toDto(deps, r.t, r.u, r.s, r.c);
}

/** The services Manage tokens offers (every one but the hub's). */
export function tokenServices(deps: Deps) {
  return listUnprotectedServices(deps.store.db);
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
  /** Its last access to begin with (login/token.php sets it to the time of issue, as Moodle does). */
  lastAccess?: number;
}

/**
 * Writes a new token, as part of the caller's write, and returns its id and secret. The secret
 * exists only in this return value.
 */
export async function issueToken(
  deps: Deps,
  tx: DbOrTx,
  w: Pick<WriteScope, 'invalidate'>,
  input: IssueTokenInput,
): Promise<{ id: number; secret: string }> {
  const secret = generateToken();
  const tokenHash = hashToken(deps.tokenSecret, secret);
  const id = await insertToken(tx, {
    tokenHash,
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
    lastAccess: input.lastAccess ?? null,
  });
  w.invalidate({ kind: 'token', id: tokenHash });
  return { id, secret };
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
export async function createAdminToken(
  deps: Deps,
  input: TokenCreate,
  actor: Actor,
  actorIsAdmin: boolean,
  by?: UserRow,
): Promise<{ token: TokenDto; secret: string }> {
  const data = tokenCreateSchema.parse(input);
  const created = await withWrite(deps, async (tx, w) => {
    const user = await findUser(tx, data.userId);
    if (!user) throw new DomainError('invalid', 'Choose an existing user', { userId: 'No such user' });
    // The hub's users hold only the tokens the hub makes for them (hidden ones), whoever asks.
    if (user.protected) {
      throw new DomainError('protected', `${user.username} is a protected hub user: only the hub makes its tokens`, {
        userId: 'This user is protected',
      });
    }
    const unavailable = userUnavailableReason(user);
    if (unavailable)
      throw new DomainError('invaliduser', `${unavailable}: no token can be created for this user`, {
        userId: unavailable,
      });
    if (user.siteAdmin && !actorIsAdmin) {
      throw new DomainError('forbidden', 'Only site administrators can create a token for a site administrator', {
        userId: 'Only site administrators can create a token for a site administrator',
      });
    }
    assertNotStronger(deps, by, user, 'create a token for', 'userId');
    const service = await findService(tx, data.serviceId);
    if (!service) throw new DomainError('invalid', 'Choose an existing service', { serviceId: 'No such service' });
    if (service.protected) {
      throw new DomainError('protected', `Tokens for the protected service "${service.name}" are managed by the hub`, {
        serviceId: 'This service is protected',
      });
    }
    if (service.restrictedUsers) {
      const a = await findAuthorisation(tx, service.id, user.id);
      if (!a) {
        const msg = `${user.username} is not an authorised user of "${service.name}". Authorise them first in Site administration > Plugins > Web services > External services > Authorised users.`;
        throw new DomainError('usernotauthorised', msg, { userId: msg });
      }
    }
    const now = deps.now();
    const validUntil = data.validUntil === undefined ? now + DEFAULT_ADMIN_TOKEN_DAYS * 86400 : data.validUntil;
    if (validUntil !== null && validUntil <= now) {
      throw new DomainError('invalid', 'Valid until must be in the future', { validUntil: 'Must be in the future' });
    }
    const name = data.name?.trim() || generatedTokenName(service, user, now);
    const t = await issueToken(deps, tx, w, {
      user,
      service,
      name,
      ipRestriction: data.ipRestriction ?? null,
      validUntil,
      creatorId: actor.id,
      origin: 'admin',
    });
    w.audit(actor, {
      action: 'token.create',
      targetType: 'token',
      targetId: t.id,
      summary: `Created token "${name}" for ${user.username} on ${service.name}`,
      details: { userId: user.id, serviceId: service.id, validUntil, ipRestriction: data.ipRestriction ?? null },
    });
    return t;
  });
  return { token: await getTokenDto(deps, created.id), secret: created.secret };
}

/**
 * Deletes a token. `opts.by` is the signed-in console user (undefined for trusted callers): they
 * may delete another user's token only when that user holds no capability they lack.
 */
export async function deleteToken(
  deps: Deps,
  id: number,
  actor: Actor,
  opts: { ownerId?: number; by?: UserRow } = {},
): Promise<void> {
  await withWrite(deps, async (tx, w) => {
    const t = await findToken(tx, id);
    if (!t || (opts.ownerId !== undefined && (t.hidden || t.userId !== opts.ownerId))) throw notFound('Token');
    // Hidden tokens are the hub's own: never listed, and refused by name rather than "not found".
    if (t.hidden) throw new DomainError('protected', 'This token belongs to the hub and cannot be deleted');
    if (opts.by) {
      const owner = await findUser(tx, t.userId);
      if (owner) assertNotStronger(deps, opts.by, owner, 'delete a token of');
    }
    invalidateTokens(w, await deleteTokensById(tx, [id]));
    w.audit(actor, {
      action: 'token.delete',
      targetType: 'token',
      targetId: id,
      summary: `Deleted token "${t.name}" (${t.stub})`,
      details: { userId: t.userId, serviceId: t.serviceId },
    });
  });
}

/**
 * /login/token.php's token: a new one for the user on the service, keeping only the newest
 * `keep` login tokens of theirs there, as one audited write. The caller has checked the
 * password (before: the hash is slow) and every rule of the endpoint.
 */
export async function issueLoginToken(
  deps: Deps,
  input: { user: UserRow; service: ServiceRow; ip: string },
  keep: number,
): Promise<string> {
  const { user, service, ip } = input;
  const now = deps.now();
  return withWrite(deps, async (tx, w) => {
    const t = await issueToken(deps, tx, w, {
      user,
      service,
      name: `${service.shortname} login ${new Date(now * 1000).toISOString().slice(0, 16).replace('T', ' ')}`,
      ipRestriction: null,
      validUntil: now + Number(deps.settings.get('tokenduration')),
      creatorId: user.id,
      origin: 'login',
      lastAccess: now,
    });
    // Past the cap, the tokens used least recently end (the calls not yet written count too;
    // one never used counts from its creation), not the oldest: an app still in use keeps its token.
    const lastUse = (r: { id: number; lastAccess: number | null; timecreated: number }) =>
      Math.max(r.lastAccess ?? r.timecreated, deps.usage.peek(r.id)?.lastAccess ?? 0);
    const leastUsed = (await tokenUsesOf(tx, user.id, service.id, 'login'))
      .map((r) => ({ id: r.id, used: lastUse(r) }))
      .sort((a, b) => b.used - a.used || b.id - a.id)
      .slice(keep)
      .map((r) => r.id);
    invalidateTokens(w, await deleteTokensById(tx, leastUsed));
    w.audit(
      { id: user.id, username: user.username, ip },
      {
        action: 'token.login',
        targetType: 'token',
        targetId: t.id,
        summary: `${user.username} obtained a token for ${service.shortname} through /login/token.php`,
      },
    );
    return t.secret;
  });
}

/**
 * The token a console user may change: visible (the hub's own are refused by name), and owned by
 * someone holding no capability `by` lacks (its secret lets `by` act as them), as for delete.
 */
async function changeableToken(deps: Deps, tx: DbOrTx, id: number, doing: string, by?: UserRow) {
  const t = await findToken(tx, id);
  if (!t) throw notFound('Token');
  if (t.hidden) throw new DomainError('protected', 'This token belongs to the hub and cannot be changed');
  const owner = await findUser(tx, t.userId);
  if (!owner) throw notFound('Token');
  assertNotStronger(deps, by, owner, doing);
  return { t, owner };
}

function assertFuture(deps: Deps, validUntil: number | null | undefined): void {
  if (validUntil !== undefined && validUntil !== null && validUntil <= deps.now()) {
    throw new DomainError('invalid', 'Valid until must be in the future', { validUntil: 'Must be in the future' });
  }
}

/** Edit a token: name, valid until and IP restriction (only the fields sent); the access cache drops it. */
export async function updateTokenSettings(
  deps: Deps,
  id: number,
  input: TokenUpdate,
  actor: Actor,
  by?: UserRow,
): Promise<TokenDto> {
  const data = tokenUpdateSchema.parse(input);
  assertFuture(deps, data.validUntil);
  await withWrite(deps, async (tx, w) => {
    const { t } = await changeableToken(deps, tx, id, 'change a token of', by);
    const set: Partial<Pick<TokenRow, 'name' | 'validUntil' | 'ipRestriction'>> = {};
    if (data.name !== undefined) set.name = data.name;
    if (data.validUntil !== undefined) set.validUntil = data.validUntil;
    if (data.ipRestriction !== undefined) set.ipRestriction = data.ipRestriction;
    const before = { name: t.name, validUntil: t.validUntil, ipRestriction: t.ipRestriction };
    await updateToken(tx, id, set);
    w.invalidate({ kind: 'token', id: t.tokenHash });
    w.audit(actor, {
      action: 'token.update',
      targetType: 'token',
      targetId: id,
      summary: `Edited token "${set.name ?? t.name}" (${t.stub})`,
      details: { before, after: { ...before, ...set } },
    });
  });
  return getTokenDto(deps, id);
}

/**
 * Regenerate: a new secret for the same token (same id, settings and usage); the old secret stops
 * at once (its hash is dropped from the access cache). The new secret exists only in the result.
 */
export async function regenerateToken(
  deps: Deps,
  id: number,
  actor: Actor,
  by?: UserRow,
): Promise<{ token: TokenDto; secret: string }> {
  const secret = generateToken();
  const tokenHash = hashToken(deps.tokenSecret, secret);
  await withWrite(deps, async (tx, w) => {
    const { t, owner } = await changeableToken(deps, tx, id, 'regenerate a token of', by);
    const unavailable = userUnavailableReason(owner);
    if (unavailable) throw new DomainError('invaliduser', `${unavailable}: the token cannot be regenerated`);
    await updateToken(tx, id, { tokenHash, stub: tokenStub(secret) });
    w.invalidate({ kind: 'token', id: t.tokenHash }, { kind: 'token', id: tokenHash });
    w.audit(actor, {
      action: 'token.regenerate',
      targetType: 'token',
      targetId: id,
      summary: `Regenerated the secret of token "${t.name}" (${t.stub} is now ${tokenStub(secret)})`,
      details: { userId: t.userId, serviceId: t.serviceId },
    });
  });
  return { token: await getTokenDto(deps, id), secret };
}

/**
 * Bulk revoke: the tokens named by id, or every visible token of a user, a service, or a user
 * on a service; `dryRun` only counts them. Refused as a whole (nothing changes) when a named
 * token is missing or the hub's, or when an owner holds a capability `by` lacks.
 */
export async function revokeTokens(
  deps: Deps,
  input: TokenRevoke,
  actor: Actor,
  by?: UserRow,
): Promise<TokenRevokeResultDto> {
  const data = tokenRevokeSchema.parse(input);
  const sel: TokenSelection = data.ids
    ? { ids: [...new Set(data.ids)] }
    : { userId: data.userId, serviceId: data.serviceId };
  const dryRun = data.dryRun ?? false;
  const run = async (tx: DbOrTx, w?: Pick<WriteScope, 'invalidate' | 'audit'>) => {
    let owners: UserRow[];
    let what: string;
    if (sel.ids) {
      const found = await tokensByIds(tx, sel.ids);
      const missing = sel.ids.filter((i) => !found.some((f) => f.id === i));
      if (missing.length) {
        throw new DomainError('notfound', `No such token: ${missing.join(', ')}`, { ids: 'Some tokens are gone' });
      }
      if (found.some((f) => f.hidden)) {
        throw new DomainError('protected', 'Tokens of the hub cannot be revoked', { ids: 'Includes a hub token' });
      }
      owners = by && !by.siteAdmin ? await ownersOfVisibleTokens(tx, sel) : [];
      what = 'selected';
    } else {
      const parts: string[] = [];
      if (sel.userId !== undefined) {
        const u = await findUser(tx, sel.userId);
        if (!u) throw new DomainError('invalid', 'Choose an existing user', { userId: 'No such user' });
        parts.push(`of ${u.username}`);
      }
      if (sel.serviceId !== undefined) {
        const s = await findService(tx, sel.serviceId);
        if (!s) throw new DomainError('invalid', 'Choose an existing service', { serviceId: 'No such service' });
        parts.push(`on ${s.name}`);
      }
      owners = by && !by.siteAdmin ? await ownersOfVisibleTokens(tx, sel) : [];
      what = parts.join(' ');
    }
    for (const o of owners) assertNotStronger(deps, by, o, 'revoke a token of');
    if (!w) return { count: await countVisibleTokens(tx, sel), dryRun: true };
    const hashes = await deleteVisibleTokens(tx, sel);
    invalidateTokens(w, hashes);
    w.audit(actor, {
      action: 'token.revoke',
      targetType: 'token',
      targetId: null,
      summary: `Revoked ${hashes.length} ${hashes.length === 1 ? 'token' : 'tokens'} (${what})`,
      details: { ...sel, count: hashes.length },
    });
    return { count: hashes.length, dryRun: false };
  };
  return dryRun ? run(deps.store.db) : withWrite(deps, (tx, w) => run(tx, w));
}
