// The throwaway servers the API and cluster tests run against: a private PostgreSQL server
// (scripts/pg-cluster.mjs) and nginx in front of Gatehouse nodes (scripts/nginx.mjs and
// deploy/nginx/gatehouse.conf.template). Each starts, answers and leaves nothing behind.
import { existsSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureNginxInstalled, renderNginxConfig, startNginx } from './nginx.mjs';
import { freePort, startCluster } from './pg-cluster.mjs';

// node-postgres is a dependency of apps/bff, not of the root: loaded from there, by a name knip
// does not read as a root dependency, and typed as far as this test uses it.
interface PgClient {
  connect(): Promise<unknown>;
  query(sql: string, params?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
  end(): Promise<void>;
}
const NODE_POSTGRES = 'pg';
const pg = createRequire(join(import.meta.dirname, '..', 'apps', 'bff', 'package.json'))(NODE_POSTGRES) as {
  Client: new (config: { connectionString: string; connectionTimeoutMillis?: number }) => PgClient;
};

const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe('pg-cluster', () => {
  it('starts a private server that answers select 1, and stop() removes it (twice is harmless)', async () => {
    const cluster = await startCluster();
    cleanups.push(() => cluster.stop());
    expect(cluster.url).toBe(`postgres://postgres@127.0.0.1:${cluster.port}/postgres`);
    expect(existsSync(cluster.dir)).toBe(true);

    const client = new pg.Client({ connectionString: cluster.url });
    await client.connect();
    try {
      const { rows } = await client.query('select 1 as one, current_setting($1) as fsync', ['fsync']);
      expect(rows).toEqual([{ one: 1, fsync: 'off' }]);
      const enc = await client.query('show server_encoding');
      expect(enc.rows[0]?.server_encoding).toBe('UTF8');
    } finally {
      await client.end();
    }

    await cluster.stop();
    await cluster.stop();
    expect(existsSync(cluster.dir)).toBe(false);
    // Nothing listens on its port any more.
    const again = new pg.Client({ connectionString: cluster.url, connectionTimeoutMillis: 2000 });
    await expect(again.connect()).rejects.toThrow();
  });
});

describe('nginx', () => {
  it('renders the committed template for every upstream', () => {
    const text = renderNginxConfig({
      listenPort: 8080,
      upstreams: ['127.0.0.1:4001', '127.0.0.1:4002'],
      prefixDir: '/tmp/x',
      user: null,
    });
    expect(text).not.toMatch(/\{\{/);
    expect(text).toContain('listen 127.0.0.1:8080;');
    expect(text).toContain('server 127.0.0.1:4001 max_fails=1 fail_timeout=2s;');
    expect(text).toContain('server 127.0.0.1:4002 max_fails=1 fail_timeout=2s;');
    expect(text).toContain('pid /tmp/x/nginx.pid;');
    expect(text).not.toMatch(/^user /m);
  });

  it('proxies to a node server with X-Forwarded-For, X-Forwarded-Proto and its own X-Request-Id', async () => {
    try {
      ensureNginxInstalled();
    } catch (err) {
      throw new Error(`nginx is needed for the cluster tests and could not be installed: ${(err as Error).message}`);
    }
    let seen: IncomingHttpHeaders = {};
    const upstream: Server = createServer((req, res) => {
      seen = req.headers;
      res.end(`hello from ${req.url}`);
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => upstream.close(r)));
    const upstreamPort = (upstream.address() as AddressInfo).port;

    const port = await freePort();
    const nginx = await startNginx({ port, upstreams: [`127.0.0.1:${upstreamPort}`] });
    cleanups.push(() => nginx.stop());
    const res = await fetch(`http://127.0.0.1:${port}/through?x=1`, {
      headers: { 'X-Forwarded-For': '203.0.113.7', 'X-Request-Id': 'forged' },
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('hello from /through?x=1');
    expect(seen['x-forwarded-for']).toBe('203.0.113.7, 127.0.0.1');
    expect(seen['x-forwarded-proto']).toBe('http');
    expect(seen['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    expect(seen.host).toBe(`127.0.0.1:${port}`);

    await nginx.stop();
    await nginx.stop();
    expect(existsSync(nginx.dir)).toBe(false);
  });
});
