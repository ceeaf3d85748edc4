import { and, eq, sql } from 'drizzle-orm';
import { createDeps, type Deps } from '../../context';
import {
  certifications,
  courses,
  externalServiceFunctions,
  files,
  messages,
  notes,
  roleCapabilities,
  roles,
  type UserRow,
  users,
} from '../../db/schema';
import { sequenceResetSql } from '../../db/schema-pg/sequences';
import { seedIfEmpty } from '../../db/seed';
import { seedCatalogueDemo } from '../../db/seed-catalogue';
import { rawRun } from '../../db/sql';
import { loadEnv } from '../../env';
import { SYSTEM_ACTOR } from '../../features/audit/audit.service';
import { AUTHENTICATED_ROLE, GUEST_ROLE } from '../../features/roles/authz';
import { addServiceFunctions, createService, loadService } from '../../features/services/services.service';
import { issueToken } from '../../features/tokens/tokens.service';
import { openTestStore } from '../../test/test-store';
import { runCall } from '../call';
import { MoodleException } from '../exceptions';
import { FUNCTIONS } from './index';

type ServiceRow = Awaited<ReturnType<typeof loadService>>;

/** The fixed clock of the catalogue tests (2025-06-15T12:00:00Z): seeded dates are relative to it. */
export const NOW = 1_749_988_800;
export const DAY = 86_400;

/**
 * A test's description of the service its calls go through; the first call with it makes a real
 * service like it.
 */
export interface TestService {
  shortname: string;
  name: string;
  downloadFiles: boolean;
  uploadFiles: boolean;
  functions: readonly string[];
}

/** A service holding every function, with downloads and uploads allowed. */
export const ALL_FUNCTIONS_SERVICE: TestService = {
  shortname: 'catalogue_tests',
  name: 'Catalogue tests',
  downloadFiles: true,
  uploadFiles: true,
  functions: FUNCTIONS.map((f) => f.name),
};

const SEEDED_TABLES = [
  'certifications',
  'certification_assignments',
  'certification_periods',
  'messages',
  'notes',
  'files',
  'courses',
  'course_sections',
  'course_modules',
  'groups',
];

export interface CatalogueTest {
  deps: Deps;
  /** Ids of the seeded users, by username. */
  ids: Record<string, number>;
  /** A user as stored now, by username. */
  user(username: string): Promise<UserRow>;
  close(): Promise<void>;
}

/**
 * A fresh SQLite database in a temporary folder: migrated, seeded (admin, guest, roles, demo
 * users) and filled with the catalogue's demo data, with a fixed clock.
 */
export async function makeCatalogueTest(): Promise<CatalogueTest> {
  const test = await openTestStore('gatehouse-ws-');
  const { store } = test;
  const env = loadEnv({ GATEHOUSE_DATA: test.dir, GATEHOUSE_LOG: 'silent' });
  await seedIfEmpty(store, { adminPassword: 'Admin-pass-1', demo: true, demoPassword: 'Demo-pass-1' });
  const ids = Object.fromEntries(
    (await store.db.select({ id: users.id, username: users.username }).from(users)).map((u) => [u.username, u.id]),
  );
  // The first-start seed may already hold the catalogue's demo data, dated from the real clock:
  // it is replaced by the same data dated from the tests' fixed clock.
  await store.transaction(async (tx) => {
    for (const table of [certifications, messages, notes, files, courses]) await tx.delete(table);
    // Ids count from 1 again, as on a first start (the site course is id 1 either way).
    if (store.dialect === 'pg') await rawRun(tx, sequenceResetSql());
    else {
      await rawRun(
        tx,
        sql`DELETE FROM sqlite_sequence WHERE name IN (${sql.join(
          SEEDED_TABLES.map((n) => sql`${n}`),
          sql`, `,
        )})`,
      );
    }
    await seedCatalogueDemo(tx, NOW, ids);
  });
  const deps = createDeps(env, store, { now: () => NOW });
  await deps.settings.ready();
  await deps.authz.ready();
  let closed = false;
  return {
    deps,
    ids,
    user: (username) => userRow(deps, username),
    close: () => {
      if (closed) return Promise.resolve();
      closed = true;
      return test.close();
    },
  };
}

async function userRow(deps: Deps, username: string): Promise<UserRow> {
  const u = (await deps.store.db.select().from(users).where(eq(users.username, username)).limit(1)).at(0);
  if (!u) throw new Error(`No user ${username}`);
  return u;
}

/** The protocol the calls go through (the REST server's own entry point into the pipeline). */
const PROTOCOL = 'rest';
const CALLER_IP = '127.0.0.1';

interface Site {
  /** The real service made for each service description a test used. */
  services: Map<string, { row: ServiceRow; tokens: Map<number, string> }>;
}
const sites = new WeakMap<Deps, Site>();

/**
 * What a client needs before its first call, as an administrator sets it up: web services and
 * the REST protocol on, and the protocol's use capability for the automatic roles (Authenticated
 * user and Guest; administrators pass every check, the hub's roles hold it already). Once per
 * site: a test that turns any of this off afterwards gets the refusal a client would.
 */
async function siteOf(deps: Deps): Promise<Site> {
  let site = sites.get(deps);
  if (site) return site;
  await deps.settings.ready();
  await deps.authz.ready();
  await deps.settings.apply(
    {
      enablewebservices: '1',
      webserviceprotocols: [...new Set([...deps.settings.protocols(), PROTOCOL])].join(','),
    },
    SYSTEM_ACTOR,
  );
  for (const role of [AUTHENTICATED_ROLE, GUEST_ROLE])
    setRoleCapability(deps, role, `webservice/${PROTOCOL}:use`, 'allow');
  site = { services: new Map() };
  sites.set(deps, site);
  return site;
}

/**
 * The real service for a test's description of one, made (with the console's service code) on
 * first use. A variant of a description (`{ ...ALL_FUNCTIONS_SERVICE, uploadFiles: false }`) is a
 * service of its own, under a numbered shortname and name (both are unique on a site).
 */
async function serviceFor(deps: Deps, site: Site, spec: TestService) {
  const key = JSON.stringify([spec.shortname, spec.name, spec.downloadFiles, spec.uploadFiles, spec.functions]);
  let entry = site.services.get(key);
  if (entry) return entry;
  // Numbered only when the test made another variant of it before.
  const n = [...site.services.values()].filter((e) => e.row.shortname.startsWith(spec.shortname)).length;
  const created = await createService(
    deps,
    {
      name: n ? `${spec.name} (${n + 1})` : spec.name,
      shortname: n ? `${spec.shortname}_${n + 1}` : spec.shortname,
      enabled: true,
      restrictedUsers: false,
      requiredCapability: null,
      downloadFiles: spec.downloadFiles,
      uploadFiles: spec.uploadFiles,
    },
    SYSTEM_ACTOR,
  );
  // The console adds no deprecated function to a service, but a service may still hold one (added
  // before the deprecation, as on an upgraded Moodle site), and a client may call it then.
  const deprecated = spec.functions.filter((f) => deps.catalogue.get(f)?.deprecated);
  if (deprecated.length) {
    await deps.store.db
      .insert(externalServiceFunctions)
      .values(deprecated.map((functionName) => ({ serviceId: created.id, functionName })));
  }
  // Then the others as the console adds them (which also invalidates what the checks cached).
  const current = spec.functions.filter((f) => !deps.catalogue.get(f)?.deprecated);
  if (current.length) await addServiceFunctions(deps, created.id, current, SYSTEM_ACTOR);
  entry = { row: await loadService(deps, created.id), tokens: new Map() };
  site.services.set(key, entry);
  return entry;
}

/**
 * The token a client of `user` holds for the service, made on first use. Written with the
 * token service's own primitive, without the console's rules on who may hold one (the guest
 * account and the hub's site users get one too): the call pipeline is what these tests are about.
 */
async function tokenFor(
  deps: Deps,
  service: { row: ServiceRow; tokens: Map<number, string> },
  user: UserRow,
): Promise<string> {
  let secret = service.tokens.get(user.id);
  if (secret === undefined) {
    secret =
      // Outside any write, as a set-up step: no cache holds a token not yet made.
      (
        await issueToken(
          deps,
          deps.store.db,
          { invalidate() {} },
          {
            user,
            service: service.row,
            name: `${service.row.shortname} for ${user.username}`,
            ipRestriction: null,
            validUntil: null,
            creatorId: null,
            origin: 'admin',
          },
        )
      ).secret;
    service.tokens.set(user.id, secret);
  }
  return secret;
}

/**
 * Calls a catalogue function as a client does, through the real call pipeline (`runCall`, where
 * every protocol server hands its decoded request): a token of `user` for a real service like
 * `service`, the whole access-check chain, parameter validation (a mismatch is
 * invalid_parameter_exception), the function with its call context, and the result cleaned
 * against the return description (a mismatch is invalid_response_exception). Resolves to the
 * cleaned value; rejects with the MoodleException a client would be sent.
 */
export async function callFunction(
  deps: Deps,
  name: string,
  user: UserRow | string,
  args: unknown,
  service: TestService = ALL_FUNCTIONS_SERVICE,
  // biome-ignore lint/suspicious/noExplicitAny: tests read the cleaned result field by field
): Promise<any> {
  const site = await siteOf(deps);
  const u = typeof user === 'string' ? await userRow(deps, user) : user;
  const token = await tokenFor(deps, await serviceFor(deps, site, service), u);
  // As the request middleware does before a protocol server runs: settings as of now.
  await deps.settings.ready();
  await deps.authz.ready();
  const outcome = await runCall(deps, { protocol: PROTOCOL, token, functionName: name, args, ip: CALLER_IP });
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}

/** The MoodleException a call ends with; fails when the call succeeds or throws something else. */
export async function callError(
  deps: Deps,
  name: string,
  user: UserRow | string,
  args: unknown,
  service?: TestService,
): Promise<MoodleException> {
  let result: unknown;
  try {
    result = await callFunction(deps, name, user, args, service);
  } catch (e) {
    if (e instanceof MoodleException) return e;
    throw e;
  }
  throw new Error(`Expected ${name} to fail, but it returned ${JSON.stringify(result)}`);
}

/** Sets (or with null clears) a capability of a role, as an admin would in the role editor. */
export async function setRoleCapability(
  deps: Deps,
  role: string,
  capability: string,
  permission: 'allow' | 'prohibit' | null,
) {
  const r = (await deps.store.db.select().from(roles).where(eq(roles.shortname, role)).limit(1)).at(0);
  if (!r) throw new Error(`No role ${role}`);
  await deps.store.db
    .delete(roleCapabilities)
    .where(and(eq(roleCapabilities.roleId, r.id), eq(roleCapabilities.capability, capability)));
  if (permission) await deps.store.db.insert(roleCapabilities).values({ roleId: r.id, capability, permission });
  deps.gen.bump();
}
