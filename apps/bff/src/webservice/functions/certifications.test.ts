import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certifications, users } from '../../db/schema';
import { DEMO_CERTIFICATION_SOURCES } from '../../db/seed-catalogue';
import { type CatalogueTest, callError, callFunction, DAY, makeCatalogueTest, NOW } from './test-helpers';

let t: CatalogueTest;
beforeAll(async () => {
  t = await makeCatalogueTest();
});
afterAll(() => t.close());

const cert = async (idnumber: string) =>
  (
    await t.deps.store.db
      .select({ id: certifications.id })
      .from(certifications)
      .where(eq(certifications.idnumber, idnumber))
      .limit(1)
  ).at(0)?.id as number;
const idnumbers = (list: { idnumber: string }[]) => list.map((c) => c.idnumber);

describe('tool_mucertify_get_certifications', () => {
  it('returns every certification with the fields of the reference', async () => {
    const out = await callFunction(t.deps, 'tool_mucertify_get_certifications', 'manager', { fieldvalues: [] });
    expect(idnumbers(out)).toEqual(['FAW', 'FIREWARDEN', 'FORK2019']);
    expect(out[0]).toEqual({
      id: await cert('FAW'),
      contextid: 1,
      fullname: 'First Aid at Work',
      idnumber: 'FAW',
      description: '<p>Annual first aid certification for all staff.</p>',
      descriptionformat: 1,
      publicaccess: true,
      archived: false,
      programid1: 101,
      programid2: 102,
      templateid: 1,
      recertify: 30 * DAY,
      periodsjson: expect.stringContaining('"resettype1":"standard"'),
      timecreated: NOW - 400 * DAY,
      sources: ['cohort', 'manual'],
      cohortids: [],
    });
    expect(JSON.parse(out[0].periodsjson)).toMatchObject({ due1: 30 * DAY });
    expect(out[1]).toMatchObject({
      publicaccess: false,
      programid2: null,
      templateid: null,
      recertify: null,
      cohortids: [1, 2],
    });
  });

  it.each([
    [[{ field: 'idnumber', value: 'FIREWARDEN' }], ['FIREWARDEN']],
    [[{ field: 'fullname', value: 'First Aid at Work' }], ['FAW']],
    [[{ field: 'archived', value: '1' }], ['FORK2019']],
    [[{ field: 'publicaccess', value: 'true' }], ['FAW']],
    [
      [
        { field: 'archived', value: '0' },
        { field: 'publicaccess', value: '0' },
      ],
      ['FIREWARDEN'],
    ],
    [[{ field: 'contextid', value: '1' }], ['FAW', 'FIREWARDEN', 'FORK2019']],
    [[{ field: 'tenantid', value: null }], ['FAW', 'FIREWARDEN', 'FORK2019']],
    [[{ field: 'tenantid', value: '5' }], []],
    [[{ field: 'id', value: '99999' }], []],
  ])('filters by %j', async (fieldvalues, expected) => {
    const out = await callFunction(t.deps, 'tool_mucertify_get_certifications', 'manager', { fieldvalues });
    expect(idnumbers(out)).toEqual(expected);
  });

  it('finds a certification by id', async () => {
    const out = await callFunction(t.deps, 'tool_mucertify_get_certifications', 'manager', {
      fieldvalues: [{ field: 'id', value: String(await cert('FORK2019')) }],
    });
    expect(out).toEqual([
      expect.objectContaining({ fullname: 'Forklift Operator (2019 scheme)', archived: true, sources: ['manual'] }),
    ]);
  });

  it.each([
    [[{ field: 'name', value: 'x' }], 'Invalid field name: name'],
    [
      [
        { field: 'id', value: '1' },
        { field: 'id', value: '2' },
      ],
      'Invalid duplicate field name: id',
    ],
    [[{ field: 'id', value: 'abc' }], 'Invalid value for field id'],
    [[{ field: 'archived', value: 'maybe' }], 'Invalid value for field archived'],
    [[{ field: 'idnumber', value: null }], 'Field value cannot be NULL: idnumber'],
  ])('rejects %j', async (fieldvalues, debuginfo) => {
    const e = await callError(t.deps, 'tool_mucertify_get_certifications', 'manager', { fieldvalues });
    expect(e).toMatchObject({ exception: 'invalid_parameter_exception', errorcode: 'invalidparameter' });
    expect(e.debuginfo).toContain(debuginfo);
  });

  it('requires fieldvalues', async () => {
    const e = await callError(t.deps, 'tool_mucertify_get_certifications', 'manager', {});
    expect(e.exception).toBe('invalid_parameter_exception');
  });

  it('refuses a caller without tool/mucertify:view', async () => {
    for (const who of ['student', 'teacher']) {
      const e = await callError(t.deps, 'tool_mucertify_get_certifications', who, { fieldvalues: [] });
      expect(e).toMatchObject({
        exception: 'required_capability_exception',
        errorcode: 'nopermissions',
        debuginfo: 'tool/mucertify:view',
      });
    }
  });
});

describe('tool_mucertify_get_certification_assignments', () => {
  it('returns all assignments of a certification with what may be done with them', async () => {
    const out = await callFunction(t.deps, 'tool_mucertify_get_certification_assignments', 'manager', {
      certificationid: await cert('FAW'),
    });
    expect(out.map((a: { userid: number }) => a.userid)).toEqual([t.ids.student, t.ids.student2, t.ids.teacher]);
    expect(out[0]).toEqual({
      id: expect.any(Number),
      certificationid: await cert('FAW'),
      userid: t.ids.student,
      sourceid: DEMO_CERTIFICATION_SOURCES.firstaid.manual,
      sourcetype: 'manual',
      archived: false,
      timecertifiedtemp: null,
      evidencejson: '{}',
      timecertifiedfrom: NOW - 380 * DAY,
      timecertifieduntil: NOW + 350 * DAY,
      timecreated: NOW - 396 * DAY,
      deletepossible: false,
      archivepossible: true,
      restorepossible: false,
    });
    expect(out[1]).toMatchObject({
      sourcetype: 'cohort',
      timecertifiedfrom: null,
      timecertifieduntil: null,
      deletepossible: true,
    });
    // A revoked period does not count as certified; a temporary certification covers the teacher.
    expect(out[2]).toMatchObject({ timecertifiedtemp: NOW + 30 * DAY, deletepossible: true });
    expect(JSON.parse(out[2].evidencejson)).toEqual({ details: 'Red Cross certificate RC-88231' });
  });

  it('filters by user; an empty list means everybody', async () => {
    const one = await callFunction(t.deps, 'tool_mucertify_get_certification_assignments', 'manager', {
      certificationid: await cert('FAW'),
      userids: [t.ids.student2, t.ids.admin],
    });
    expect(one.map((a: { userid: number }) => a.userid)).toEqual([t.ids.student2]);
    const all = await callFunction(t.deps, 'tool_mucertify_get_certification_assignments', 'manager', {
      certificationid: await cert('FIREWARDEN'),
      userids: [],
    });
    expect(all.map((a: { userid: number; sourcetype: string }) => [a.userid, a.sourcetype])).toEqual([
      [t.ids.teacher, 'manual'],
      [t.ids.manager, 'approval'],
    ]);
  });

  it('lets nothing change in an archived certification', async () => {
    const out = await callFunction(t.deps, 'tool_mucertify_get_certification_assignments', 'manager', {
      certificationid: await cert('FORK2019'),
    });
    expect(out).toEqual([
      expect.objectContaining({
        userid: t.ids.student,
        archived: true,
        deletepossible: false,
        archivepossible: false,
        restorepossible: false,
      }),
    ]);
  });

  it('reports a missing certification', async () => {
    const e = await callError(t.deps, 'tool_mucertify_get_certification_assignments', 'manager', {
      certificationid: 99_999,
    });
    expect(e).toMatchObject({
      exception: 'dml_missing_record_exception',
      errorcode: 'invalidrecord',
      message: "Can't find data record in database table tool_mucertify_certification.",
    });
  });

  it('refuses a caller without tool/mucertify:view', async () => {
    const e = await callError(t.deps, 'tool_mucertify_get_certification_assignments', 'student', {
      certificationid: await cert('FAW'),
    });
    expect(e.errorcode).toBe('nopermissions');
  });
});

describe('tool_mucertify_get_certification_periods', () => {
  it("returns a user's periods ordered by timewindowstart", async () => {
    const out = await callFunction(t.deps, 'tool_mucertify_get_certification_periods', 'manager', {
      certificationid: await cert('FAW'),
      userid: t.ids.student,
    });
    expect(out.map((p: { programid: number }) => p.programid)).toEqual([101, 102]);
    expect(out[0]).toEqual({
      id: expect.any(Number),
      certificationid: await cert('FAW'),
      userid: t.ids.student,
      programid: 101,
      timewindowstart: NOW - 395 * DAY,
      timewindowdue: NOW - 365 * DAY,
      timewindowend: null,
      allocationid: 1001,
      timecertified: NOW - 380 * DAY,
      timefrom: NOW - 380 * DAY,
      timeuntil: NOW - 15 * DAY,
      timerevoked: null,
      evidencejson: '{}',
      recertifiable: false,
    });
    expect(out[1]).toMatchObject({ allocationid: 1002, timefrom: NOW - 15 * DAY, recertifiable: true });
  });

  it('shows unallocated and revoked periods', async () => {
    const [open] = await callFunction(t.deps, 'tool_mucertify_get_certification_periods', 'manager', {
      certificationid: await cert('FAW'),
      userid: t.ids.student2,
    });
    expect(open).toMatchObject({
      allocationid: null,
      timecertified: null,
      timefrom: null,
      timeuntil: null,
      recertifiable: false,
    });
    const [revoked] = await callFunction(t.deps, 'tool_mucertify_get_certification_periods', 'manager', {
      certificationid: await cert('FAW'),
      userid: t.ids.teacher,
    });
    expect(revoked).toMatchObject({ timecertified: NOW - 100 * DAY, timerevoked: NOW - 10 * DAY });
    expect(JSON.parse(revoked.evidencejson)).toHaveProperty('reason');
    const none = await callFunction(t.deps, 'tool_mucertify_get_certification_periods', 'manager', {
      certificationid: await cert('FIREWARDEN'),
      userid: t.ids.student,
    });
    expect(none).toEqual([]);
  });

  it('reports a missing certification, a missing user and a deleted user', async () => {
    const e1 = await callError(t.deps, 'tool_mucertify_get_certification_periods', 'manager', {
      certificationid: 99_999,
      userid: t.ids.student,
    });
    expect(e1.message).toContain('tool_mucertify_certification');
    const e2 = await callError(t.deps, 'tool_mucertify_get_certification_periods', 'manager', {
      certificationid: await cert('FAW'),
      userid: 99_999,
    });
    expect(e2).toMatchObject({
      exception: 'dml_missing_record_exception',
      message: "Can't find data record in database table user.",
    });
    await t.deps.store.db.update(users).set({ deleted: true }).where(eq(users.username, 'student2'));
    const e3 = await callError(t.deps, 'tool_mucertify_get_certification_periods', 'manager', {
      certificationid: await cert('FAW'),
      userid: t.ids.student2,
    });
    expect(e3.exception).toBe('dml_missing_record_exception');
    await t.deps.store.db.update(users).set({ deleted: false }).where(eq(users.username, 'student2'));
  });

  it('refuses a caller without tool/mucertify:view', async () => {
    const e = await callError(t.deps, 'tool_mucertify_get_certification_periods', 'student', {
      certificationid: await cert('FAW'),
      userid: t.ids.student,
    });
    expect(e.errorcode).toBe('nopermissions');
  });
});
