import {
  type HubSettingsDto,
  type HubSettingsPatch,
  type HubSettingsSaveDto,
  hubSettingsPatchSchema,
  parseProtocols,
} from '@gatehouse/shared';
import { type WriteActor, withWrite } from '../../db/write';
import type { Deps } from '../../deps';
import { DomainError } from '../../lib/errors';
import { hashPassword } from '../../lib/password';
import {
  configValueOf,
  HUB_CONFIG_KEYS,
  HUB_PASSWORD_KEY,
  type HubConfig,
  hubPasswordHash,
  hubUrl,
  readHubConfig,
} from './hub-config';
import { putHubConfigValue } from './hub-config.repo';
import { countCourses } from './hub-courses.repo';
import { seedHubDemo } from './hub-demo';
import { disableHubServicesIn, ensureHubStructureIn, type HubCreated } from './hub-setup';
import { countSites } from './hub-sites.repo';

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
  maxWsCourseResult: 'hub maximum courses returned per search call',
  allowLocalSites: 'hub setting "sites on local addresses may register"',
};

export async function hubSettingsDto(deps: Deps): Promise<HubSettingsDto> {
  const { db } = deps.store;
  const [cfg, password, sites, courses] = await Promise.all([
    readHubConfig(db),
    hubPasswordHash(db),
    countSites(db),
    countCourses(db),
  ]);
  const url = hubUrl(deps.env);
  return {
    ...cfg,
    passwordSet: password !== undefined,
    url,
    publicTokenUrl: `${url}${PUBLIC_TOKEN_PATH}`,
    checks: {
      webservices: deps.settings.flag('enablewebservices'),
      xmlrpc: parseProtocols(deps.settings.get('webserviceprotocols')).includes('xmlrpc'),
    },
    counts: { sites, courses },
  };
}

/** A settings patch with the password already hashed: a hash sets it, null removes it. */
export type HubSettingsInput = Omit<HubSettingsPatch, 'password'> & { passwordHash?: string | null };

/**
 * Saves hub settings in one write, each change audited. Turning the hub on creates (or
 * repairs) its roles, users, services and tokens; turning it off disables its services.
 */
export async function applyHubSettings(
  deps: Deps,
  input: HubSettingsInput,
  actor: WriteActor,
): Promise<HubSettingsSaveDto> {
  const { passwordHash, ...fields } = input;
  const created: HubCreated = { roles: 0, users: 0, services: 0, tokens: 0 };
  await withWrite(deps, async (tx, w) => {
    const current = await readHubConfig(tx);
    const next: HubConfig = { ...current, ...fields };
    const hadPassword = (await hubPasswordHash(tx)) !== undefined;
    const hasPassword = passwordHash === undefined ? hadPassword : passwordHash !== null;
    if (next.enabled && next.privacy === 'private' && !hasPassword) {
      const msg = 'A private hub needs a password: registering sites must give it';
      throw new DomainError('invalid', msg, { password: msg });
    }
    let changed = false;
    for (const key of Object.keys(HUB_CONFIG_KEYS) as (keyof HubConfig)[]) {
      if (fields[key] === undefined || next[key] === current[key]) continue;
      const to = configValueOf(key, next[key]);
      await putHubConfigValue(tx, HUB_CONFIG_KEYS[key], to);
      w.audit(actor, {
        action: 'hub.config',
        targetType: 'config',
        targetId: HUB_CONFIG_KEYS[key],
        summary: `Changed the ${LABELS[key]} from "${configValueOf(key, current[key])}" to "${to}"`,
        details: { from: configValueOf(key, current[key]), to },
      });
      changed = true;
    }
    if (passwordHash !== undefined && (passwordHash !== null || hadPassword)) {
      await putHubConfigValue(tx, HUB_PASSWORD_KEY, passwordHash);
      w.audit(actor, {
        action: 'hub.config',
        targetType: 'config',
        targetId: 'hub_password',
        summary: passwordHash === null ? 'Removed the hub password' : 'Set a new hub password',
      });
      changed = true;
    }
    if (changed) w.invalidate({ kind: 'hub' });
    // Enabling (or saving "enabled" again) makes sure everything the hub needs exists.
    if (next.enabled && (fields.enabled === true || !current.enabled)) {
      Object.assign(created, await ensureHubStructureIn(deps, tx, w, actor));
      if (deps.env.GATEHOUSE_SEED_DEMO === '1') await seedHubDemo(tx, deps.now());
    }
    if (!next.enabled && current.enabled) await disableHubServicesIn(deps, tx, w, actor);
  });
  // The roles the hub's structure wrote, as the caller reads them next (outside a request too).
  await deps.authz.ready();
  return { settings: await hubSettingsDto(deps), created };
}

/** PATCH /api/hub/settings: validates, hashes a new password (argon2), then applies. */
export async function saveHubSettings(
  deps: Deps,
  patch: HubSettingsPatch,
  actor: WriteActor,
): Promise<HubSettingsSaveDto> {
  const { password, ...fields } = hubSettingsPatchSchema.parse(patch);
  const passwordHash = typeof password === 'string' ? await hashPassword(password) : password;
  return applyHubSettings(deps, { ...fields, ...(passwordHash !== undefined ? { passwordHash } : {}) }, actor);
}
