import { EMAIL_RULE, hubCountrySchema, hubLanguageSchema, isEmail } from '@gatehouse/shared';
import { and, eq, ne } from 'drizzle-orm';
import { type HubSiteRow, hubCourses, hubSites, roles, users } from '../../db/schema';
import type { Deps } from '../../deps';
import { verifyPassword } from '../../lib/password';
import { invalidParameter, moodleError } from '../../webservice/exceptions';
import { type Actor, writeAudit } from '../audit/audit.service';
import { issueToken } from '../tokens/tokens.service';
import { HUB_PASSWORD_KEY, readConfigValue, readHubConfig } from './hub-config';
import { HUB_ROLE, HUB_SERVICE } from './hub-constants';
import { countAddressAttempt, reserveHubRegistration } from './hub-limits';
import { ensureAssignment, hubService, unusablePassword } from './hub-setup';
import { normaliseSiteUrl, removeSiteAccess, siteByUrl } from './hub-sites.service';

// What registered sites do through the hub's web-service functions: register, update their
// information, leave. Errors are Moodle exceptions, as the functions report them.

/** The site information a site sends (Moodle's siteinfo structure, the parts the hub keeps). */
export interface SiteInfo {
  name: string;
  url: string;
  description: string;
  contactname: string;
  contactemail: string;
  language: string;
  countrycode: string;
  courses: number;
  users: number;
  moodlerelease?: string;
}

function cleanSiteInfo(info: SiteInfo) {
  const name = info.name.trim();
  if (!name || name.length > 255) throw invalidParameter('siteinfo => name: a site name of 1 to 255 characters');
  const url = normaliseSiteUrl(info.url);
  if (!url || url.length > 255) throw invalidParameter('siteinfo => url: an http:// or https:// address');
  const language = hubLanguageSchema.safeParse(info.language || 'en');
  if (!language.success) throw invalidParameter('siteinfo => language: a language code such as en or pt_br');
  const country = hubCountrySchema.safeParse(info.countrycode);
  if (!country.success) throw invalidParameter('siteinfo => countrycode: a two-letter country code, or empty');
  const contactEmail = info.contactemail.trim();
  if (contactEmail && !isEmail(contactEmail)) throw invalidParameter(`siteinfo => contactemail: ${EMAIL_RULE}`);
  return {
    name,
    url,
    description: info.description.trim().slice(0, 5000),
    contactName: info.contactname.trim().slice(0, 255),
    contactEmail,
    language: language.data,
    country: country.data,
    statCourses: Math.max(-1, Math.round(info.courses)),
    statUsers: Math.max(-1, Math.round(info.users)),
    moodleRelease: (info.moodlerelease ?? '').trim().slice(0, 255),
  };
}

function freeUsername(tx: Parameters<Parameters<Deps['store']['db']['transaction']>[0]>[0], base: string): string {
  let name = base;
  for (let i = 2; tx.select({ id: users.id }).from(users).where(eq(users.username, name)).get(); i++) {
    name = `${base}_${i}`;
  }
  return name;
}

/**
 * hub_register_site: a site registers with the public token. A private hub wants its password
 * (wronghubpassword); a URL registers once (sitealreadyregistered). The site gets its own
 * protected user (role Registered sites) and a hidden token for the Registered sites service,
 * whose secret is returned once, here. Every attempt counts against the caller's address, and
 * each new site against the hub's hourly and daily budgets (see hub-limits).
 */
export async function registerSite(
  deps: Deps,
  info: SiteInfo,
  password: string,
  actor: Actor,
  ip: string = actor.ip,
): Promise<{ siteid: number; token: string }> {
  const { db } = deps.store;
  const hub = readHubConfig(db);
  if (!hub.enabled) throw moodleError('hubdisabled', 'The hub is not enabled');
  await countAddressAttempt(deps, ip);
  const place = await reserveHubRegistration(deps);
  try {
    return await register(deps, hub.privacy, info, password, actor);
  } catch (e) {
    await place.release();
    throw e;
  }
}

async function register(
  deps: Deps,
  privacy: string,
  info: SiteInfo,
  password: string,
  actor: Actor,
): Promise<{ siteid: number; token: string }> {
  const { db } = deps.store;
  if (privacy === 'private') {
    const hash = readConfigValue(db, HUB_PASSWORD_KEY);
    if (!hash || password.length > 200 || !(await verifyPassword(hash, password))) {
      throw moodleError(
        'wronghubpassword',
        'Wrong hub password',
        'This hub is private: registering needs its password',
      );
    }
  }
  const values = cleanSiteInfo(info);
  const now = deps.now();
  const result = db.transaction((tx) => {
    if (siteByUrl(tx, values.url)) {
      throw moodleError('sitealreadyregistered', 'This site is already registered on this hub', values.url);
    }
    const role = tx.select().from(roles).where(eq(roles.shortname, HUB_ROLE.registered)).get();
    const service = hubService(tx, HUB_SERVICE.registered);
    if (!role || !service) throw moodleError('hubdisabled', 'The hub is not set up: enable it again');
    const site = tx
      .insert(hubSites)
      .values({ ...values, trusted: false, prioritised: false, visible: true, timeRegistered: now, timeModified: now })
      .returning()
      .get();
    const user = tx
      .insert(users)
      .values({
        username: freeUsername(tx, `hub_site_${site.id}`),
        firstname: values.name.slice(0, 100),
        lastname: '(hub site)',
        email: values.contactEmail,
        passwordHash: unusablePassword(),
        auth: 'webservice',
        protected: true,
        timecreated: now,
        timemodified: now,
      })
      .returning()
      .get();
    ensureAssignment(tx, role.id, user.id, now);
    tx.update(hubSites).set({ userId: user.id }).where(eq(hubSites.id, site.id)).run();
    const token = issueToken(deps, tx, {
      user,
      service,
      name: `Hub site ${values.url}`,
      ipRestriction: null,
      validUntil: null,
      creatorId: null,
      origin: 'hub',
      hidden: true,
    });
    writeAudit(
      tx,
      actor,
      {
        action: 'hub.site.register',
        targetType: 'hubsite',
        targetId: site.id,
        summary: `The site ${values.name} (${values.url}) registered with the hub (web service); user ${user.username}`,
        details: { url: values.url, userId: user.id, tokenId: token.id },
      },
      now,
    );
    return { siteid: site.id, token: token.secret };
  });
  deps.gen.bump();
  return result;
}

/** hub_update_site_info: the calling site's information; a new URL must still be unique. */
export function updateSiteInfo(deps: Deps, site: HubSiteRow, info: SiteInfo, actor: Actor): void {
  const values = cleanSiteInfo(info);
  const now = deps.now();
  deps.store.db.transaction((tx) => {
    if (
      values.url !== site.url &&
      tx
        .select({ id: hubSites.id })
        .from(hubSites)
        .where(and(eq(hubSites.url, values.url), ne(hubSites.id, site.id)))
        .get()
    ) {
      throw moodleError(
        'sitealreadyregistered',
        'Another site with this URL is already registered on this hub',
        values.url,
      );
    }
    const changed = Object.keys(values).filter((k) => site[k as keyof HubSiteRow] !== values[k as keyof typeof values]);
    tx.update(hubSites)
      .set({ ...values, timeModified: now })
      .where(eq(hubSites.id, site.id))
      .run();
    writeAudit(
      tx,
      actor,
      {
        action: 'hub.site.updateinfo',
        targetType: 'hubsite',
        targetId: site.id,
        summary: `The site ${values.name} updated its hub information (web service)${changed.length ? `: ${changed.join(', ')}` : ''}`,
        details: { changed },
      },
      now,
    );
  });
}

/** hub_unregister_site: the calling site leaves with its courses; its user and token go. */
export function unregisterSite(deps: Deps, site: HubSiteRow, actor: Actor): void {
  const now = deps.now();
  deps.store.db.transaction((tx) => {
    const courses = tx.delete(hubCourses).where(eq(hubCourses.siteId, site.id)).run().changes;
    const tokens = removeSiteAccess(tx, site, now);
    tx.delete(hubSites).where(eq(hubSites.id, site.id)).run();
    writeAudit(
      tx,
      actor,
      {
        action: 'hub.site.unregister',
        targetType: 'hubsite',
        targetId: site.id,
        summary: `The site ${site.name} (${site.url}) unregistered from the hub with its ${courses} course(s) (web service)`,
        details: { courses, tokensDeleted: tokens },
      },
      now,
    );
  });
  deps.gen.bump();
}
