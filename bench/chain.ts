// The access-check chain alone, in process: token → user, service, function allowed.
// Prints p50 / p99 in microseconds with a warm cache (the steady state) and with a cold one
// (the cache dropped before every call, i.e. the database path).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDeps } from '../apps/bff/src/context';
import { openStore } from '../apps/bff/src/db/client';
import { loadEnv } from '../apps/bff/src/env';
import { cachedToken, checkFunction, checkProtocol, checkToken, loadToken } from '../apps/bff/src/webservice/access';
import type { TokenAccess } from '../apps/bff/src/webservice/access-cache';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: chain.ts <dataDir>');
const store = openStore(join(dataDir, 'gatehouse.db'));
const deps = createDeps(loadEnv({ GATEHOUSE_DATA: dataDir, GATEHOUSE_LOG: 'silent' }), store);
await deps.settings.ready();
await deps.authz.ready();
const token = readFileSync(join(dataDir, 'bench-token.txt'), 'utf8').trim();

// As runCall runs it: from the cache without awaiting anything, from the database on a miss.
function once(): void | Promise<void> {
  deps.gen.check();
  checkProtocol(deps, 'rest');
  const hit = cachedToken(deps, token);
  if (hit) return rest(hit);
  return loadToken(deps, token).then(rest);
}

function rest(found: TokenAccess | undefined): void {
  checkFunction(deps, checkToken(deps, 'rest', found, '127.0.0.1'), 'core_webservice_get_site_info', '127.0.0.1');
}

async function measure(n: number, cold: boolean) {
  const times = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (cold) deps.gen.bump();
    const t0 = process.hrtime.bigint();
    const pending = once();
    if (pending instanceof Promise) await pending;
    times[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  times.sort();
  const q = (p: number) => Math.round((times[Math.min(n - 1, Math.floor(p * n))] ?? 0) * 10) / 10;
  return { p50: q(0.5), p99: q(0.99), n };
}

for (let i = 0; i < 20_000; i++) await once();
const warm = await measure(100_000, false);
const cold = await measure(5_000, true);
store.sqlite.close();
console.log(JSON.stringify({ warm, cold }));
