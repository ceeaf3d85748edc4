import { EMAIL_RULE, hubCountrySchema, hubLanguageSchema, isEmail } from '@gatehouse/shared';
import type { DbOrTx } from '../../db/client';
import { type WriteActor, withWrite } from '../../db/write';
import type { Deps } from '../../deps';
import { verifyPassword } from '../../lib/password';
import { invalidParameter, moodleError } from '../../webservice/exceptions';
import { ensureRoleAssignment, findRoleByShortname } from '../roles/roles.repo';
import { issueToken } from '../tokens/tokens.service';
import { insertUser, userIdByUsername } from '../users/users.repo';
import { hubPasswordHash, readHubConfig } from './hub-config';
import { HUB_ROLE, HUB_SERVICE } from './hub-constants';
import { deleteCoursesOfSite } from './hub-courses.repo';
import { countAddressAttempt, reserveHubRegistration } from './hub-limits';
import { hubService, unusablePassword } from './hub-setup';
import { deleteSiteRow, type HubSiteRow, insertSite, otherSiteHasUrl, siteByUrl, updateSite } from './hub-sites.repo';
import { normaliseSiteUrl, removeSiteAccessIn } from './hub-sites.service';

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

async function freeUsername(db: DbOrTx, base: string): Promise<string> {
  let name = base;
  for (let i = 2; (await userIdByUsername(db, name)) !== undefined; i++) name = `${base}_${i}`;
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
  actor: WriteActor,
  ip: string = actor.ip,
): Promise<{ siteid: number; token: string }> {
  const hub = await readHubConfig(deps.store.db);
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
  actor: WriteActor,
): Promise<{ siteid: number; token: string }> {
  if (privacy === 'private') {
    const hash = await hubPasswordHash(deps.store.db);
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
  return withWrite(deps, async (tx, w) => {
    if (await siteByUrl(tx, values.url)) {
      throw moodleError('sitealreadyregistered', 'This site is already registered on this hub', values.url);
    }
    const role = await findRoleByShortname(tx, HUB_ROLE.registered);
    const service = await hubService(tx, HUB_SERVICE.registered);
    if (!role || !service) throw moodleError('hubdisabled', 'The hub is not set up: enable it again');
    const site = await insertSite(tx, {
      ...values,
      trusted: false,
      prioritised: false,
      visible: true,
      timeRegistered: now,
      timeModified: now,
    });
    const user = await insertUser(tx, {
      username: await freeUsername(tx, `hub_site_${site.id}`),
      firstname: values.name.slice(0, 100),
      lastname: '(hub site)',
      email: values.contactEmail,
      passwordHash: unusablePassword(),
      auth: 'webservice',
      protected: true,
      timecreated: now,
      timemodified: now,
    });
    await ensureRoleAssignment(tx, role.id, user.id, now);
    await updateSite(tx, site.id, { userId: user.id });
    const token = await issueToken(deps, tx, w, {
      user,
      service,
      name: `Hub site ${values.url}`,
      ipRestriction: null,
      validUntil: null,
      creatorId: null,
      origin: 'hub',
      hidden: true,
    });
    w.audit(actor, {
      action: 'hub.site.register',
      targetType: 'hubsite',
      targetId: site.id,
      summary: `The site ${values.name} (${values.url}) registered with the hub (web service); user ${user.username}`,
      details: { url: values.url, userId: user.id, tokenId: token.id },
    });
    w.invalidate({ kind: 'hub' }, { kind: 'user', id: user.id }, { kind: 'roles' });
    return { siteid: site.id, token: token.secret };
  });
}

/** hub_update_site_info: the calling site's information; a new URL must still be unique. */
export async function updateSiteInfo(deps: Deps, site: HubSiteRow, info: SiteInfo, actor: WriteActor): Promise<void> {
  const values = cleanSiteInfo(info);
  const now = deps.now();
  await withWrite(deps, async (tx, w) => {
    if (values.url !== site.url && (await otherSiteHasUrl(tx, values.url, site.id))) {
      throw moodleError(
        'sitealreadyregistered',
        'Another site with this URL is already registered on this hub',
        values.url,
      );
    }
    const changed = Object.keys(values).filter((k) => site[k as keyof HubSiteRow] !== values[k as keyof typeof values]);
    await updateSite(tx, site.id, { ...values, timeModified: now });
    w.audit(actor, {
      action: 'hub.site.updateinfo',
      targetType: 'hubsite',
      targetId: site.id,
      summary: `The site ${values.name} updated its hub information (web service)${changed.length ? `: ${changed.join(', ')}` : ''}`,
      details: { changed },
    });
    w.invalidate({ kind: 'hub' });
  });
}

/** hub_unregister_site: the calling site leaves with its courses; its user and token go. */
export async function unregisterSite(deps: Deps, site: HubSiteRow, actor: WriteActor): Promise<void> {
  const now = deps.now();
  await withWrite(deps, async (tx, w) => {
    const courses = await deleteCoursesOfSite(tx, site.id);
    const tokens = await removeSiteAccessIn(tx, w, site, now);
    await deleteSiteRow(tx, site.id);
    w.audit(actor, {
      action: 'hub.site.unregister',
      targetType: 'hubsite',
      targetId: site.id,
      summary: `The site ${site.name} (${site.url}) unregistered from the hub with its ${courses} course(s) (web service)`,
      details: { courses, tokensDeleted: tokens },
    });
    w.invalidate({ kind: 'hub' });
  });
}
