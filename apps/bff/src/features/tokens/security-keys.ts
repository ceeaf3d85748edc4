import type { SecurityKeysDto, TokenDto } from '@gatehouse/shared';
import type { DbOrTx } from '../../db/client';
import { withWrite } from '../../db/write';
import type { Deps } from '../../deps';
import { DomainError, notFound } from '../../lib/errors';
import type { Actor } from '../audit/audit.service';
import { findAuthorisation, listEnabledUnprotectedServices, type ServiceRow } from '../services/services.repo';
import { generateToken, hashToken, tokenStub } from './token-secret';
import { findToken, serviceIdsWithVisibleTokensOf, type UserRow, updateToken, visibleTokenIdsOf } from './tokens.repo';
import { generatedTokenName, getTokenDto, issueToken, userUnavailableReason } from './tokens.service';

/** The services a user may use through a token they create themselves. */
async function servicesUsableBy(deps: Deps, db: DbOrTx, user: UserRow): Promise<ServiceRow[]> {
  const now = deps.now();
  const usable: ServiceRow[] = [];
  for (const s of await listEnabledUnprotectedServices(db)) {
    if (s.requiredCapability && !deps.authz.has(user, s.requiredCapability)) continue;
    if (s.restrictedUsers) {
      const a = await findAuthorisation(db, s.id, user.id);
      if (!a || (a.validUntil !== null && a.validUntil < now)) continue;
    }
    usable.push(s);
  }
  return usable;
}

export async function listOwnKeys(deps: Deps, user: UserRow): Promise<TokenDto[]> {
  const keys: TokenDto[] = [];
  for (const id of await visibleTokenIdsOf(deps.store.db, user.id)) keys.push(await getTokenDto(deps, id));
  return keys;
}

/**
 * Opening Security keys: a user who holds moodle/webservice:createtoken and is not a site
 * administrator gets a key for every service they may use and do not yet hold one for.
 * Administrators never get keys this way (the seed: "for security reasons").
 */
export async function ensureOwnKeys(deps: Deps, user: UserRow, actor: Actor): Promise<SecurityKeysDto['created']> {
  // As Moodle: only while web services are on, never for administrators (the seed: "for
  // security reasons"), and only for holders of moodle/webservice:createtoken.
  if (
    !deps.settings.flag('enablewebservices') ||
    user.siteAdmin ||
    userUnavailableReason(user) ||
    !deps.authz.has(user, 'moodle/webservice:createtoken')
  ) {
    return [];
  }
  // Nothing to write (the usual case, on every visit to the page): no write at all.
  const missingNow = async (db: DbOrTx) => {
    const held = await serviceIdsWithVisibleTokensOf(db, user.id);
    return (await servicesUsableBy(deps, db, user)).filter((s) => !held.has(s.id));
  };
  if (!(await missingNow(deps.store.db)).length) return [];
  const now = deps.now();
  const duration = Number(deps.settings.get('tokenduration'));
  return withWrite(deps, async (tx, w) => {
    const created: SecurityKeysDto['created'] = [];
    for (const service of await missingNow(tx)) {
      const t = await issueToken(deps, tx, w, {
        user,
        service,
        name: generatedTokenName(service, user, now),
        ipRestriction: null,
        validUntil: now + duration,
        creatorId: user.id,
        origin: 'user',
      });
      w.audit(actor, {
        action: 'token.autocreate',
        targetType: 'token',
        targetId: t.id,
        summary: `Created a security key for ${user.username} on ${service.name}`,
        details: { serviceId: service.id },
      });
      created.push({ id: t.id, secret: t.secret, service: service.name });
    }
    return created;
  });
}

/** Reset: the key keeps its name and settings and gets a new secret, shown once. */
export async function resetOwnKey(
  deps: Deps,
  user: UserRow,
  id: number,
  actor: Actor,
): Promise<{ id: number; secret: string }> {
  return withWrite(deps, async (tx, w) => {
    const t = await findToken(tx, id);
    if (!t || t.hidden || t.userId !== user.id) throw notFound('Security key');
    // As in Moodle, only keys the user made themselves can be reset: a key an administrator made
    // carries the administrator's choices (IP restriction, expiry) and stays as it is.
    if (t.creatorId !== user.id) {
      throw new DomainError(
        'notresettable',
        'This key was created by an administrator and cannot be reset here; ask them for a new one',
      );
    }
    const now = deps.now();
    const duration = Number(deps.settings.get('tokenduration'));
    const secret = generateToken();
    const validUntil = t.validUntil !== null && t.validUntil < now ? now + duration : t.validUntil;
    if (userUnavailableReason(user)) throw new DomainError('forbidden', 'Your account cannot hold security keys');
    const tokenHash = hashToken(deps.tokenSecret, secret);
    await updateToken(tx, id, {
      tokenHash,
      stub: tokenStub(secret),
      timecreated: now,
      validUntil,
      lastAccess: null,
      lastError: null,
      lastErrorAt: null,
    });
    w.audit(actor, {
      action: 'token.reset',
      targetType: 'token',
      targetId: id,
      summary: `${user.username} reset the security key "${t.name}"`,
    });
    // The old secret stops working; the new one was never cached, but is named too.
    w.invalidate({ kind: 'token', id: t.tokenHash }, { kind: 'token', id: tokenHash });
    return { id, secret };
  });
}
