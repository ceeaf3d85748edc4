import { createHash } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { courses, files } from '../../db/schema';
import { SYSTEM_ACTOR } from '../../features/audit/audit.service';
import { assignRole, createRole } from '../../features/roles/roles.service';
import { addServiceFunctions, createService } from '../../features/services/services.service';
import { createAdminToken } from '../../features/tokens/tokens.service';
import { amfCall, anonymous, command, envelope, remoting } from '../../test/amf-client';
import { type RealServer, startRealServer, webServiceToken } from '../../test/browser-server';
import { serviceBody } from '../../test/helpers';

// Issue 20: the AMF server (/webservice/amf/server.php, Moodle 2.x's webservice_amf on
// Zend_Amf_Server), called by a client built on amfjs (an independent AMF implementation from
// npm, test/amf-client.ts) against the real server: Flex messaging (RemoteObject's client ping,
// then RemotingMessages) and the legacy AMF0 call (NetConnection.call), faults as Flex
// ErrorMessages with Moodle's errorcode.

describe('AMF through an amfjs client, against the real server', () => {
  let srv: RealServer;
  let token: string;
  let courseId: number;

  beforeAll(async () => {
    srv = await startRealServer();
    token = (await webServiceToken(srv.t, 'rest,xmlrpc,soap,amf')).secret;
    courseId = (await srv.t.store.db.select().from(courses).where(eq(courses.shortname, 'CS101')).limit(1)).at(0)!.id;
  });
  afterAll(() => srv?.close());
  beforeEach(async () => {
    await srv.t.deps.settings.apply({ debug: 'none', webserviceprotocols: 'rest,xmlrpc,soap,amf' }, SYSTEM_ACTOR);
  });

  it("RemoteObject's first message, a client ping, is acknowledged at its response URI", async () => {
    const res = await amfCall(srv.base, token, envelope([command(5, '/1')]));
    expect(res.status).toBe(200);
    expect(res.type).toBe('application/x-amf');
    expect(res.version).toBe(3);
    expect(res.bodies).toHaveLength(1);
    const [ack] = res.bodies;
    expect(ack?.target).toBe('/1/onResult');
    expect(ack?.value.__class).toBe('flex.messaging.messages.AcknowledgeMessage');
    expect(ack?.value.correlationId).toMatch(/^CMD-/);
    expect(ack?.value.messageId).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/);
  });

  it('core_webservice_get_site_info: an AcknowledgeMessage whose body is site info, typed as described', async () => {
    const res = await amfCall(
      srv.base,
      token,
      envelope([remoting('webservices_virtual_class_000000.core_webservice_get_site_info', [], '/2')]),
    );
    const [ack] = res.bodies;
    expect(ack?.target).toBe('/2/onResult');
    expect(ack?.value.__class).toBe('flex.messaging.messages.AcknowledgeMessage');
    const info = ack?.value.body as Record<string, unknown>;
    expect(info.username).toBe('teacher');
    expect(typeof info.userid).toBe('number');
    expect(info.siteurl).toBe(srv.base);
    // Moodle's key order, from the description.
    expect(
      Object.keys(info)
        .filter((k) => !k.startsWith('__'))
        .slice(0, 4),
    ).toEqual(['sitename', 'username', 'firstname', 'lastname']);
    const fns = info.functions as { name: string; version: string }[];
    expect(fns.map((f) => f.name)).toContain('core_group_create_groups');
    expect(typeof info.downloadfiles).toBe('number');
  });

  it('core_group_create_groups with the groups as its one argument creates them and answers their ids', async () => {
    const name = `AMF group ${Date.now()}`;
    const res = await amfCall(
      srv.base,
      token,
      envelope([
        remoting('core_group_create_groups', [[anonymous({ courseid: courseId, name, description: 'from Flex' })]]),
      ]),
    );
    const [ack] = res.bodies;
    expect(ack?.value.__class).toBe('flex.messaging.messages.AcknowledgeMessage');
    const [group] = (ack?.value.body ?? []) as { id: number; courseid: number; name: string }[];
    expect(group).toMatchObject({ courseid: courseId, name, description: 'from Flex' });
    expect(typeof group?.id).toBe('number');
    // It is there for the other protocols too.
    const rest = await fetch(`${srv.base}/webservice/rest/server.php`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `wstoken=${token}&wsfunction=core_group_get_course_groups&moodlewsrestformat=json&courseid=${courseId}`,
    });
    expect(((await rest.json()) as { name: string }[]).map((g) => g.name)).toContain(name);
  });

  it('a ByteArray arrives as base64 (core_files_upload stores its bytes) and a Date as a Unix time (a course start)', async () => {
    const { deps } = srv.t;
    const teacher = await srv.t.userId('teacher');
    const svc = await createService(
      deps,
      serviceBody('AMF values', 'amfvalues', { uploadFiles: true }) as never,
      SYSTEM_ACTOR,
    );
    await addServiceFunctions(deps, svc.id, ['core_files_upload', 'core_course_create_courses'], SYSTEM_ACTOR);
    const role = await createRole(
      deps,
      { shortname: 'amfcreator', name: 'AMF course creator', capabilities: { 'moodle/course:create': 'allow' } },
      SYSTEM_ACTOR,
    );
    await assignRole(deps, role.id, teacher, SYSTEM_ACTOR);
    const own = (
      await createAdminToken(deps, { userId: teacher, serviceId: svc.id, validUntil: null }, SYSTEM_ACTOR, true)
    ).secret;
    // Every byte value, as Flash's ByteArray carries a file (amfjs writes a Buffer as one).
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => 255 - i));
    const start = new Date(Date.UTC(2027, 0, 4, 9, 30, 15, 750));
    const res = await amfCall(
      srv.base,
      own,
      envelope([
        remoting(
          'core_files_upload',
          [
            anonymous({
              component: 'user',
              filearea: 'draft',
              itemid: 0,
              filepath: '/',
              filename: 'flash.bin',
              filecontent: bytes,
              contextlevel: 'user',
              instanceid: teacher,
            }),
          ],
          '/1',
        ),
        remoting(
          'core_course_create_courses',
          [[anonymous({ fullname: 'From Flash', shortname: 'AMF-DATE', categoryid: 1, startdate: start })]],
          '/2',
        ),
      ]),
    );
    expect(res.bodies.map((b) => [b.target, b.value.__class])).toEqual([
      ['/1/onResult', 'flex.messaging.messages.AcknowledgeMessage'],
      ['/2/onResult', 'flex.messaging.messages.AcknowledgeMessage'],
    ]);
    const uploaded = res.bodies[0]?.value.body as { filename: string; itemid: number };
    expect(uploaded.filename).toBe('flash.bin');
    const [row] = await srv.t.store.db
      .select()
      .from(files)
      .where(and(eq(files.filename, 'flash.bin'), eq(files.itemid, uploaded.itemid)));
    expect(row?.filesize).toBe(256);
    expect(row?.contenthash).toBe(createHash('sha1').update(bytes).digest('hex'));
    const [course] = await srv.t.store.db.select().from(courses).where(eq(courses.shortname, 'AMF-DATE'));
    // Moodle's descriptions type times as integers: the date's second, its milliseconds dropped.
    expect(course?.startdate).toBe(Math.floor(start.getTime() / 1000));
  });

  it("a fault is a Flex ErrorMessage at /onStatus: faultCode Moodle's errorcode, faultString the message", async () => {
    const res = await amfCall(
      srv.base,
      token,
      envelope([remoting('core_group_create_groups', [[anonymous({ courseid: courseId })]], '/3')]),
    );
    const [err] = res.bodies;
    expect(res.status).toBe(200);
    expect(err?.target).toBe('/3/onStatus');
    expect(err?.value.__class).toBe('flex.messaging.messages.ErrorMessage');
    expect(err?.value.faultCode).toBe('invalidparameter');
    expect(err?.value.faultString).toBe('Invalid parameter value detected');
    expect(err?.value.faultDetail).toBe('');
    expect(err?.value.correlationId).toMatch(/^MSG-/);
  });

  it('faultDetail carries the debug information when debugging shows it', async () => {
    await srv.t.deps.settings.apply({ debug: 'developer' }, SYSTEM_ACTOR);
    const res = await amfCall(
      srv.base,
      token,
      envelope([remoting('core_group_create_groups', [[anonymous({ courseid: courseId })]])]),
    );
    expect(String(res.bodies[0]?.value.faultDetail)).toMatch(/name/);
  });

  it('a bad token: invalidtoken, at the message’s own response URI', async () => {
    const res = await amfCall(srv.base, 'not-a-token', envelope([remoting('core_webservice_get_site_info', [], '/7')]));
    expect(res.status).toBe(200);
    expect(res.bodies[0]?.target).toBe('/7/onStatus');
    expect(res.bodies[0]?.value.faultCode).toBe('invalidtoken');
  });

  it('a batch of several messages: each answered in order at its own response URI', async () => {
    const res = await amfCall(
      srv.base,
      token,
      envelope([
        command(5, '/1'),
        remoting('core_webservice_get_site_info', [], '/2'),
        remoting('core_no_such_function', [], '/3'),
      ]),
    );
    expect(res.bodies.map((b) => [b.target, b.value.__class])).toEqual([
      ['/1/onResult', 'flex.messaging.messages.AcknowledgeMessage'],
      ['/2/onResult', 'flex.messaging.messages.AcknowledgeMessage'],
      ['/3/onStatus', 'flex.messaging.messages.ErrorMessage'],
    ]);
  });

  it('the legacy AMF0 call (NetConnection.call): the target is the function, the answer AMF0', async () => {
    const res = await amfCall(
      srv.base,
      token,
      envelope([{ target: 'core_webservice_get_site_info', response: '/1', value: { amf0: [] } }], 0),
    );
    expect(res.version).toBe(0);
    expect(res.bodies[0]?.target).toBe('/1/onResult');
    expect(res.bodies[0]?.value.username).toBe('teacher');
    const fault = await amfCall(
      srv.base,
      token,
      envelope([{ target: 'core_nosuch', response: '/2', value: { amf0: [] } }], 0),
    );
    expect(fault.bodies[0]?.target).toBe('/2/onStatus');
    expect(fault.bodies[0]?.value).toMatchObject({ code: expect.any(String), description: expect.any(String) });
  });

  it('malformed AMF: one ErrorMessage (invalidparameter), nothing run', async () => {
    const res = await amfCall(srv.base, token, Buffer.from([0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0xff]));
    expect(res.status).toBe(200);
    expect(res.bodies[0]?.target).toBe('/onStatus');
    expect(res.bodies[0]?.value.faultCode).toBe('invalidparameter');
  });

  it('AMF disabled: 403 with an empty body, as every disabled protocol', async () => {
    await srv.t.deps.settings.apply({ webserviceprotocols: 'rest' }, SYSTEM_ACTOR);
    const res = await fetch(`${srv.base}/webservice/amf/server.php?wstoken=${token}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amf' },
      body: envelope([command(5)]),
    });
    expect(res.status).toBe(403);
    expect((await res.arrayBuffer()).byteLength).toBe(0);
  });
});
