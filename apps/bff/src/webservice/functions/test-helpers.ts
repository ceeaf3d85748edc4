import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanReturnValue, ExternalValidationError, validateParameters } from '@gatehouse/shared';
import { and, eq, sql } from 'drizzle-orm';
import { createDeps, type Deps } from '../../context';
import { openStore } from '../../db/client';
import {
  certifications,
  courses,
  files,
  messages,
  notes,
  roleCapabilities,
  roles,
  type UserRow,
  users,
} from '../../db/schema';
import { seedIfEmpty } from '../../db/seed';
import { seedCatalogueDemo } from '../../db/seed-catalogue';
import { loadEnv } from '../../env';
import { makeCallContext } from '../call-context';
import { invalidParameter, invalidResponse, MoodleException } from '../exceptions';
import type { CallService } from '../types';
import { FUNCTIONS } from './index';

/** The fixed clock of the catalogue tests (2025-06-15T12:00:00Z): seeded dates are relative to it. */
export const NOW = 1_749_988_800;
export const DAY = 86_400;

/** A service holding every function, with downloads and uploads allowed. */
export const ALL_FUNCTIONS_SERVICE: CallService = {
  id: 0,
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
  user(username: string): UserRow;
  close(): void;
}

/**
 * A fresh SQLite database in a temporary folder: migrated, seeded (admin, guest, roles, demo
 * users) and filled with the catalogue's demo data, with a fixed clock.
 */
export async function makeCatalogueTest(): Promise<CatalogueTest> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-ws-'));
  const env = loadEnv({ GATEHOUSE_DATA: dir, GATEHOUSE_LOG: 'silent' });
  const store = openStore(join(dir, 'gatehouse.db'));
  await seedIfEmpty(store, { adminPassword: 'Admin-pass-1', demo: true, demoPassword: 'Demo-pass-1' });
  const ids = Object.fromEntries(
    store.db
      .select({ id: users.id, username: users.username })
      .from(users)
      .all()
      .map((u) => [u.username, u.id]),
  );
  // The first-start seed may already hold the catalogue's demo data, dated from the real clock:
  // it is replaced by the same data dated from the tests' fixed clock.
  store.db.transaction((tx) => {
    for (const table of [certifications, messages, notes, files, courses]) tx.delete(table).run();
    // Ids count from 1 again, as on a first start (the site course is id 1 either way).
    tx.run(
      sql`DELETE FROM sqlite_sequence WHERE name IN (${sql.join(
        SEEDED_TABLES.map((n) => sql`${n}`),
        sql`, `,
      )})`,
    );
    seedCatalogueDemo(tx, NOW, ids);
  });
  const deps = createDeps(env, store, { now: () => NOW });
  let closed = false;
  return {
    deps,
    ids,
    user: (username) => userRow(deps, username),
    close: () => {
      if (closed) return;
      closed = true;
      store.sqlite.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function userRow(deps: Deps, username: string): UserRow {
  const u = deps.store.db.select().from(users).where(eq(users.username, username)).get();
  if (!u) throw new Error(`No user ${username}`);
  return u;
}

/**
 * Calls a catalogue function as the protocol servers do, minus the access checks: parameters
 * validated against the description (a mismatch is invalid_parameter_exception), the function
 * run with a call context for `user`, and the result cleaned against the return description
 * (a mismatch is invalid_response_exception).
 */
export async function callFunction(
  deps: Deps,
  name: string,
  user: UserRow | string,
  args: unknown,
  service: CallService = ALL_FUNCTIONS_SERVICE,
  // biome-ignore lint/suspicious/noExplicitAny: tests read the cleaned result field by field
): Promise<any> {
  const fn = FUNCTIONS.find((f) => f.name === name);
  if (!fn) throw new Error(`No function ${name}`);
  const u = typeof user === 'string' ? userRow(deps, user) : user;
  let params: unknown;
  try {
    params = validateParameters(fn.parameters, args ?? {});
  } catch (e) {
    if (e instanceof ExternalValidationError) throw invalidParameter(e.message);
    throw e;
  }
  const raw = await fn.execute(makeCallContext(deps, u, service), params);
  try {
    return cleanReturnValue(fn.returns, raw);
  } catch (e) {
    if (e instanceof ExternalValidationError) throw invalidResponse(e.message);
    throw e;
  }
}

/** The MoodleException a call ends with; fails when the call succeeds or throws something else. */
export async function callError(
  deps: Deps,
  name: string,
  user: UserRow | string,
  args: unknown,
  service?: CallService,
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
export function setRoleCapability(
  deps: Deps,
  role: string,
  capability: string,
  permission: 'allow' | 'prohibit' | null,
) {
  const r = deps.store.db.select().from(roles).where(eq(roles.shortname, role)).get();
  if (!r) throw new Error(`No role ${role}`);
  deps.store.db
    .delete(roleCapabilities)
    .where(and(eq(roleCapabilities.roleId, r.id), eq(roleCapabilities.capability, capability)))
    .run();
  if (permission) deps.store.db.insert(roleCapabilities).values({ roleId: r.id, capability, permission }).run();
  deps.gen.bump();
}
