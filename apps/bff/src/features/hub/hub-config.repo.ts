import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { config } from '../../db/schema';
import { startsWith } from '../../db/sql';

// The hub's rows of the config table (`hub_*`): its settings, its password hash and the secret
// of its public token (see hub-config.ts for what each one means).

/** Every `hub_*` row, by name. */
export async function hubConfigRows(db: DbOrTx): Promise<Map<string, string>> {
  const rows = await db.select().from(config).where(startsWith(config.name, 'hub_'));
  return new Map(rows.map((r) => [r.name, r.value]));
}

export async function hubConfigValue(db: DbOrTx, name: string): Promise<string | undefined> {
  return (await db.select({ value: config.value }).from(config).where(eq(config.name, name)).limit(1)).at(0)?.value;
}

/** Sets a row (null: removes it). */
export async function putHubConfigValue(tx: DbOrTx, name: string, value: string | null): Promise<void> {
  if (value === null) {
    await tx.delete(config).where(eq(config.name, name));
    return;
  }
  await tx.insert(config).values({ name, value }).onConflictDoUpdate({ target: config.name, set: { value } });
}
