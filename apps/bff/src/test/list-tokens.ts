import { eq } from 'drizzle-orm';
import { externalServices, users } from '../db/schema';
import { addServiceFunctions, createService } from '../features/services/services.service';
import { issueToken } from '../features/tokens/tokens.service';
import { serviceBody, type TestApp } from './helpers';
import { onPostgres } from './test-store';

// The token-list tests' shared setup: a service of their own, and tokens issued straight through
// the server's connection, outside any write (no cache hears of them), as a bulk load would.

/** A service with site info in it, made by the admin: its id. */
export async function makeListService(t: TestApp, name: string, shortname: string): Promise<number> {
  const actor = { id: await t.userId('admin'), username: 'admin', ip: '' };
  const s = await createService(t.deps, serviceBody(name, shortname) as Parameters<typeof createService>[1], actor);
  await addServiceFunctions(t.deps, s.id, ['core_webservice_get_site_info'], actor);
  return s.id;
}

const unnoticed = { invalidate() {} };

/**
 * Issues a token of `username` on the service, unnoticed: SQLite's cached totals follow
 * total_changes() all the same; PostgreSQL's follow the generation alone (every write of a node
 * goes through withWrite), so there the generation is moved by hand. Resolves to the token's id.
 */
export async function issueUnnoticed(t: TestApp, serviceId: number, name: string, username: string): Promise<number> {
  const [user] = await t.store.db.select().from(users).where(eq(users.username, username));
  const [service] = await t.store.db.select().from(externalServices).where(eq(externalServices.id, serviceId));
  if (!user || !service) throw new Error(`no user ${username} or service ${serviceId}`);
  const { id } = await issueToken(t.deps, t.store.db, unnoticed, {
    user,
    service,
    name,
    ipRestriction: null,
    validUntil: null,
    creatorId: null,
    origin: 'admin',
  });
  if (onPostgres) t.deps.gen.bump();
  return id;
}
