// Generates benchmark data in a Gatehouse data folder: N users and N tokens on a "bench" service
// with core_webservice_get_site_info, plus the token the load generator uses (written to
// bench-token.txt). Run with tsx: tsx bench/generate.ts <dataDir> --users N --tokens N [--grow]
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createDeps } from '../apps/bff/src/context';
import { openStore } from '../apps/bff/src/db/client';
import { seedIfEmpty } from '../apps/bff/src/db/seed';
import { loadEnv } from '../apps/bff/src/env';
import { SYSTEM_ACTOR } from '../apps/bff/src/features/audit/audit.service';
import { syncBuiltinServices } from '../apps/bff/src/features/services/builtin';
import { loadServerSecret } from '../apps/bff/src/features/tokens/server-secret';
import { generateToken, hashToken, tokenStub } from '../apps/bff/src/features/tokens/token-secret';
import { hashPassword } from '../apps/bff/src/lib/password';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    users: { type: 'string', default: '0' },
    tokens: { type: 'string', default: '0' },
    grow: { type: 'boolean', default: false },
  },
});
const dataDir = positionals[0];
if (!dataDir) throw new Error('usage: generate.ts <dataDir> --users N --tokens N [--grow]');
const nUsers = Number(values.users);
const nTokens = Number(values.tokens);
const started = performance.now();

const store = openStore(join(dataDir, 'gatehouse.db'));
const { sqlite } = store;
const secret = loadServerSecret(dataDir);
const now = Math.floor(Date.now() / 1000);

if (!values.grow) {
  await seedIfEmpty(store, { adminPassword: 'Bench-pass-1', demo: true, demoPassword: 'Bench-pass-1' });
  const deps = createDeps(loadEnv({ GATEHOUSE_DATA: dataDir, GATEHOUSE_LOG: 'silent' }), store);
  await syncBuiltinServices(deps);
  await deps.settings.ready();
  await deps.authz.ready();
  await deps.settings.apply(
    { enablewebservices: '1', webserviceprotocols: 'rest,soap,xmlrpc,amf', debug: 'none' },
    SYSTEM_ACTOR,
  );
  sqlite
    .prepare(
      `INSERT INTO external_services (name, shortname, enabled, restricted_users, download_files, upload_files, timecreated, timemodified)
       VALUES ('Benchmark', 'bench', 1, 0, 0, 0, ?, ?)`,
    )
    .run(now, now);
  const serviceId = (
    sqlite.prepare(`SELECT id FROM external_services WHERE shortname = 'bench'`).get() as { id: number }
  ).id;
  sqlite
    .prepare(
      `INSERT INTO external_service_functions (service_id, function_name) VALUES (?, 'core_webservice_get_site_info')`,
    )
    .run(serviceId);
  // Every authenticated user may use the three protocols.
  const userRole = (sqlite.prepare(`SELECT id FROM roles WHERE shortname = 'user'`).get() as { id: number }).id;
  const cap = sqlite.prepare(
    `INSERT OR REPLACE INTO role_capabilities (role_id, capability, permission) VALUES (?, ?, 'allow')`,
  );
  for (const p of ['rest', 'soap', 'xmlrpc', 'amf']) cap.run(userRole, `webservice/${p}:use`);

  const hash = await hashPassword('Bench-user-pass-1');
  const insertUser = sqlite.prepare(
    `INSERT INTO users (username, firstname, lastname, email, password_hash, timecreated, timemodified) VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const first = ['Ada', 'Alan', 'Grace', 'Linus', 'Margaret', 'Ken', 'Barbara', 'Edsger', 'Frances', 'Donald'];
  const last = [
    'Lovelace',
    'Turing',
    'Hopper',
    'Torvalds',
    'Hamilton',
    'Thompson',
    'Liskov',
    'Dijkstra',
    'Allen',
    'Knuth',
  ];
  sqlite.transaction(() => {
    for (let i = 1; i <= nUsers; i++) {
      insertUser.run(
        `benchuser${i}`,
        first[i % 10],
        `${last[(i * 7) % 10]}${i}`,
        `benchuser${i}@example.com`,
        hash,
        now - i,
        now - i,
      );
    }
  })();
}

const serviceId = (sqlite.prepare(`SELECT id FROM external_services WHERE shortname = 'bench'`).get() as { id: number })
  .id;
const userIds =
  (sqlite.prepare(`SELECT id FROM users WHERE username LIKE 'benchuser%'`).pluck().all() as number[]) ?? [];
if (!userIds.length) throw new Error('no bench users: generate without --grow first');
const insertToken = sqlite.prepare(
  `INSERT INTO external_tokens (token_hash, stub, name, user_id, service_id, valid_until, creator_id, origin, hidden, timecreated)
   VALUES (?, ?, ?, ?, ?, NULL, NULL, 'admin', 0, ?)`,
);
const existing = (sqlite.prepare('SELECT COUNT(*) FROM external_tokens').pluck().get() as number) ?? 0;
let benchSecret = '';
const BATCH = 50_000;
for (let done = 0; done < nTokens; done += BATCH) {
  sqlite.transaction(() => {
    for (let i = done; i < Math.min(nTokens, done + BATCH); i++) {
      const token = generateToken();
      if (i === 0 && !values.grow) benchSecret = token;
      const n = existing + i + 1;
      insertToken.run(
        hashToken(secret, token),
        tokenStub(token),
        `bench token ${n}`,
        userIds[n % userIds.length],
        serviceId,
        now - (n % 100_000),
      );
    }
  })();
}
if (benchSecret) writeFileSync(join(dataDir, 'bench-token.txt'), benchSecret);
sqlite.pragma('wal_checkpoint(TRUNCATE)');
sqlite.exec('ANALYZE');
store.sqlite.close();
console.log(
  JSON.stringify({
    users: userIds.length,
    tokens: existing + nTokens,
    seconds: Math.round((performance.now() - started) / 100) / 10,
  }),
);
