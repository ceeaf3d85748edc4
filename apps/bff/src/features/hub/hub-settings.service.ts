import {
  type HubSettingsDto,
  type HubSettingsPatch,
  type HubSettingsSaveDto,
  hubSettingsPatchSchema,
  parseProtocols,
} from '@gatehouse/shared';
import { count } from 'drizzle-orm';
import { hubCourses, hubSites } from '../../db/schema';
import type { Deps } from '../../deps';
import { HttpError } from '../../lib/http-error';
import { hashPassword } from '../../lib/password';
import { type Actor, writeAudit } from '../audit/audit.service';
import {
  configValueOf,
  HUB_CONFIG_KEYS,
  HUB_PASSWORD_KEY,
  type HubConfig,
  hubUrl,
  readConfigValue,
  readHubConfig,
  writeConfigValue,
} from './hub-config';
import { seedHubDemo } from './hub-demo';
import { disableHubServices, ensureHubStructure, type HubCreated } from './hub-setup';

const PUBLIC_TOKEN_PATH = '/local/hub/publictoken.php';

const LABELS: Record<keyof HubConfig, string> = {
  name: 'hub name',
  description: 'hub description',
  enabled: 'hub enabled',
  privacy: 'hub privacy',
  language: 'hub language',
  contactName: 'hub contact name',
  contactEmail: 'hub contact email',
  maxCoursesPerDay: 'hub maximum courses published per day',
};

export function hubSettingsDto(deps: Deps): HubSettingsDto {
  const { db } = deps.store;
  const cfg = readHubConfig(db);
  const url = hubUrl(deps.env);
  return {
    ...cfg,
    passwordSet: readConfigValue(db, HUB_PASSWORD_KEY) !== undefined,
    url,
    publicTokenUrl: `${url}${PUBLIC_TOKEN_PATH}`,
    checks: {
      webservices: deps.settings.flag('enablewebservices'),
      xmlrpc: parseProtocols(deps.settings.get('webserviceprotocols')).includes('xmlrpc'),
    },
    counts: {
      sites: db.select({ n: count() }).from(hubSites).get()?.n ?? 0,
      courses: db.select({ n: count() }).from(hubCourses).get()?.n ?? 0,
    },
  };
}

/** A settings patch with the password already hashed: a hash sets it, null removes it. */
export type HubSettingsInput = Omit<HubSettingsPatch, 'password'> & { passwordHash?: string | null };

/**
 * Saves hub settings in one transaction, each change audited. Turning the hub on creates (or
 * repairs) its roles, users, services and tokens; turning it off disables its services.
 */
export function applyHubSettings(deps: Deps, input: HubSettingsInput, actor: Actor): HubSettingsSaveDto {
  const { passwordHash, ...fields } = input;
  const created: HubCreated = { roles: 0, users: 0, services: 0, tokens: 0 };
  deps.store.db.transaction((tx) => {
    const current = readHubConfig(tx);
    const next: HubConfig = { ...current, ...fields };
    const hadPassword = readConfigValue(tx, HUB_PASSWORD_KEY) !== undefined;
    const hasPassword = passwordHash === undefined ? hadPassword : passwordHash !== null;
    if (next.enabled && next.privacy === 'private' && !hasPassword) {
      const msg = 'A private hub needs a password: registering sites must give it';
      throw new HttpError(400, 'invalid', msg, { password: msg });
    }
    const now = deps.now();
    for (const key of Object.keys(HUB_CONFIG_KEYS) as (keyof HubConfig)[]) {
      if (fields[key] === undefined || next[key] === current[key]) continue;
      const to = configValueOf(key, next[key]);
      writeConfigValue(tx, HUB_CONFIG_KEYS[key], to);
      writeAudit(
        tx,
        actor,
        {
          action: 'hub.config',
          targetType: 'config',
          targetId: HUB_CONFIG_KEYS[key],
          summary: `Changed the ${LABELS[key]} from "${configValueOf(key, current[key])}" to "${to}"`,
          details: { from: configValueOf(key, current[key]), to },
        },
        now,
      );
    }
    if (passwordHash !== undefined && (passwordHash !== null || hadPassword)) {
      writeConfigValue(tx, HUB_PASSWORD_KEY, passwordHash);
      writeAudit(
        tx,
        actor,
        {
          action: 'hub.config',
          targetType: 'config',
          targetId: 'hub_password',
          summary: passwordHash === null ? 'Removed the hub password' : 'Set a new hub password',
        },
        now,
      );
    }
    // Enabling (or saving "enabled" again) makes sure everything the hub needs exists.
    if (next.enabled && (fields.enabled === true || !current.enabled)) {
      Object.assign(created, ensureHubStructure(deps, tx, actor));
      if (deps.env.GATEHOUSE_SEED_DEMO === '1') seedHubDemo(tx, now);
    }
    if (!next.enabled && current.enabled) disableHubServices(deps, tx, actor);
  });
  deps.gen.bump();
  return { settings: hubSettingsDto(deps), created };
}

/** PATCH /api/hub/settings: validates, hashes a new password (argon2), then applies. */
export async function saveHubSettings(deps: Deps, patch: HubSettingsPatch, actor: Actor): Promise<HubSettingsSaveDto> {
  const { password, ...fields } = hubSettingsPatchSchema.parse(patch);
  const passwordHash = typeof password === 'string' ? await hashPassword(password) : password;
  return applyHubSettings(deps, { ...fields, ...(passwordHash !== undefined ? { passwordHash } : {}) }, actor);
}
