import { describe, expect, it } from 'vitest';
import { createLogger, type LogLevel, requestIdFor, requestLog, withoutQuery } from './log';

function capture(level: LogLevel) {
  const text: string[] = [];
  const log = createLogger(level, { write: (line: string) => void text.push(line) });
  return { log, text: () => text.join(''), lines: () => text.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const SECRET = 'S3cr3t-value-7f1c';

describe('createLogger', () => {
  it('writes one JSON line per call: level name, ISO time, message, the fields given', () => {
    const { log, lines } = capture('info');
    log.info({ tokenId: 7, ok: true }, 'Something happened');
    const [line] = lines();
    expect(line).toMatchObject({ level: 'info', msg: 'Something happened', tokenId: 7, ok: true });
    expect(String(line?.time)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it.each([
    ['silent', []],
    ['error', ['error']],
    ['warn', ['error', 'warn']],
    ['info', ['error', 'warn', 'info']],
    ['debug', ['error', 'warn', 'info', 'debug']],
  ] as const)('at %s writes %j', (level, written) => {
    const { log, lines } = capture(level);
    log.error({}, 'e');
    log.warn({}, 'w');
    log.info({}, 'i');
    log.debug({}, 'd');
    expect(lines().map((l) => l.level)).toEqual(written);
  });

  it.each([
    'wstoken',
    'token',
    'password',
    'newPassword',
    'currentPassword',
    'privatetoken',
    'secret',
    'tokenSecret',
    'authorization',
    'cookie',
    'set-cookie',
  ])('redacts a field named %s, at the top and inside an error', (name) => {
    const { log, text, lines } = capture('info');
    log.info({ [name]: SECRET }, 'top');
    log.error({ err: Object.assign(new Error('failed'), { [name]: SECRET }) }, 'nested');
    log.child({ [name]: SECRET }).info({}, 'bound');
    expect(text()).not.toContain(SECRET);
    expect(lines()[0]?.[name]).toBe('[redacted]');
  });

  it('cuts the query string and fragment off a logged path or url', () => {
    const { log, lines, text } = capture('info');
    log.info({ path: `/webservice/rest/server.php?wstoken=${SECRET}`, url: `https://x.test/a?b=${SECRET}#c` }, 'u');
    expect(lines()[0]).toMatchObject({ path: '/webservice/rest/server.php', url: 'https://x.test/a' });
    expect(text()).not.toContain(SECRET);
  });

  it('logs an error with its stack, with secrets written as key=value taken out of message and stack', () => {
    const { log, lines, text } = capture('error');
    log.error({ err: new Error(`GET /x?wstoken=${SECRET}&a=1 failed; password: ${SECRET}`) }, 'boom');
    const err = lines()[0]?.err as { message: string; stack: string; type: string };
    expect(err.type).toBe('Error');
    expect(err.message).toBe('GET /x?wstoken=[redacted]&a=1 failed; password: [redacted]');
    expect(err.stack).toMatch(/\n\s+at /);
    expect(text()).not.toContain(SECRET);
  });
});

describe('withoutQuery', () => {
  it.each([
    ['/a/b', '/a/b'],
    ['/a/b?wstoken=x', '/a/b'],
    ['/a#frag', '/a'],
    ['http://h/p?x#y', 'http://h/p'],
    ['', ''],
  ])('%j -> %j', (input, output) => expect(withoutQuery(input)).toBe(output));
});

describe('requestIdFor', () => {
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

  it('takes a well-formed id from a trusted proxy only', () => {
    expect(requestIdFor('10.0.0.5', 'abc-123', '10.0.0.0/24')).toBe('abc-123');
    expect(requestIdFor('10.0.1.5', 'abc-123', '10.0.0.0/24')).toMatch(uuid);
    expect(requestIdFor('10.0.0.5', 'abc-123', '')).toMatch(uuid);
    expect(requestIdFor('10.0.0.5', undefined, '10.0.0.0/24')).toMatch(uuid);
  });

  it.each(['', 'a b', 'x'.repeat(65), 'a/b', 'a\nb', '{"x":1}', 'é'])('refuses %j even from a trusted proxy', (bad) => {
    expect(requestIdFor('10.0.0.5', bad, '10.0.0.0/24')).toMatch(uuid);
  });

  it('accepts 1 to 64 of [A-Za-z0-9._-]', () => {
    for (const ok of ['a', 'A.b_c-9', 'x'.repeat(64)]) expect(requestIdFor('::1', ok, '::1')).toBe(ok);
  });

  it('makes a new id for every request', () => {
    const ids = new Set(Array.from({ length: 100 }, () => requestIdFor('1.2.3.4', undefined, '')));
    expect(ids.size).toBe(100);
  });
});

describe('requestLog', () => {
  it('binds the request id to every line, with one child per request', () => {
    const { log, lines } = capture('info');
    const a = { var: { reqId: 'req-a' } };
    const b = { var: { reqId: 'req-b' } };
    requestLog(a, log).info({}, 'one');
    requestLog(b, log).warn({}, 'two');
    requestLog(a, log).error({}, 'three');
    expect(requestLog(a, log)).toBe(requestLog(a, log));
    expect(lines().map((l) => [l.reqId, l.msg])).toEqual([
      ['req-a', 'one'],
      ['req-b', 'two'],
      ['req-a', 'three'],
    ]);
  });
});
