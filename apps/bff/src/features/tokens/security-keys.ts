import type { SecurityKeysDto } from '@gatehouse/shared';
import { and, asc, eq } from 'drizzle-orm';
import { externalServices, externalServiceUsers, externalTokens, type UserRow } from '../../db/schema';
import type { Deps } from '../../deps';
import { HttpError, notFound } from '../../lib/http-error';
import { type Actor, writeAudit } from '../audit/audit.service';
import { generateToken, hashToken, tokenStub } from './token-secret';
import { generatedTokenName, getTokenDto, issueToken, userUnavailableReason } from './tokens.service';

/** The services a user may use through a token they create themselves. */
function servicesUsableBy(deps: Deps, user: UserRow) {
  const now = deps.now();
  const { db } = deps.store;
  return db
    .select()
    .from(externalServices)
    .where(and(eq(externalServices.enabled, true), eq(externalServices.protected, false)))
    .orderBy(asc(externalServices.name))
    .all()
    .filter((s) => {
      if (s.requiredCapability && !deps.authz.has(user, s.requiredCapability)) return false;
      if (!s.restrictedUsers) return true;
      const a = db
        .select()
        .from(externalServiceUsers)
        .where(and(eq(externalServiceUsers.serviceId, s.id), eq(externalServiceUsers.userId, user.id)))
        .get();
      return !!a && (a.validUntil === null || a.validUntil >= now);
    });
}

export function listOwnKeys(deps: Deps, user: UserRow) {
  return deps.store.db
    .select({ id: externalTokens.id })
    .from(externalTokens)
    .where(and(eq(externalTokens.userId, user.id), eq(externalTokens.hidden, false)))
    .orderBy(asc(externalTokens.id))
    .all()
    .map((r) => getTokenDto(deps, r.id));
}

/**
 * Opening Security keys: a user who holds moodle/webservice:createtoken and is not a site
 * administrator gets a key for every service they may use and do not yet hold one for.
 * Administrators never get keys this way (the seed: "for security reasons").
 */
export function ensureOwnKeys(deps: Deps, user: UserRow, actor: Actor): SecurityKeysDto['created'] {
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
  const now = deps.now();
  const held = new Set(
    deps.store.db
      .select({ serviceId: externalTokens.serviceId })
      .from(externalTokens)
      .where(and(eq(externalTokens.userId, user.id), eq(externalTokens.hidden, false)))
      .all()
      .map((r) => r.serviceId),
  );
  const missing = servicesUsableBy(deps, user).filter((s) => !held.has(s.id));
  if (!missing.length) return [];
  const duration = Number(deps.settings.get('tokenduration'));
  const created = deps.store.db.transaction((tx) =>
    missing.map((service) => {
      const t = issueToken(deps, tx, {
        user,
        service,
        name: generatedTokenName(service, user, now),
        ipRestriction: null,
        validUntil: now + duration,
        creatorId: user.id,
        origin: 'user',
      });
      writeAudit(tx, actor, {
        action: 'token.autocreate',
        targetType: 'token',
        targetId: t.id,
        summary: `Created a security key for ${user.username} on ${service.name}`,
        details: { serviceId: service.id },
      });
      return { id: t.id, secret: t.secret, service: service.name };
    }),
  );
  deps.gen.bump();
  return created;
}

/** Reset: the key keeps its name and settings and gets a new secret, shown once. */
export function resetOwnKey(deps: Deps, user: UserRow, id: number, actor: Actor): { id: number; secret: string } {
  const { db } = deps.store;
  const t = db.select().from(externalTokens).where(eq(externalTokens.id, id)).get();
  if (!t || t.hidden || t.userId !== user.id) throw notFound('Security key');
  // As in Moodle, only keys the user made themselves can be reset: a key an administrator made
  // carries the administrator's choices (IP restriction, expiry) and stays as it is.
  if (t.creatorId !== user.id) {
    throw new HttpError(
      403,
      'notresettable',
      'This key was created by an administrator and cannot be reset here; ask them for a new one',
    );
  }
  const now = deps.now();
  const duration = Number(deps.settings.get('tokenduration'));
  const secret = generateToken();
  const validUntil = t.validUntil !== null && t.validUntil < now ? now + duration : t.validUntil;
  if (userUnavailableReason(user)) throw new HttpError(403, 'forbidden', 'Your account cannot hold security keys');
  db.transaction((tx) => {
    tx.update(externalTokens)
      .set({
        tokenHash: hashToken(deps.tokenSecret, secret),
        stub: tokenStub(secret),
        timecreated: now,
        validUntil,
        lastAccess: null,
        lastError: null,
        lastErrorAt: null,
      })
      .where(eq(externalTokens.id, id))
      .run();
    writeAudit(tx, actor, {
      action: 'token.reset',
      targetType: 'token',
      targetId: id,
      summary: `${user.username} reset the security key "${t.name}"`,
    });
  });
  deps.gen.bump();
  return { id, secret };
}
