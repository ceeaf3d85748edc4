// bench/load.mjs's runs report what explains a figure beside it: the CPU the hypervisor stole
// meanwhile, how busy the server's thread was and its CPU per request, and (paced) the client's own
// event-loop delay. Driven here against a small HTTP server in a child process.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLoad } from '../bench/load.mjs';

let server: ChildProcess;
let url = '';

beforeAll(async () => {
  // Each answer costs ~0.2 ms of CPU, so the server's thread is measurably busy.
  const script = `
    const http = require('node:http');
    const s = http.createServer((req, res) => {
      const end = performance.now() + 0.2;
      while (performance.now() < end);
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' });
      res.end('ok');
    });
    s.listen(0, '127.0.0.1', () => console.log(s.address().port));`;
  server = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [chunk] = (await once(server.stdout as NodeJS.ReadableStream, 'data')) as [Buffer];
  url = `http://127.0.0.1:${chunk.toString().trim()}/`;
});

afterAll(() => {
  server?.kill();
});

describe('bench/load.mjs', () => {
  it('paced: latency, the server’s busy share and CPU per request, steal, the client’s delay', async () => {
    const r = await runLoad(
      { url, method: 'GET', headers: {} },
      { pid: server.pid, connections: 4, seconds: 1, rate: 1000 },
    );
    expect(r.errors).toBe(0);
    expect(r.p99).toBeGreaterThan(0);
    // 2 s of requests (a warm-up second and the counted one) at ≥ 0.2 ms each: ≥ 10 % of a core.
    expect(r.serverBusyPct).toBeGreaterThanOrEqual(10);
    expect(r.serverBusyPct).toBeLessThanOrEqual(110);
    expect(r.serverUsPerRequest).toBeGreaterThanOrEqual(150);
    expect(r.steal === null || (r.steal >= 0 && r.steal <= 100)).toBe(true);
    expect(r.clientDelay.p99).toBeGreaterThanOrEqual(0);
    expect(r.clientDelay.max).toBeGreaterThanOrEqual(r.clientDelay.p99);
  });

  it('closed loop (autocannon): requests a second with the same diagnostics', async () => {
    const r = await runLoad({ url, method: 'GET', headers: {} }, { pid: server.pid, connections: 2, seconds: 1 });
    expect(r.errors).toBe(0);
    expect(r.rps).toBeGreaterThan(100);
    // Saturated: the server's thread is busy most of the run, each request at ≥ 0.2 ms.
    expect(r.serverBusyPct).toBeGreaterThan(40);
    expect(r.serverUsPerRequest).toBeGreaterThanOrEqual(150);
    expect(r.steal === null || (r.steal >= 0 && r.steal <= 100)).toBe(true);
  });
});
