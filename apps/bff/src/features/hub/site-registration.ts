import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Deps } from '../../deps';
import { DomainError } from '../../lib/errors';
import { verifyPassword } from '../../lib/password';
import type { AppEnv } from '../../types';
import { MoodleException } from '../../webservice/exceptions';
import { hubPasswordHash, hubUrl, readHubConfig } from './hub-config';
import { addressRetryAfter, countAddressAttempt, reserveHubRegistration } from './hub-limits';
import { cleanSiteInfo, type SiteInfo, type SiteValues, saveRegistration, secretHashOf } from './hub-registration';
import { isSecretStolen, liveSiteBySecretHash, liveSiteByUrl, siteById } from './hub-sites.repo';
import { normaliseSiteUrl } from './hub-sites.service';
import {
  dropFreshAttemptIn,
  freshSecretOf,
  freshTokenMatches,
  readFreshAttempt,
  startFreshAttempt,
} from './site-registration-fresh';
import { confirmFreshPage, errorPage, movedOrCopiedPage, secretStolenPage } from './site-registration-page';
import { isRemoteSiteValid } from './site-registration-reachability';

// GET (or POST) /local/hub/siteregistration.php: local_hub's registration handshake. A Moodle
// site's admin/registration/register.php redirects the administrator's browser here with the
// site's fields and its secret (`token`); the hub checks, in local_hub's order, that it is
// enabled, that the secret was not marked stolen, that the site answers at its URL, the hub
// password, and whether it knows the secret or the URL already (moved, copied, a fresh install
// on a registered URL); then it registers the site (its own user and hidden token, the secret
// kept as a SHA-256 hash) and redirects the browser to the site's
// admin/registration/confirmregistration.php with the new token.

/** local_hub's lang strings (lang/en/local_hub.php), where it has them; Gatehouse's wording where it does not. */
const STRINGS = {
  hubnotenabled: 'This hub is not enabled.',
  cannotregisternotavailablesite: 'This hub cannot access your web site.',
  wronghubpassword: 'Wrong hub password, press continue and try again.',
  errorwrongdata: 'Some of the data your site sent are missing or wrong, please use the Moodle registration form.',
  errorlangnotrecognized: 'Language code is unknown by Moodle. Please contact the hub administrator.',
  freshmoodleregistrationerror:
    "Another Moodle site is already registered on this hub with your site's URL (it may be a former installation of your site). The hub has sent its administrator a message with a link: following it lets your site take over the registration.",
  freshmoodleregistrationerror2:
    "Your site's URL is already registered on this hub, and a message about it was sent to the registered site's administrator less than a day ago. Follow the link in that message, or try again tomorrow.",
  freshtokenerror:
    'This registration link is not valid (any more): it was used, replaced by a newer one, or the registration changed since.',
  toomanyregistrations: 'Too many registration attempts from your address: try again later.',
} as const;

/** A request parameter as Moodle's optional_param() reads it: POST first, then GET; PHP keeps the last of repeated keys. */
type Params = (name: string) => string;

async function readParams(c: Context<AppEnv>): Promise<{ get: Params; all: [string, string][] }> {
  const query = [...new URLSearchParams(new URL(c.req.url).search)];
  const q = new Map(query);
  let post = new Map<string, string>();
  if (c.req.method === 'POST') {
    const type = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
    if (type === 'application/x-www-form-urlencoded') post = new Map(new URLSearchParams(await c.req.text()));
    else if (type === 'multipart/form-data') {
      const body = await c.req.parseBody();
      post = new Map(
        Object.entries(body).flatMap(([k, v]) => (typeof v === 'string' ? [[k, v] as [string, string]] : [])),
      );
    }
  }
  // Every parameter once, as PHP's $_REQUEST would hold them (POST over GET), in arrival order.
  const all = [...new Map([...query, ...post]).entries()];
  return { get: (name) => post.get(name) ?? q.get(name) ?? '', all };
}

const TAGS = /<\/?[a-zA-Z!?][^>]*>/g;
/** PARAM_TEXT: tags stripped. */
const text = (v: string) => v.replace(TAGS, '').trim();
/** PARAM_ALPHA / PARAM_ALPHANUMEXT: the characters the type allows, the rest removed. */
const alpha = (v: string) => v.replace(/[^a-zA-Z]/g, '');
const alphanumext = (v: string) => v.replace(/[^a-zA-Z0-9_-]/g, '');
/** PARAM_EMAIL: the address, or '' when it is not one. */
const email = (v: string) => (/^[^\s@<>"']+@[^\s@<>"']+\.[^\s@<>"']+$/.test(v.trim()) ? v.trim() : '');
/** PARAM_FLOAT: the number, or '' when it is none. */
const float = (v: string) => (/^\s*-?\d+(\.\d+)?\s*$/.test(v) ? v.trim() : '');

/** PARAM_URL, for the site's address: an http(s) URL without spaces or control characters; '' otherwise. */
function siteUrlParam(v: string): string {
  const raw = v.trim();
  // Whitespace and control characters (below U+0021, and DEL) have no place in a site's address.
  if (!raw || [...raw].some((ch) => (ch.codePointAt(0) as number) < 0x21 || ch === '\u007f' || /\s/.test(ch)))
    return '';
  try {
    const u = new URL(raw);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return '';
    if (u.username || u.password || u.search || u.hash) return '';
    // As the site's wwwroot: serialised (IDN hosts in punycode), without a trailing slash.
    return u.href.replace(/\/+$/, '');
  } catch {
    return '';
  }
}

/** PHP's rawurlencode(): every byte but A-Z a-z 0-9 - _ . ~ percent-encoded (space is %20). */
const rawurlencode = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);

/** moodle_url's query string (out(false)): rawurlencode'd keys and values joined with &; an empty value is the bare key. */
function moodleQuery(params: [string, string][]): string {
  return params.map(([k, v]) => (v === '' ? rawurlencode(k) : `${rawurlencode(k)}=${rawurlencode(v)}`)).join('&');
}

/** The site's fields in siteregistration.php's order, cleaned with its PARAM types. */
function siteValuesOf(get: Params) {
  return {
    name: text(get('name')),
    url: siteUrlParam(get('url')),
    token: get('token').trim(),
    description: text(get('description')),
    contactname: text(get('contactname')),
    contactemail: email(get('contactemail')),
    contactphone: text(get('contactphone')),
    imageurl: siteUrlParam(get('imageurl')),
    privacy: alpha(get('privacy')),
    // "hack to support Xlanguage MDL-30281"
    language: alphanumext(get('language')) || alphanumext(get('Xlanguage')),
    users: float(get('users')),
    courses: float(get('courses')),
    street: text(get('street')),
    regioncode: alphanumext(get('regioncode')),
    countrycode: alphanumext(get('countrycode')),
    geolocation: get('geolocation').trim(),
    contactable: get('contactable'),
    emailalert: get('emailalert'),
    enrolments: float(get('enrolments')),
    posts: float(get('posts')),
    questions: float(get('questions')),
    resources: float(get('resources')),
    participantnumberaverage: float(get('participantnumberaverage')),
    modulenumberaverage: float(get('modulenumberaverage')),
    moodleversion: float(get('moodleversion')),
    moodlerelease: text(get('moodlerelease')),
    password: get('password'),
    badges: float(get('badges')),
    issuedbadges: float(get('issuedbadges')),
  };
}

type SiteParams = ReturnType<typeof siteValuesOf>;

class PageError extends Error {
  constructor(
    readonly errorcode: string,
    message: string,
    readonly link?: string,
    readonly status = 404,
  ) {
    super(message);
  }
}

const fail = (code: keyof typeof STRINGS, link?: string): never => {
  throw new PageError(code, STRINGS[code], link);
};

/** process_registration()'s check, then register_site()'s: the fields the hub needs, and values it can keep. */
function requiredValues(p: SiteParams, hub: string): SiteValues {
  if (!p.token || !p.url || !p.name || !p.contactname || !p.contactemail || !p.description || !p.language) {
    fail('errorwrongdata', `${hub}/`);
  }
  const info: SiteInfo = { ...p, countrycode: p.countrycode.length === 2 ? p.countrycode : '' } as unknown as SiteInfo;
  try {
    return cleanSiteInfo(info);
  } catch (e) {
    if (!(e instanceof MoodleException)) throw e;
    if (/language/.test(e.debuginfo ?? '')) fail('errorlangnotrecognized', `${hub}/`);
    return fail('errorwrongdata', `${hub}/`);
  }
}

export function siteRegistrationRoutes(deps: Deps) {
  const handle = async (c: Context<AppEnv>) => {
    c.header('Cache-Control', 'no-store');
    c.header('Referrer-Policy', 'no-referrer');
    try {
      return await register(c);
    } catch (e) {
      if (e instanceof PageError) {
        c.status(e.status as 404);
        return c.html(errorPage(e.errorcode, e.message, e.link));
      }
      if (e instanceof MoodleException) {
        // A limit or a conflict found while writing: Moodle's error page, without its debug info.
        const limited = e.errorcode === 'hubregistrationlimit';
        c.status(limited ? 429 : 404);
        return c.html(errorPage(e.errorcode, e.message));
      }
      if (e instanceof DomainError) {
        // E.g. two registrations of one site at once: the second finds the first's row.
        c.status(e.code === 'conflict' ? 409 : 404);
        return c.html(errorPage(e.code, e.message));
      }
      throw e;
    }
  };

  const register = async (c: Context<AppEnv>) => {
    const { get, all } = await readParams(c);
    const db = deps.store.db;
    const hub = await readHubConfig(db);
    const huburl = hubUrl(deps.env);
    if (!hub.enabled) fail('hubnotenabled');
    const actor = c.get('actor');
    try {
      await countAddressAttempt(deps, actor.ip);
    } catch (e) {
      if (!(e instanceof MoodleException)) throw e;
      c.header('Retry-After', String(await addressRetryAfter(deps, actor.ip)));
      throw new PageError('toomanyregistrations', STRINGS.toomanyregistrations, undefined, 429);
    }
    const p = siteValuesOf(get);
    const secretHash = p.token ? secretHashOf(p.token) : undefined;
    if (secretHash && (await isSecretStolen(db, secretHash))) {
      return c.html(secretStolenPage(p.name, hub.name), 200);
    }
    const freshToken = alphanumext(get('freshmoodletoken'));
    const freshId = Number(get('id'));
    if (freshToken && Number.isSafeInteger(freshId) && freshId > 0) {
      // The registered site's contact followed the link of the fresh-install message.
      const registered = await siteById(db, freshId);
      const attempt = await readFreshAttempt(db, freshId);
      if (
        !registered ||
        registered.deleted ||
        !attempt ||
        !freshTokenMatches(attempt, freshToken) ||
        attempt.siteUrl !== registered.url
      ) {
        fail('freshtokenerror');
      }
      const a = attempt as NonNullable<typeof attempt>;
      const r = registered as NonNullable<typeof registered>;
      if (get('freshmoodletokenconf') !== '1') {
        return c.html(
          confirmFreshPage({
            action: `${huburl}/local/hub/siteregistration.php`,
            token: freshToken,
            id: r.id,
            oldName: r.name,
            oldUrl: r.url,
            newName: a.values.name,
            newUrl: a.newUrl,
          }),
          200,
        );
      }
      const secret = freshSecretOf(deps, a);
      const owner = secret ? await liveSiteBySecretHash(db, secretHashOf(secret)) : undefined;
      if (!secret || (owner && owner.id !== r.id)) fail('freshtokenerror');
      const { token } = await saveRegistration(
        deps,
        {
          target: r,
          values: a.values,
          secret: secret as string,
          ip: a.ip,
          alsoIn: (tx) => dropFreshAttemptIn(tx, r.id),
        },
        actor,
      );
      return c.redirect(
        `${a.newUrl}/admin/registration/confirmregistration.php?${moodleQuery([
          ['newtoken', token],
          ['url', huburl],
          ['token', secret as string],
          ['hubname', hub.name],
        ])}`,
        303,
      );
    }
    if (!p.url || !(await isRemoteSiteValid(p.url, { allowLocal: hub.allowLocalSites }))) {
      fail('cannotregisternotavailablesite', p.url || undefined);
    }
    if (hub.privacy === 'private') {
      const hash = await hubPasswordHash(db);
      if (!hash || !p.password || p.password.length > 200 || !(await verifyPassword(hash, p.password))) {
        fail('wronghubpassword', `${p.url}/admin/registration/hubselector.php`);
      }
    }
    const normalised = normaliseSiteUrl(p.url) ?? p.url;
    const sameUrl = await liveSiteByUrl(db, normalised);
    const sameSecret = secretHash ? await liveSiteBySecretHash(db, secretHash) : undefined;
    const confirm = (newtoken: string) =>
      c.redirect(
        `${p.url}/admin/registration/confirmregistration.php?${moodleQuery([
          ['newtoken', newtoken],
          ['url', huburl],
          ['token', p.token],
          ['hubname', hub.name],
        ])}`,
        303,
      );
    const ip = actor.ip;

    if (sameSecret && !sameUrl) {
      // The secret is known under another URL: the site moved, or it is a copy.
      const action = alpha(get('action'));
      if (action === 'moved') {
        const values = requiredValues(p, huburl);
        const { token } = await saveRegistration(
          deps,
          { target: sameSecret, values, secret: p.token, ip, moved: true },
          actor,
        );
        return confirm(token);
      }
      if (action === 'copied') {
        // "request the Moodle site to generate a new secret (=> new registration)"
        return c.redirect(
          `${p.url}/admin/registration/renewregistration.php?${moodleQuery([
            ['url', huburl],
            ['token', p.token],
            ['hubname', hub.name],
          ])}`,
          303,
        );
      }
      const here = (a: string) =>
        `${huburl}/local/hub/siteregistration.php?${moodleQuery([...all.filter(([k]) => k !== 'action'), ['action', a]])}`;
      return c.html(
        movedOrCopiedPage({
          siteName: p.name,
          oldUrl: sameSecret.url,
          newUrl: p.url,
          moved: here('moved'),
          copied: here('copied'),
        }),
        200,
      );
    }
    if ((!sameSecret && sameUrl) || (sameSecret && sameUrl && sameSecret.id !== sameUrl.id)) {
      // A new Moodle site on a registered URL (or a registered site on another's URL): the
      // registered site's contact is told, and this registration is refused.
      const registered = sameUrl as NonNullable<typeof sameUrl>;
      const values = requiredValues(p, huburl);
      const sent = await startFreshAttempt(
        deps,
        { registered, newUrl: p.url, values, secret: p.token, ip, hubName: hub.name, hubUrl: huburl },
        actor,
      );
      if (sent === 'recent') fail('freshmoodleregistrationerror2', p.url);
      fail('freshmoodleregistrationerror', p.url);
    }
    const values = requiredValues(p, huburl);
    if (!sameSecret && !sameUrl) {
      const place = await reserveHubRegistration(deps);
      try {
        const { token } = await saveRegistration(deps, { values, secret: p.token, ip }, actor);
        return confirm(token);
      } catch (e) {
        await place.release();
        throw e;
      }
    }
    // The same site again (same secret, same URL): registered anew, with a new token.
    const { token } = await saveRegistration(deps, { target: sameUrl, values, secret: p.token, ip }, actor);
    return confirm(token);
  };

  const limit = bodyLimit({
    maxSize: 64 * 1024,
    onError: (c) => {
      c.status(413);
      return c.html(errorPage('toolarge', 'The request body is too large.'));
    },
  });
  return new Hono<AppEnv>().get('/', handle).post('/', limit, handle);
}
