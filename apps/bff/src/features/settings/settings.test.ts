import { SETTING_DEFS, SETTING_NAMES } from '@gatehouse/shared';
import Database from 'better-sqlite3';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openPgStore, openStore } from '../../db/client';
import { listenForInvalidations } from '../../db/pg-listener';
import { auditLog, config } from '../../db/schema';
import { Generation } from '../../lib/generation';
import { InvalidationFeed } from '../../lib/invalidation';
import { type Client, errorOf, makeTestApp, signIn, type TestApp } from '../../test/helpers';
import { onPostgres } from '../../test/test-store';
import { CLI_ACTOR } from '../audit/audit.service';
import { SettingsService } from './settings.service';

let t: TestApp;
let admin: Client;
let manager: Client;

beforeAll(async () => {
  t = await makeTestApp();
  [admin, manager] = await Promise.all([signIn(t, 'admin'), signIn(t, 'manager')]);
});
afterAll(() => t.close());

const configAudit = async () => await t.store.db.select().from(auditLog).where(eq(auditLog.action, 'config.set'));

describe('GET /api/settings', () => {
  it('gives every setting with its default to an admin', async () => {
    const res = await admin.get('/api/settings');
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual([...SETTING_NAMES].sort());
    expect(res.body).toEqual({
      enablewebservices: '0',
      webserviceprotocols: '',
      enablewsdocumentation: '0',
      enablemobilewebservice: '0',
      maintenance_enabled: '0',
      maintenance_message: SETTING_DEFS.maintenance_message.default,
      debug: 'none',
      tokenduration: String(12 * 7 * 24 * 3600),
      // Moodle's defaults: the server's own limit, and 100 MB.
      maxbytes: '0',
      userquota: '104857600',
    });
    // The internal site identifier is not a console setting.
    expect(res.body).not.toHaveProperty('siteidentifier');
  });

  it('is refused to a manager (no moodle/site:config) and to anonymous callers', async () => {
    const res = await manager.get('/api/settings');
    expect(res.status).toBe(403);
    expect(errorOf(res).message).toBe('You need the capability moodle/site:config to do this');
    expect((await t.client().get('/api/settings')).status).toBe(401);
  });
});

describe('PATCH /api/settings', () => {
  it('applies valid changes, lists them, and writes one config.set audit row each', async () => {
    const before = (await configAudit()).length;
    const res = await admin.patch('/api/settings', {
      enablewebservices: '1',
      webserviceprotocols: 'rest,xmlrpc',
      debug: 'developer',
      tokenduration: '3600',
      enablewsdocumentation: '0', // unchanged: not listed
    });
    expect(res.status).toBe(200);
    expect(res.body.changes).toEqual([
      { name: 'enablewebservices', from: '0', to: '1' },
      { name: 'webserviceprotocols', from: '', to: 'rest,xmlrpc' },
      { name: 'debug', from: 'none', to: 'developer' },
      { name: 'tokenduration', from: String(12 * 7 * 24 * 3600), to: '3600' },
    ]);
    expect(res.body.settings).toMatchObject({
      enablewebservices: '1',
      webserviceprotocols: 'rest,xmlrpc',
      debug: 'developer',
      tokenduration: '3600',
      enablewsdocumentation: '0',
    });
    expect((await admin.get('/api/settings')).body.debug).toBe('developer');

    const rows = await configAudit();
    expect(rows.length).toBe(before + 4);
    const debugRow = rows.find((r) => r.targetId === 'debug');
    expect(debugRow).toMatchObject({
      actorUsername: 'admin',
      actorId: await t.userId('admin'),
      targetType: 'config',
      summary: 'Changed debug from "none" to "developer"',
      ip: '10.1.2.3',
    });
    expect(JSON.parse(debugRow!.details)).toEqual({ from: 'none', to: 'developer' });
    expect((await t.store.db.select().from(config).where(eq(config.name, 'debug')).limit(1)).at(0)?.value).toBe(
      'developer',
    );
  });

  it('writes nothing when nothing changes', async () => {
    const before = (await configAudit()).length;
    const res = await admin.patch('/api/settings', { debug: 'developer' });
    expect(res.status).toBe(200);
    expect(res.body.changes).toEqual([]);
    const empty = await admin.patch('/api/settings', {});
    expect(empty.status).toBe(200);
    expect(empty.body.changes).toEqual([]);
    expect((await configAudit()).length).toBe(before);
  });

  it.each([
    [{ debug: 'loud' }, 'debug'],
    [{ enablewebservices: '2' }, 'enablewebservices'],
    [{ enablewebservices: 1 }, 'enablewebservices'],
    [{ enablewebservices: true }, 'enablewebservices'],
    [{ webserviceprotocols: 'rest,ftp' }, 'webserviceprotocols'],
    [{ webserviceprotocols: 'rest,rest' }, 'webserviceprotocols'],
    [{ webserviceprotocols: 'rest, soap' }, 'webserviceprotocols'],
    [{ tokenduration: '59' }, 'tokenduration'],
    [{ tokenduration: '1.5' }, 'tokenduration'],
    [{ tokenduration: '-3600' }, 'tokenduration'],
    [{ maintenance_message: 'x'.repeat(2001) }, 'maintenance_message'],
    [{ maxbytes: '-1' }, 'maxbytes'],
    [{ maxbytes: '1.5' }, 'maxbytes'],
    [{ maxbytes: '10M' }, 'maxbytes'],
    [{ maxbytes: '' }, 'maxbytes'],
    [{ maxbytes: '007' }, 'maxbytes'],
    [{ maxbytes: 1024 }, 'maxbytes'],
    [{ maxbytes: '2147483648' }, 'maxbytes'],
    [{ userquota: '1e9' }, 'userquota'],
    [{ userquota: ' 100' }, 'userquota'],
    [{ userquota: '99999999999999999999' }, 'userquota'],
  ])('refuses %j with 400 and a message for the field', async (patch, field) => {
    const before = (await admin.get('/api/settings')).body;
    const auditBefore = (await configAudit()).length;
    const res = await admin.patch('/api/settings', patch);
    expect(res.status).toBe(400);
    const err = errorOf(res);
    expect(err.code).toBe('invalid');
    expect(Object.keys(err.fields ?? {})).toEqual([field]);
    expect((await admin.get('/api/settings')).body).toEqual(before);
    expect((await configAudit()).length).toBe(auditBefore);
  });

  it('changes nothing at all when one value of several is invalid', async () => {
    const before = (await admin.get('/api/settings')).body;
    const res = await admin.patch('/api/settings', { maintenance_enabled: '1', debug: 'loud' });
    expect(res.status).toBe(400);
    expect(errorOf(res).fields).toEqual({ debug: 'none, normal or developer' });
    expect((await admin.get('/api/settings')).body).toEqual(before);
  });

  it('refuses an unknown setting name with 400', async () => {
    const res = await admin.patch('/api/settings', { enablewebservice: '1' });
    expect(res.status).toBe(400);
    expect(errorOf(res).fields).toEqual({ enablewebservice: 'Unknown field' });
    const internal = await admin.patch('/api/settings', { siteidentifier: 'mine' });
    expect(internal.status).toBe(400);
    expect(errorOf(internal).fields).toEqual({ siteidentifier: 'Unknown field' });
  });

  it('is refused to a manager with 403 and changes nothing', async () => {
    const res = await manager.patch('/api/settings', { maintenance_enabled: '1' });
    expect(res.status).toBe(403);
    expect(errorOf(res).code).toBe('forbidden');
    expect((await admin.get('/api/settings')).body.maintenance_enabled).toBe('0');
  });

  it('accepts byte counts for maxbytes and userquota, from 0 to the largest 32-bit int, and audits them', async () => {
    const res = await admin.patch('/api/settings', { maxbytes: '2097152', userquota: '2147483647' });
    expect(res.status).toBe(200);
    expect(res.body.changes).toEqual([
      { name: 'maxbytes', from: '0', to: '2097152' },
      { name: 'userquota', from: '104857600', to: '2147483647' },
    ]);
    expect((await configAudit()).find((r) => r.targetId === 'userquota')?.summary).toBe(
      'Changed userquota from "104857600" to "2147483647"',
    );
    const back = await admin.patch('/api/settings', { maxbytes: '0', userquota: '104857600' });
    expect(back.status).toBe(200);
    expect(back.body.settings).toMatchObject({ maxbytes: '0', userquota: '104857600' });
  });

  it('accepts an empty protocol list and every protocol', async () => {
    const all = await admin.patch('/api/settings', { webserviceprotocols: 'amf,xmlrpc,soap,rest' });
    expect(all.status).toBe(200);
    expect(all.body.settings.webserviceprotocols).toBe('amf,xmlrpc,soap,rest');
    const none = await admin.patch('/api/settings', { webserviceprotocols: '' });
    expect(none.status).toBe(200);
    expect(none.body.settings.webserviceprotocols).toBe('');
  });
});

describe('writes from another connection', () => {
  // SQLite's own detection of other connections' commits; PostgreSQL's is the listener (below).
  it.skipIf(onPostgres)(
    'a raw write by another connection is seen on the next request (PRAGMA data_version)',
    async () => {
      // Load the cache first, so that a stale cache would show.
      expect((await admin.get('/api/settings')).body.maintenance_enabled).toBe('0');
      const other = new Database(t.dbFile);
      try {
        other
          .prepare(
            "INSERT INTO config (name, value) VALUES ('maintenance_enabled', '1') ON CONFLICT(name) DO UPDATE SET value = excluded.value",
          )
          .run();
      } finally {
        other.close();
      }
      expect((await admin.get('/api/settings')).body.maintenance_enabled).toBe('1');
    },
  );

  it("a change through the CLI's code path (SettingsService on a second store) is seen at once and audited as cli", async () => {
    expect((await admin.get('/api/settings')).body.enablemobilewebservice).toBe('0');
    // On PostgreSQL the CLI is another node: its write's NOTIFY reaches this one's listener.
    const pg = t.store.dialect === 'pg' ? t.store : undefined;
    const listener = pg && (await listenForInvalidations(pg, { gen: t.deps.gen, feed: t.deps.feed }));
    const store2 = pg ? await openPgStore(pg.url, { migrate: false, max: 1 }) : openStore(t.dbFile);
    const heard = t.deps.gen.current;
    try {
      const gen = new Generation(store2.dialect === 'sqlite' ? store2.sqlite : undefined);
      const svc = new SettingsService({ store: store2, gen, feed: new InvalidationFeed(), now: () => 0 });
      await svc.ready();
      const changes = await svc.apply({ enablemobilewebservice: '1' }, CLI_ACTOR);
      expect(changes).toEqual([{ name: 'enablemobilewebservice', from: '0', to: '1' }]);
      if (listener) await vi.waitFor(() => expect(t.deps.gen.current).not.toBe(heard));
    } finally {
      await store2.close();
      await listener?.close();
    }
    const res = await admin.get('/api/settings');
    expect(res.body.enablemobilewebservice).toBe('1');
    const row = (await configAudit()).find((r) => r.targetId === 'enablemobilewebservice');
    expect(row?.actorUsername).toBe('cli');
    expect(row?.actorId).toBeNull();
  });

  it('the app then computes changes from the fresh value', async () => {
    const res = await admin.patch('/api/settings', { enablemobilewebservice: '0' });
    expect(res.status).toBe(200);
    expect(res.body.changes).toEqual([{ name: 'enablemobilewebservice', from: '1', to: '0' }]);
  });
});
