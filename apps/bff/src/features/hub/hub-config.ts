import {
  HUB_DEFAULT_MAX_COURSES_PER_DAY,
  HUB_DEFAULT_MAX_WS_COURSE_RESULT,
  HUB_MAX_WS_COURSE_RESULT,
  type HubPrivacy,
  hubPrivacyOf,
} from '@gatehouse/shared';
import type { DbOrTx } from '../../db/client';
import type { Env } from '../../env';
import { hubConfigRows, hubConfigValue } from './hub-config.repo';

// The hub's settings live in the config table as `hub_*` rows. They are not site settings
// (SETTING_DEFS): the console's /api/settings and the CLI's `config` neither show nor change
// them; only the hub's own routes do, with their own validation and audit.

export interface HubConfig {
  name: string;
  description: string;
  enabled: boolean;
  privacy: HubPrivacy;
  language: string;
  contactName: string;
  contactEmail: string;
  maxCoursesPerDay: number;
  /** Courses per hub_get_courses call (local_hub's maxwscourseresult). */
  maxWsCourseResult: number;
  /** Sites on loopback, private and link-local addresses may register (siteregistration.php's reachability check). */
  allowLocalSites: boolean;
}

export const HUB_CONFIG_KEYS: Record<keyof HubConfig, string> = {
  name: 'hub_name',
  description: 'hub_description',
  enabled: 'hub_enabled',
  privacy: 'hub_privacy',
  language: 'hub_language',
  contactName: 'hub_contactname',
  contactEmail: 'hub_contactemail',
  maxCoursesPerDay: 'hub_maxcoursesperday',
  maxWsCourseResult: 'hub_maxwscourseresult',
  allowLocalSites: 'hub_allowlocalsites',
};

/** The argon2 hash of the hub password (private hubs). Never returned by any route. */
export const HUB_PASSWORD_KEY = 'hub_password_hash';

/**
 * The secret of the hub's public token. Every other token is stored as a keyed hash only; this
 * one is kept because it is public by design: the hub publishes it (like a publishable API key)
 * at /local/hub/publictoken.php so that any site can call hub_register_site and hub_get_courses.
 * It grants only what the Public sites service holds, and registering still needs the hub
 * password when the hub is private.
 */
export const HUB_PUBLIC_TOKEN_KEY = 'hub_public_token';

const HUB_DEFAULTS: HubConfig = {
  name: 'Gatehouse hub',
  description: '',
  enabled: false,
  privacy: 'private',
  language: 'en',
  contactName: '',
  contactEmail: '',
  maxCoursesPerDay: HUB_DEFAULT_MAX_COURSES_PER_DAY,
  maxWsCourseResult: HUB_DEFAULT_MAX_WS_COURSE_RESULT,
  allowLocalSites: false,
};

/** A stored maxwscourseresult, or the default when it is missing or not a whole number in 1..HUB_MAX_WS_COURSE_RESULT. */
function maxWsCourseResultOf(v: string | undefined): number {
  const n = Number(v);
  return v !== undefined && Number.isInteger(n) && n >= 1 && n <= HUB_MAX_WS_COURSE_RESULT
    ? n
    : HUB_DEFAULT_MAX_WS_COURSE_RESULT;
}

export async function readHubConfig(db: DbOrTx): Promise<HubConfig> {
  const r = await hubConfigRows(db);
  const get = (k: keyof HubConfig) => r.get(HUB_CONFIG_KEYS[k]);
  const privacy = get('privacy');
  const max = Number(get('maxCoursesPerDay'));
  return {
    name: get('name') ?? HUB_DEFAULTS.name,
    description: get('description') ?? HUB_DEFAULTS.description,
    enabled: get('enabled') === '1',
    // local_hub's names; 'publicsearch' (Gatehouse's name for 'search' before) still reads.
    privacy: hubPrivacyOf(privacy) ?? HUB_DEFAULTS.privacy,
    language: get('language') ?? HUB_DEFAULTS.language,
    contactName: get('contactName') ?? HUB_DEFAULTS.contactName,
    contactEmail: get('contactEmail') ?? HUB_DEFAULTS.contactEmail,
    maxCoursesPerDay:
      Number.isInteger(max) && get('maxCoursesPerDay') !== undefined ? max : HUB_DEFAULTS.maxCoursesPerDay,
    maxWsCourseResult: maxWsCourseResultOf(get('maxWsCourseResult')),
    allowLocalSites: get('allowLocalSites') === '1',
  };
}

/** The argon2 hash of the hub password, when one is set. */
export function hubPasswordHash(db: DbOrTx): Promise<string | undefined> {
  return hubConfigValue(db, HUB_PASSWORD_KEY);
}

export function configValueOf(k: keyof HubConfig, v: HubConfig[keyof HubConfig]): string {
  if (k === 'enabled' || k === 'allowLocalSites') return v ? '1' : '0';
  return String(v);
}

/** The hub's public address, as registering sites see it: the site's GATEHOUSE_WWWROOT, never the Host header. */
export function hubUrl(env: Pick<Env, 'wwwroot'>): string {
  return env.wwwroot;
}
