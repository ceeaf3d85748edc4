import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Bundles, buildBundles, startServer } from './test/processes';

// The server as `npm start` runs it (the bundled entry point, its own process): a plain-text
// start banner for the person at the terminal, whatever GATEHOUSE_LOG says, then JSON lines on
// stdout at GATEHOUSE_LOG's level. The generated administrator password is in the banner only.

let bundles: Bundles;
const scratch = mkdtempSync(join(tmpdir(), 'gatehouse-server-log-'));

beforeAll(async () => {
  bundles = await buildBundles();
}, 60_000);
afterAll(() => {
  bundles?.cleanup();
  rmSync(scratch, { recursive: true, force: true });
});

/** Starts a server on a new data folder, makes one refused web-service call, stops it; its stdout. */
async function runOnce(level: string): Promise<{ stdout: string; reqId: string }> {
  const s = await startServer(bundles, {
    env: { GATEHOUSE_DATA: mkdtempSync(join(scratch, 'data-')), GATEHOUSE_LOG: level, GATEHOUSE_SEED_DEMO: '0' },
  });
  // Web services are off on a new site: refused with webservicesdisabled.
  const res = await fetch(`${s.base}/webservice/rest/server.php?moodlewsrestformat=json`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'wstoken=0123456789abcdef0123456789abcdef&wsfunction=core_webservice_get_site_info',
  });
  const reqId = res.headers.get('x-request-id') ?? '';
  expect(await res.json()).toMatchObject({ errorcode: 'accessexception' });
  const run = await s.stop('SIGTERM');
  expect(run.code, run.stderr).toBe(0);
  return { stdout: run.stdout, reqId };
}

const isJson = (line: string) => line.startsWith('{');

describe('the server process', () => {
  it('at info: the banner in plain text, then one JSON line each for the start, the refusal and the stop', async () => {
    const { stdout, reqId } = await runOnce('info');
    const lines = stdout.split('\n').filter(Boolean);
    const banner = lines.filter((l) => !isJson(l));
    expect(banner.join('\n')).toMatch(/First start: created the database/);
    expect(banner.join('\n')).toMatch(/Gatehouse is listening on http:\/\/127\.0\.0\.1:\d+\//);
    const password = /password "([^"]+)"/.exec(banner.join('\n'))?.[1];
    expect(password).toBeTruthy();

    const json = lines.filter(isJson).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(json.map((l) => l.msg)).toEqual([
      'Gatehouse is listening',
      'Web-service call refused',
      'SIGTERM received: finishing requests in flight, then closing the database',
    ]);
    expect(json[1]).toMatchObject({ level: 'info', reqId, reason: 'webservicesdisabled', protocol: 'rest' });
    expect(reqId).toMatch(/^[0-9a-f-]{36}$/);
    // The password and the token are in no log line.
    for (const l of lines.filter(isJson)) {
      expect(l).not.toContain(password);
      expect(l).not.toContain('0123456789abcdef0123456789abcdef');
    }
  });

  it('silent: the banner only', async () => {
    const { stdout } = await runOnce('silent');
    const lines = stdout.split('\n').filter(Boolean);
    expect(lines.filter(isJson)).toEqual([]);
    expect(lines.join('\n')).toMatch(/Gatehouse is listening on/);
  });
});
