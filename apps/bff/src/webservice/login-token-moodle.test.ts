import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { externalTokens } from '../db/schema';
import { SYSTEM_ACTOR } from '../features/audit/audit.service';
import { assignRole, createRole } from '../features/roles/roles.service';
import { addServiceFunctions, createService } from '../features/services/services.service';
import { hashToken } from '../features/tokens/token-secret';
import { DEMO_PASSWORD, makeClock, makeTestApp, restCall, serviceBody, type TestApp } from '../test/helpers';
import { MAX_LOGIN_TOKENS, phpJson } from './login-token';

// Issue 16, section 5, login/token.php: the mobile app's site check, Moodle's error fields, the
// token's last access on issue, and the least recently used token ending at the per-user cap.
//
// Moodle's login/token.php (4.x):
//   if (!$CFG->enablewebservices) { throw new moodle_exception('enablewsdescription', 'webservice'); }
//   // This script is used by the mobile app to check that the site is available and web services
//   // are allowed. In this mode, no further action is needed.
//   if (optional_param('appsitecheck', 0, PARAM_INT)) {
//       echo json_encode((object)['appsitecheck' => 'ok']);
//       exit;
//   }
// and its errors go through default_exception_handler to core_renderer_ajax::fatal_error:
//   $e->error = $message; $e->errorcode = $errorcode; $e->stacktrace = NULL;
//   $e->debuginfo = NULL; $e->reproductionlink = NULL;
//   if (!empty($CFG->debug) and $CFG->debug >= DEBUG_DEVELOPER) { … }
//   return json_encode($e);
// where get_exception_info has appended PHP_EOL."Error code: $errorcode" to the debug info and
// made the link $CFG->wwwroot . '/'.

const WWWROOT = 'https://learn.example.org/moodle';
const clock = makeClock(1_800_000_000);
let t: TestApp;
let ipCounter = 0;

beforeAll(async () => {
  t = await makeTestApp({ env: { GATEHOUSE_WWWROOT: WWWROOT }, now: clock.now });
  const role = await createRole(
    t.deps,
    {
      shortname: 'tokenmaker',
      name: 'Token maker',
      capabilities: { 'moodle/webservice:createtoken': 'allow', 'webservice/rest:use': 'allow' },
    },
    SYSTEM_ACTOR,
  );
  await assignRole(t.deps, role.id, await t.userId('student'), SYSTEM_ACTOR);
  const svc = await createService(t.deps, serviceBody('Login service', 'loginsvc') as never, SYSTEM_ACTOR);
  await addServiceFunctions(t.deps, svc.id, ['core_webservice_get_site_info'], SYSTEM_ACTOR);
});
afterAll(() => t?.close());
beforeEach(async () => {
  await t.deps.settings.apply({ enablewebservices: '1', webserviceprotocols: 'rest', debug: 'none' }, SYSTEM_ACTOR);
});

async function tokenPhp(
  params: Record<string, string | number>,
  as: 'form' | 'get' | 'json' = 'form',
): Promise<{ status: number; text: string; type: string }> {
  const env = { incoming: { socket: { remoteAddress: `10.44.${Math.floor(ipCounter / 250)}.${ipCounter++ % 250}` } } };
  const form = new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)])).toString();
  const res =
    as === 'get'
      ? await t.app.request(`/login/token.php?${form}`, {}, env)
      : await t.app.request(
          '/login/token.php',
          as === 'json'
            ? { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(params) }
            : { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form },
          env,
        );
  return { status: res.status, text: await res.text(), type: res.headers.get('content-type') ?? '' };
}

const tokenCount = async () => (await t.store.db.select().from(externalTokens)).length;
const login = () => tokenPhp({ username: 'student', password: DEMO_PASSWORD, service: 'loginsvc' });

describe('appsitecheck', () => {
  it('answers {"appsitecheck":"ok"} and nothing else: no credentials needed, no token made', async () => {
    const before = await tokenCount();
    for (const [params, as] of [
      [{ appsitecheck: '1' }, 'form'],
      [{ appsitecheck: '1' }, 'get'],
      // What the mobile app posts (an Angular HttpClient object: JSON).
      [{ appsitecheck: 1 }, 'json'],
      // PHP's (int): " 2", "1abc" and "1e3" are not 0.
      [{ appsitecheck: ' 2' }, 'form'],
      [{ appsitecheck: '1abc', username: 'student', password: 'wrong', service: 'loginsvc' }, 'form'],
    ] as const) {
      const res = await tokenPhp(params, as);
      expect(res.status, JSON.stringify(params)).toBe(200);
      expect(res.text, JSON.stringify(params)).toBe('{"appsitecheck":"ok"}');
      expect(res.type).toMatch(/^application\/json/);
    }
    expect(await tokenCount()).toBe(before);
  });

  it('web services are checked first: disabled, the check fails with enablewsdescription', async () => {
    await t.deps.settings.apply({ enablewebservices: '0' }, SYSTEM_ACTOR);
    expect((await tokenPhp({ appsitecheck: '1' })).text).toBe(
      '{"error":"Web services must be enabled in Advanced features.","errorcode":"enablewsdescription","stacktrace":null,"debuginfo":null,"reproductionlink":null}',
    );
  });

  it('0, or not a number, is no site check: the login goes on (here: its parameters are missing)', async () => {
    for (const value of ['0', 'abc', '', '0.5']) {
      const res = await tokenPhp({ appsitecheck: value });
      expect(JSON.parse(res.text).errorcode, value).toBe('missingparam');
    }
  });
});

describe("Moodle's error fields", () => {
  it('stacktrace, debuginfo and reproductionlink are null unless debugging is at developer level', async () => {
    const expected =
      '{"error":"Invalid login, please try again","errorcode":"invalidlogin","stacktrace":null,"debuginfo":null,"reproductionlink":null}';
    expect((await tokenPhp({ username: 'student', password: 'wrong', service: 'loginsvc' })).text).toBe(expected);
    await t.deps.settings.apply({ debug: 'normal' }, SYSTEM_ACTOR);
    expect((await tokenPhp({ username: 'student', password: 'wrong', service: 'loginsvc' })).text).toBe(expected);
  });

  it('at developer level: the error code in debuginfo, the site in reproductionlink (as PHP escapes /), never a stack trace', async () => {
    await t.deps.settings.apply({ debug: 'developer' }, SYSTEM_ACTOR);
    const res = await tokenPhp({ username: 'student', password: 'wrong', service: 'loginsvc' });
    expect(res.status).toBe(200);
    expect(res.text).toBe(
      '{"error":"Invalid login, please try again","errorcode":"invalidlogin","stacktrace":null,"debuginfo":"\\nError code: invalidlogin","reproductionlink":"https:\\/\\/learn.example.org\\/moodle\\/"}',
    );
  });

  it('json_encode’s escaping: / as \\/, non-ASCII as \\u escapes', () => {
    expect(phpJson({ a: 'é/€😀', b: null, c: 'plain' })).toBe(
      '{"a":"\\u00e9\\/\\u20ac\\ud83d\\ude00","b":null,"c":"plain"}',
    );
  });
});

describe('tokens issued here', () => {
  const rowOf = async (secret: string) =>
    (
      await t.store.db
        .select()
        .from(externalTokens)
        .where(eq(externalTokens.tokenHash, hashToken(t.deps.tokenSecret, secret)))
        .limit(1)
    ).at(0);
  const issue = async () => {
    const res = await login();
    const body = JSON.parse(res.text) as { token: string };
    expect(body.token, res.text).toMatch(/^gwt/);
    return body.token;
  };
  const loginTokenIds = async () =>
    (
      await t.store.db
        .select({ id: externalTokens.id })
        .from(externalTokens)
        .where(and(eq(externalTokens.userId, await t.userId('student')), eq(externalTokens.origin, 'login')))
    ).map((r) => r.id);

  it('have their last access set when issued, as Moodle’s external_log_token_request does', async () => {
    clock.advance(60);
    const secret = await issue();
    expect((await rowOf(secret))?.lastAccess).toBe(clock.now());
  });

  it(`past ${MAX_LOGIN_TOKENS}, the least recently used token ends, not the oldest`, async () => {
    await t.store.db.delete(externalTokens).where(eq(externalTokens.userId, await t.userId('student')));
    t.deps.gen.bump();
    const secrets: string[] = [];
    for (let i = 0; i < MAX_LOGIN_TOKENS; i++) {
      clock.advance(10);
      secrets.push(await issue());
    }
    const ids: number[] = [];
    for (const s of secrets) ids.push((await rowOf(s))!.id);
    const [oldest, second, third] = ids;
    // The oldest is still in use (a call, not yet written to the database: usage is flushed once a minute).
    clock.advance(10);
    expect((await restCall(t, secrets[0]!, 'core_webservice_get_site_info')).body.username).toBe('student');
    clock.advance(10);
    await issue();
    expect(await loginTokenIds()).toHaveLength(MAX_LOGIN_TOKENS);
    expect(await loginTokenIds()).toContain(oldest);
    expect(await loginTokenIds()).not.toContain(second);
    expect((await restCall(t, secrets[1]!, 'core_webservice_get_site_info')).body.errorcode).toBe('invalidtoken');
    // Usage written to the database counts the same way.
    clock.advance(10);
    expect((await restCall(t, secrets[2]!, 'core_webservice_get_site_info')).body.username).toBe('student');
    await t.deps.usage.flush();
    clock.advance(10);
    await issue();
    expect(await loginTokenIds()).toContain(third);
    expect(await loginTokenIds()).toContain(oldest);
    expect(await loginTokenIds()).not.toContain((await rowOf(secrets[3]!))?.id ?? -1);
    expect(await rowOf(secrets[3]!)).toBeUndefined();
  });
});
