import type { DbOrTx } from '../../db/client';
import { config } from '../../db/schema';

// The site settings' table (`config`): one row per setting that differs from its default.

export async function settingRows(db: DbOrTx): Promise<{ name: string; value: string }[]> {
  return await db.select({ name: config.name, value: config.value }).from(config);
}

export async function putSetting(tx: DbOrTx, name: string, value: string): Promise<void> {
  await tx.insert(config).values({ name, value }).onConflictDoUpdate({ target: config.name, set: { value } });
}
