import { and, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { userDevices } from '../../db/schema';
import { affected } from '../../db/sql';

// The mobile devices users registered for push notifications (Moodle's user_devices), written by
// core_user_add_user_device and removed by core_user_remove_user_device.

type NewUserDevice = typeof userDevices.$inferInsert;

/** Whether the user already registered this push id. */
export async function hasPushId(db: DbOrTx, userId: number, pushid: string): Promise<boolean> {
  return (
    (
      await db
        .select({ id: userDevices.id })
        .from(userDevices)
        .where(and(eq(userDevices.userId, userId), eq(userDevices.pushid, pushid)))
        .limit(1)
    ).at(0) !== undefined
  );
}

/**
 * Updates every device of the user with this app id and uuid (Moodle allowed repeated ones once,
 * so there may be several); how many there were.
 */
export async function updateDevices(
  tx: DbOrTx,
  key: { userId: number; appid: string; uuid: string },
  set: Pick<NewUserDevice, 'version' | 'pushid' | 'publickey' | 'timemodified'>,
): Promise<number> {
  return affected(
    await tx
      .update(userDevices)
      .set(set)
      .where(and(eq(userDevices.userId, key.userId), eq(userDevices.appid, key.appid), eq(userDevices.uuid, key.uuid))),
  );
}

export async function insertDevice(tx: DbOrTx, row: NewUserDevice): Promise<void> {
  await tx.insert(userDevices).values(row);
}

/** Removes the user's devices with this uuid (and app id, unless empty); how many went. */
export async function deleteDevices(tx: DbOrTx, userId: number, uuid: string, appid: string): Promise<number> {
  const where = [eq(userDevices.userId, userId), eq(userDevices.uuid, uuid)];
  if (appid !== '') where.push(eq(userDevices.appid, appid));
  return affected(await tx.delete(userDevices).where(and(...where)));
}
