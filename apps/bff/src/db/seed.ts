import { randomBytes } from 'node:crypto';
import { count } from 'drizzle-orm';
import { generatePassword, hashPassword } from '../lib/password';
import type { Store } from './client';
import { config, roleAssignments, roleCapabilities, roles, users } from './schema';
import { seedCatalogueDemo } from './seed-catalogue';
import { firstRow } from './sql';

type Perm = 'allow' | 'prohibit';

/** The standard roles and their default capabilities, after Moodle's archetypes. */
export const STANDARD_ROLES: { shortname: string; name: string; description: string; caps: Record<string, Perm> }[] = [
  {
    shortname: 'manager',
    name: 'Manager',
    description: 'Managers can access courses and modify them, and manage users, roles and tokens.',
    caps: Object.fromEntries(
      [
        'moodle/site:maintenanceaccess',
        'moodle/site:viewreports',
        'moodle/user:create',
        'moodle/user:update',
        'moodle/user:delete',
        'moodle/user:viewdetails',
        'moodle/role:assign',
        'moodle/role:review',
        'moodle/webservice:createtoken',
        'moodle/webservice:managealltokens',
        'moodle/course:view',
        'moodle/course:create',
        'moodle/course:update',
        'moodle/course:managegroups',
        'moodle/course:viewparticipants',
        'moodle/site:sendmessage',
        'moodle/notes:manage',
        'moodle/notes:view',
        'tool/mucertify:view',
      ].map((c) => [c, 'allow' as Perm]),
    ),
  },
  {
    shortname: 'editingteacher',
    name: 'Teacher',
    description: 'Teachers can do anything within a course, including changing activities and grading students.',
    caps: Object.fromEntries(
      [
        'moodle/course:view',
        'moodle/course:update',
        'moodle/course:managegroups',
        'moodle/course:viewparticipants',
        'moodle/notes:manage',
        'moodle/notes:view',
      ].map((c) => [c, 'allow' as Perm]),
    ),
  },
  {
    shortname: 'student',
    name: 'Student',
    description: 'Students generally have fewer privileges within a course.',
    caps: {},
  },
  {
    shortname: 'user',
    name: 'Authenticated user',
    description: 'All logged in users.',
    caps: {
      'moodle/webservice:createmobiletoken': 'allow',
      'moodle/user:manageownfiles': 'allow',
      'moodle/site:sendmessage': 'allow',
    },
  },
  {
    shortname: 'guest',
    name: 'Guest',
    description: 'Guests have minimal privileges and usually can not enter text anywhere.',
    caps: {},
  },
];

interface DemoUser {
  username: string;
  firstname: string;
  lastname: string;
  email: string;
  role?: string;
  suspended?: boolean;
  confirmed?: boolean;
  passwordExpired?: boolean;
  auth?: 'manual' | 'nologin' | 'webservice';
}

export const DEMO_USERS: DemoUser[] = [
  { username: 'manager', firstname: 'Maria', lastname: 'Manager', email: 'manager@example.com', role: 'manager' },
  {
    username: 'teacher',
    firstname: 'Terry',
    lastname: 'Teacher',
    email: 'teacher@example.com',
    role: 'editingteacher',
  },
  { username: 'student', firstname: 'Sam', lastname: 'Student', email: 'student@example.com', role: 'student' },
  { username: 'student2', firstname: 'Sasha', lastname: 'Learner', email: 'student2@example.com', role: 'student' },
  { username: 'suspended', firstname: 'Susan', lastname: 'Suspended', email: 'suspended@example.com', suspended: true },
  {
    username: 'unconfirmed',
    firstname: 'Uma',
    lastname: 'Unconfirmed',
    email: 'unconfirmed@example.com',
    confirmed: false,
  },
  { username: 'expired', firstname: 'Ed', lastname: 'Expired', email: 'expired@example.com', passwordExpired: true },
  { username: 'nologin', firstname: 'Nora', lastname: 'Nologin', email: 'nologin@example.com', auth: 'nologin' },
  {
    username: 'wsclient',
    firstname: 'Integration',
    lastname: 'Client',
    email: 'wsclient@example.com',
    auth: 'webservice',
  },
];

export interface SeedResult {
  seeded: boolean;
  adminPassword?: string;
  adminPasswordGenerated?: boolean;
  demoPassword?: string;
}

/**
 * First start only (an empty users table): the admin, the guest account, the standard roles and,
 * unless turned off, demo users in different states. Never runs again, so it never undoes an edit.
 */
export async function seedIfEmpty(
  store: Store,
  opts: { adminPassword?: string; demo: boolean; demoPassword?: string },
): Promise<SeedResult> {
  const { db } = store;
  if (((await db.select({ n: count() }).from(users).limit(1)).at(0)?.n ?? 0) > 0) return { seeded: false };
  const adminPassword = opts.adminPassword ?? generatePassword();
  const demoPassword = opts.demoPassword ?? generatePassword();
  const adminHash = await hashPassword(adminPassword);
  const demoHash = opts.demo ? await hashPassword(demoPassword) : '';
  const unusable = `!${randomBytes(16).toString('hex')}`;
  const now = Math.floor(Date.now() / 1000);
  // Checked again under the write lock: nodes starting together on one new database seed it once.
  const seeded = await store.transaction(async (tx) => {
    if (((await tx.select({ n: count() }).from(users).limit(1)).at(0)?.n ?? 0) > 0) return false;
    const roleIds = new Map<string, number>();
    for (const [i, r] of STANDARD_ROLES.entries()) {
      const row = firstRow(
        await tx
          .insert(roles)
          .values({
            shortname: r.shortname,
            name: r.name,
            description: r.description,
            archetype: r.shortname,
            sortorder: i + 1,
          })
          .returning(),
      );
      roleIds.set(r.shortname, row.id);
      const caps = Object.entries(r.caps);
      if (caps.length) {
        await tx
          .insert(roleCapabilities)
          .values(caps.map(([capability, permission]) => ({ roleId: row.id, capability, permission })));
      }
    }
    await tx.insert(users).values({
      username: 'guest',
      firstname: 'Guest',
      lastname: 'user',
      email: 'root@localhost',
      passwordHash: unusable,
      isGuest: true,
      timecreated: now,
      timemodified: now,
    });
    await tx.insert(users).values({
      username: 'admin',
      firstname: 'Admin',
      lastname: 'User',
      email: 'admin@example.com',
      passwordHash: adminHash,
      siteAdmin: true,
      timecreated: now,
      timemodified: now,
    });
    if (opts.demo) {
      const userIds: Record<string, number> = {};
      for (const u of DEMO_USERS) {
        const { role, ...fields } = u;
        const row = firstRow(
          await tx
            .insert(users)
            .values({ ...fields, passwordHash: demoHash, timecreated: now, timemodified: now })
            .returning(),
        );
        userIds[row.username] = row.id;
        const roleId = role ? roleIds.get(role) : undefined;
        if (roleId) await tx.insert(roleAssignments).values({ roleId, userId: row.id, timecreated: now });
      }
      for (const r of await tx.select({ id: users.id, username: users.username }).from(users))
        userIds[r.username] = r.id;
      await seedCatalogueDemo(tx, now, userIds);
    }
    await tx
      .insert(config)
      .values({ name: 'siteidentifier', value: randomBytes(16).toString('hex') })
      .onConflictDoNothing();
    return true;
  });
  if (!seeded) return { seeded: false };
  return {
    seeded: true,
    adminPassword,
    adminPasswordGenerated: !opts.adminPassword,
    ...(opts.demo ? { demoPassword } : {}),
  };
}
