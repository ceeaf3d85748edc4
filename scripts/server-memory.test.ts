// What the built server loads at boot: libvips (sharp) only when the first image is made, since
// loading it maps 13 MB of code, allocates 7 MB and starts four threads (BENCHMARKS.md, issue 21).
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localServerEnv, SERVER_ENV, SERVER_NODE_FLAGS, waitForHealth } from './server-flags.mjs';

const root = join(import.meta.dirname, '..');
const server = join(root, 'apps', 'bff', 'dist', 'index.js');
const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-memory-'));
let child: ChildProcess;
let base = '';

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
const maps = () => readFileSync(`/proc/${child.pid}/maps`, 'utf8');
const environ = () => readFileSync(`/proc/${child.pid}/environ`, 'utf8').split('\0');

beforeAll(async () => {
  if (!existsSync(server)) throw new Error(`${server} is missing: build first (npm test does)`);
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  child = spawn(process.execPath, [...SERVER_NODE_FLAGS, server], {
    env: localServerEnv(dataDir, port),
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitForHealth(base, { tries: 300 });
}, 40_000);

afterAll(async () => {
  if (child?.exitCode === null) {
    await new Promise((r) => {
      child.once('exit', r);
      child.kill('SIGTERM');
    });
  }
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the built server’s memory at boot', () => {
  it('runs with SERVER_ENV in its environment', () => {
    for (const [k, v] of Object.entries(SERVER_ENV)) expect(environ()).toContain(`${k}=${v}`);
  });

  it('loads libvips on the first image it makes, not at boot', async () => {
    // A request of another kind does not load it either.
    await (await fetch(`${base}/healthz`)).text();
    expect(maps()).not.toMatch(/libvips/);
    const res = await fetch(`${base}/local/hub/webservice/download.php?filetype=hubscreenshot`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^image\/png/);
    const png = Buffer.from(await res.arrayBuffer());
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(maps()).toMatch(/libvips/);
  });
});
