// The access-check chain alone, in process: token → user, service, function allowed.
// Prints p50 / p99 in microseconds with a warm cache (the steady state) and with a cold one
// (the cache dropped before every call, i.e. the database path).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDeps } from '../apps/bff/src/context';
import { openStore } from '../apps/bff/src/db/client';
import { loadEnv } from '../apps/bff/src/env';
import { checkFunction, checkProtocol, checkToken } from '../apps/bff/src/webservice/access';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: chain.ts <dataDir>');
const store = openStore(join(dataDir, 'gatehouse.db'));
const deps = createDeps(loadEnv({ GATEHOUSE_DATA: dataDir, GATEHOUSE_LOG: 'silent' }), store);
await deps.settings.ready();
const token = readFileSync(join(dataDir, 'bench-token.txt'), 'utf8').trim();

function once() {
  deps.gen.check();
  checkProtocol(deps, 'rest');
  const found = checkToken(deps, 'rest', token, '127.0.0.1');
  checkFunction(deps, found, 'core_webservice_get_site_info', '127.0.0.1');
}

function measure(n: number, cold: boolean) {
  const times = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (cold) deps.gen.bump();
    const t0 = process.hrtime.bigint();
    once();
    times[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  times.sort();
  const q = (p: number) => Math.round((times[Math.min(n - 1, Math.floor(p * n))] ?? 0) * 10) / 10;
  return { p50: q(0.5), p99: q(0.99), n };
}

for (let i = 0; i < 20_000; i++) once();
const warm = measure(100_000, false);
const cold = measure(5_000, true);
store.sqlite.close();
console.log(JSON.stringify({ warm, cold }));
