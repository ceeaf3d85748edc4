import { createHash } from 'node:crypto';
import { EMAIL_RULE, HUB_SITE_PRIVACY, hubCountrySchema, hubLanguageSchema, isEmail } from '@gatehouse/shared';
import type { DbOrTx } from '../../db/client';
import { type WriteActor, type WriteScope, withWrite } from '../../db/write';
import type { Deps } from '../../deps';
import { verifyPassword } from '../../lib/password';
import { invalidParameter, moodleError } from '../../webservice/exceptions';
import { ensureRoleAssignment, findRoleByShortname } from '../roles/roles.repo';
import { issueToken } from '../tokens/tokens.service';
import { deleteTokensOf } from '../tokens/tokens-of';
import { findUser, insertUser, type UserRow, userIdByUsername } from '../users/users.repo';
import { hubPasswordHash, hubUrl, readHubConfig } from './hub-config';
import { HUB_ROLE, HUB_SERVICE } from './hub-constants';
import { countAddressAttempt, reserveHubRegistration } from './hub-limits';
import { hubService, unusablePassword } from './hub-setup';
import {
  type HubSiteRow,
  insertOutboxMessage,
  insertSite,
  markSiteConfirmed,
  otherSiteHasUrl,
  releaseSecretOfDeletedSites,
  siteByUrl,
  siteOfUser,
  updateSite,
} from './hub-sites.repo';
import { normaliseSiteUrl, unregisterSiteIn } from './hub-sites.service';

// What registered sites do: register (siteregistration.php's handshake, and the older
// hub_register_site function), update their information, leave. Errors are Moodle exceptions,
// as the functions and siteregistration.php's error page report them.

/**
 * The site information a site sends: local_hub's siteinfo structure (hub_update_site_info,
 * siteregistration.php's parameters). Values arrive as PHP sends them: numbers may come as
 * strings, moodleversion as a float or a string such as "2017051500.03".
 */
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
  contactphone?: string;
  imageurl?: string;
  /** The site's own privacy: notdisplayed, named or linked. */
  privacy?: string;
  street?: string;
  regioncode?: string;
  geolocation?: string;
  contactable?: boolean | number | string;
  emailalert?: boolean | number | string;
  enrolments?: number | string;
  posts?: number | string;
  questions?: number | string;
  resources?: number | string;
  participantnumberaverage?: number | string;
  modulenumberaverage?: number | string;
  moodleversion?: number | string;
  badges?: number | string;
  issuedbadges?: number | string;
}

/** A statistic as local_hub stores it: (int) of the value, -1 when private or not sent. */
function stat(v: number | string | undefined): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
  if (!Number.isFinite(n)) return -1;
  return Math.max(-1, Math.min(Number.MAX_SAFE_INTEGER, Math.trunc(n)));
}

const flag = (v: boolean | number | string | undefined) => v === true || v === 1 || v === '1' || v === 'true';

/** A short plain field: trimmed, at most `max` characters. */
const short = (v: string | undefined, max: number) => (v ?? '').trim().slice(0, max);

/** moodleversion as text: a number as PHP prints a float (2017051500.03), or the string as sent when it is one. */
function moodleVersionText(v: number | string | undefined): string {
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  const t = (v ?? '').trim();
  return /^\d{1,12}(\.\d{1,6})?$/.test(t) ? t : '';
}

export function cleanSiteInfo(info: SiteInfo) {
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
  const imageUrl = short(info.imageurl, 255);
  if (imageUrl && !/^https?:\/\//i.test(imageUrl))
    throw invalidParameter('siteinfo => imageurl: an http:// or https:// address');
  const privacy = (HUB_SITE_PRIVACY as readonly string[]).includes(info.privacy ?? '')
    ? (info.privacy as string)
    : // A value Moodle never sends (or none): the most private one, so nothing is shown that the site did not ask for.
      'notdisplayed';
  return {
    name,
    url,
    description: info.description.trim().slice(0, 5000),
    contactName: info.contactname.trim().slice(0, 255),
    contactEmail,
    language: language.data,
    country: country.data,
    statCourses: stat(info.courses),
    statUsers: stat(info.users),
    moodleRelease: (info.moodlerelease ?? '').trim().slice(0, 255),
    contactPhone: short(info.contactphone, 20),
    contactable: flag(info.contactable),
    emailAlert: flag(info.emailalert),
    imageUrl,
    privacy,
    street: short(info.street, 255),
    // Moodle's form sends '-' when no region was chosen.
    regionCode: short(info.regioncode, 6) === '-' ? '' : short(info.regioncode, 6),
    geolocation: short(info.geolocation, 100),
    moodleVersion: moodleVersionText(info.moodleversion),
    statEnrolments: stat(info.enrolments),
    statPosts: stat(info.posts),
    statQuestions: stat(info.questions),
    statResources: stat(info.resources),
    statParticipantAverage: stat(info.participantnumberaverage),
    statModuleAverage: stat(info.modulenumberaverage),
    statBadges: stat(info.badges),
    statIssuedBadges: stat(info.issuedbadges),
  };
}

export type SiteValues = ReturnType<typeof cleanSiteInfo>;

async function freeUsername(db: DbOrTx, base: string): Promise<string> {
  let name = base;
  for (let i = 2; (await userIdByUsername(db, name)) !== undefined; i++) name = `${base}_${i}`;
  return name;
}

/**
 * The site's own protected user (role Registered sites) and one new hidden token for the
 * Registered sites service, in the caller's write: the user is made when the site has none (or
 * its user was deleted when it left); any token it held before goes (a token is stored only
 * hashed, so a new registration cannot hand back the old one: it gets a new one). Returns the
 * token's secret, which the site receives once.
 */
async function siteAccessIn(
  deps: Deps,
  tx: DbOrTx,
  w: WriteScope,
  site: HubSiteRow,
  values: Pick<SiteValues, 'name' | 'url' | 'contactEmail'>,
  now: number,
): Promise<{ token: { id: number; secret: string }; user: UserRow; tokensDeleted: number }> {
  const role = await findRoleByShortname(tx, HUB_ROLE.registered);
  const service = await hubService(tx, HUB_SERVICE.registered);
  if (!role || !service) throw moodleError('hubnotenabled', HUB_NOT_SET_UP);
  let user = site.userId === null ? undefined : await findUser(tx, site.userId);
  let tokensDeleted = 0;
  if (user && !user.deleted) {
    tokensDeleted = await deleteTokensOf(tx, w, { userId: user.id });
  } else {
    user = await insertUser(tx, {
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
    await updateSite(tx, site.id, { userId: user.id });
  }
  await ensureRoleAssignment(tx, role.id, user.id, now);
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
  w.invalidate({ kind: 'user', id: user.id }, { kind: 'roles' });
  return { token, user, tokensDeleted };
}

const HUB_NOT_SET_UP = 'The hub is not set up: its administrator must enable it again';

/**
 * hub_register_site (a Gatehouse extension: no Moodle site calls it): a site registers with the
 * public token. A private hub wants its password (wronghubpassword); a URL registers once
 * (sitealreadyregistered). The site gets its own protected user (role Registered sites) and a
 * hidden token for the Registered sites service, whose secret is returned once, here. Every
 * attempt counts against the caller's address, and each new site against the hub's hourly and
 * daily budgets (see hub-limits).
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
    return await register(deps, hub.privacy, info, password, actor, ip);
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
  ip: string,
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
    const existing = await siteByUrl(tx, values.url);
    if (existing && !existing.deleted) {
      throw moodleError('sitealreadyregistered', 'This site is already registered on this hub', values.url);
    }
    // A site that left (hub_unregister_site) comes back in its own row, with its courses, as local_hub's add_site().
    const site = existing
      ? await reviveSite(tx, existing, { ...values, ip: ip.slice(0, 45), secretHash: null }, now)
      : await insertSite(tx, {
          ...values,
          ip: ip.slice(0, 45),
          trusted: false,
          prioritised: false,
          visible: true,
          timeRegistered: now,
          timeModified: now,
        });
    const { token, user } = await siteAccessIn(deps, tx, w, site, values, now);
    w.audit(actor, {
      action: 'hub.site.register',
      targetType: 'hubsite',
      targetId: site.id,
      summary: `The site ${values.name} (${values.url}) registered with the hub (web service); user ${user.username}`,
      details: { url: values.url, userId: user.id, tokenId: token.id },
    });
    w.invalidate({ kind: 'hub' });
    return { siteid: site.id, token: token.secret };
  });
}

async function reviveSite(tx: DbOrTx, s: HubSiteRow, set: Partial<HubSiteRow>, now: number): Promise<HubSiteRow> {
  const revived = {
    ...set,
    deleted: false,
    trusted: false,
    prioritised: false,
    visible: true,
    timeConfirmed: null,
    timeRegistered: now,
    timeModified: now,
  };
  await updateSite(tx, s.id, revived);
  return { ...s, ...revived };
}

/** SHA-256 (hex) of a site's secret: the only form in which the hub keeps it. */
export const secretHashOf = (secret: string) => createHash('sha256').update(secret, 'utf8').digest('hex');

/**
 * siteregistration.php's register_site(), once the page has told the cases apart: `target` is
 * the registered site this registration renews (the same site again, or the site that moved to
 * a new URL), undefined for a new site (which takes over the row of an unregistered site with
 * the same URL, as local_hub's add_site()). The site's secret is kept as its SHA-256 hash only;
 * the registration is pending until the site first calls the hub with its new token. Returns
 * the token's secret, for the redirect to the site's confirmregistration.php.
 */
export async function saveRegistration(
  deps: Deps,
  input: {
    target?: HubSiteRow;
    values: SiteValues;
    secret: string;
    ip: string;
    moved?: boolean;
    /** More to do in the same write (the fresh-install link's attempt goes with it). */
    alsoIn?: (tx: DbOrTx) => Promise<void>;
  },
  actor: WriteActor,
): Promise<{ siteId: number; token: string }> {
  const { target, values, secret, moved } = input;
  const secretHash = secretHashOf(secret);
  const ip = input.ip.slice(0, 45);
  const now = deps.now();
  return withWrite(deps, async (tx, w) => {
    const sameUrl = await siteByUrl(tx, values.url);
    let site: HubSiteRow;
    if (target) {
      if (sameUrl && sameUrl.id !== target.id) {
        // local_hub's register_site(): "Your new site url is already existing on {hub}".
        throw moodleError('urlalreadyexist', URL_ALREADY_EXISTS(hubUrl(deps.env)));
      }
      const set = { ...values, ip, secretHash, timeConfirmed: null, timeModified: now };
      await updateSite(tx, target.id, set);
      site = { ...target, ...set };
    } else if (sameUrl) {
      if (!sameUrl.deleted) throw moodleError('codelogicerror', CODE_LOGIC_ERROR);
      site = await reviveSite(tx, sameUrl, { ...values, ip, secretHash }, now);
    } else {
      site = await insertSite(tx, {
        ...values,
        ip,
        secretHash,
        trusted: false,
        prioritised: false,
        visible: true,
        timeRegistered: now,
        timeModified: now,
      });
    }
    await releaseSecretOfDeletedSites(tx, secretHash, site.id);
    await input.alsoIn?.(tx);
    const { token, user, tokensDeleted } = await siteAccessIn(deps, tx, w, site, values, now);
    const how = target ? (moved ? `moved from ${target.url} to ${values.url}` : 'registered again') : 'registered';
    w.audit(actor, {
      action: target ? (moved ? 'hub.site.moved' : 'hub.site.reregister') : 'hub.site.register',
      targetType: 'hubsite',
      targetId: site.id,
      summary: `The site ${values.name} (${values.url}) ${how} with the hub (siteregistration.php); user ${user.username}; pending until the site uses its new token`,
      details: {
        url: values.url,
        userId: user.id,
        tokenId: token.id,
        tokensDeleted,
        ...(moved ? { from: target?.url } : {}),
      },
    });
    w.invalidate({ kind: 'hub' });
    return { siteId: site.id, token: token.secret };
  });
}

const URL_ALREADY_EXISTS = (hub: string) =>
  `Your new site url is already existing on ${hub}. It could come from a bad database on ${hub} or a previous registration. Alert the hub administrator. You could have to unregister your site and register again. You must tell the hub administrator if you want to keep your already published courses, as he will need to delete your previous registration.`;
const CODE_LOGIC_ERROR =
  'The hub could not tell this registration apart from an existing one: alert the hub administrator.';

/**
 * A registration is confirmed the first time the site calls the hub with its token (the
 * XML-RPC endpoint calls this for every call of a registered site's user; it writes only once).
 */
export async function confirmSiteByUser(deps: Deps, userId: number, actor: WriteActor): Promise<void> {
  const site = await siteOfUser(deps.store.db, userId);
  if (!site || site.timeConfirmed !== null || site.deleted) return;
  await confirmSite(deps, site, actor);
}

/** Marks the site's registration confirmed, once (a site already confirmed writes nothing). */
async function confirmSite(deps: Deps, site: HubSiteRow, actor: WriteActor): Promise<void> {
  if (site.timeConfirmed !== null || site.deleted) return;
  const now = deps.now();
  await withWrite(deps, async (tx, w) => {
    if (!(await markSiteConfirmed(tx, site.id, now))) return;
    w.audit(actor, {
      action: 'hub.site.confirm',
      targetType: 'hubsite',
      targetId: site.id,
      summary: `The site ${site.name} (${site.url}) confirmed its registration: its first call with its token`,
    });
    w.invalidate({ kind: 'hub' });
  });
}

/**
 * local_hub's register_site() in update mode refuses a new URL that another site has
 * (urlalreadyexist). Here a row of an unregistered site counts too: the hub keeps it, with its
 * courses, and the URL is unique among all rows, so the hub administrator deletes that site
 * first (what urlalreadyexist's text asks the site to have done).
 */
export async function assertUrlFreeFor(deps: Deps, db: DbOrTx, site: HubSiteRow, url: string): Promise<void> {
  if (url !== site.url && (await otherSiteHasUrl(db, url, site.id))) {
    throw moodleError('urlalreadyexist', URL_ALREADY_EXISTS(hubUrl(deps.env)));
  }
}

/** A language code as Moodle's get_list_of_languages() names it, in English ('en' → 'English'); the code when unknown. */
function languageName(code: string): string {
  try {
    return new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' }).of(code.replace(/_/g, '-')) ?? code;
  } catch {
    return code;
  }
}

/**
 * The message local_hub's register_site() sends the hub administrator when a site's name or URL
 * changed (lang/en/local_hub.php emailtitlesiteurlchanged / emailmessagesiteurlchanged, with
 * the same $emailinfo), to the hub's contact. The manage-sites address is Gatehouse's page.
 */
function siteChangedMessage(
  deps: Deps,
  hub: { contactName: string; contactEmail: string },
  before: HubSiteRow,
  values: SiteValues,
) {
  const huburl = hubUrl(deps.env);
  return {
    kind: 'siteurlchanged',
    siteId: before.id,
    siteName: values.name,
    siteUrl: values.url,
    toName: hub.contactName,
    toEmail: hub.contactEmail,
    subject: `${values.name} site has changed his name or url (please check it).`,
    body: `${values.name} site has been updated. (previous name: ${before.name})\nIts new url ${values.url} has been updated from (${before.url}).\n\nName: ${values.name}\nURL: ${values.url}\nAdmin: ${values.contactName} (${values.contactEmail})\nLanguage: ${languageName(values.language)}\n\nTo manage registered sites, go to: ${huburl}/admin/hub/sites`,
  };
}

/**
 * hub_update_site_info: local_hub's register_site() in update mode. The calling site's
 * information, every field of local_hub's siteinfo (statistics, badges, moodleversion as a
 * float, address, contact, privacy); `ip` is the address the call came from (local_hub keeps
 * getremoteaddr()). A new URL another site has is refused (urlalreadyexist); a changed name or
 * URL makes the site not visible until the hub administrator checks it (Manage sites > Show),
 * and the administrator is sent local_hub's message (written to the outbox), in the same write.
 */
export async function updateSiteInfo(
  deps: Deps,
  site: HubSiteRow,
  info: SiteInfo,
  actor: WriteActor,
  ip: string = actor.ip,
): Promise<void> {
  const cleaned = cleanSiteInfo(info);
  const values = { ...cleaned, ip: ip.slice(0, 45) };
  const now = deps.now();
  await withWrite(deps, async (tx, w) => {
    await assertUrlFreeFor(deps, tx, site, values.url);
    const renamedOrMoved = values.url !== site.url || values.name !== site.name;
    const changed = Object.keys(values).filter((k) => site[k as keyof HubSiteRow] !== values[k as keyof typeof values]);
    await updateSite(tx, site.id, { ...values, ...(renamedOrMoved ? { visible: false } : {}), timeModified: now });
    let outboxId: number | undefined;
    if (renamedOrMoved) {
      const hub = await readHubConfig(tx);
      outboxId = (await insertOutboxMessage(tx, { time: now, ...siteChangedMessage(deps, hub, site, cleaned) })).id;
    }
    w.audit(actor, {
      action: 'hub.site.updateinfo',
      targetType: 'hubsite',
      targetId: site.id,
      summary: `The site ${values.name} updated its hub information (web service)${changed.length ? `: ${changed.join(', ')}` : ''}${
        renamedOrMoved
          ? `; its ${[values.name !== site.name ? 'name' : '', values.url !== site.url ? 'URL' : ''].filter(Boolean).join(' and ')} changed, so it is hidden until the hub administrator checks it (message written to the outbox)`
          : ''
      }`,
      details: {
        changed,
        ...(renamedOrMoved ? { hidden: true, outboxId, from: { name: site.name, url: site.url } } : {}),
      },
    });
    w.invalidate({ kind: 'hub' });
  });
}

/**
 * hub_unregister_site: the calling site leaves, as local_hub's unregister_site(): the site is
 * kept, marked deleted (not visible, not trusted, not prioritised), with its courses; its user
 * and token go. A later registration of the same URL takes the row back.
 */
export async function unregisterSite(deps: Deps, site: HubSiteRow, actor: WriteActor): Promise<void> {
  const now = deps.now();
  await withWrite(deps, async (tx, w) => {
    const tokens = await unregisterSiteIn(tx, w, site, now);
    w.audit(actor, {
      action: 'hub.site.unregister',
      targetType: 'hubsite',
      targetId: site.id,
      summary: `The site ${site.name} (${site.url}) unregistered from the hub (web service); its courses are kept`,
      details: { tokensDeleted: tokens },
    });
    w.invalidate({ kind: 'hub' });
  });
}
