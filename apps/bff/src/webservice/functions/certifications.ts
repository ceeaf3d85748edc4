import { type Infer, multiple, single, value } from '@gatehouse/shared';
import {
  type CertificationFilter,
  type CertificationRow,
  certifiedUserIds,
  findCertification,
  listAssignments,
  listCertifications,
  listPeriods,
} from '../../features/certifications/certifications.repo';
import { invalidParameter, missingRecord } from '../exceptions';
import { type CallContext, defineFunction, perRecord } from '../types';
import { requireUser } from './common';

// The certifications plugin's web services (tool_mucertify), with the parameters and return
// fields of its reference: bool fields are PARAM_BOOL, JSON strings PARAM_RAW, nullable dates
// and ids are ints that may be null (Moodle's NULL_ALLOWED).

const CAP = 'tool/mucertify:view';
const CAP_NAME = 'View certifications';

async function requireCertification(ctx: CallContext, id: number): Promise<CertificationRow> {
  const c = await findCertification(ctx.deps.store.db, id);
  if (!c) throw missingRecord('tool_mucertify_certification', `No certification with id ${id}`);
  return c;
}

function jsonList<T>(text: string): T[] {
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) ? (v as T[]) : [];
  } catch {
    return [];
  }
}

// ---- tool_mucertify_get_certifications ------------------------------------------------------

const SEARCH_FIELDS = ['id', 'contextid', 'fullname', 'idnumber', 'publicaccess', 'archived', 'tenantid'] as const;
type SearchField = (typeof SEARCH_FIELDS)[number];

function intValue(field: string, v: string): number {
  if (!/^-?\d+$/.test(v.trim())) throw invalidParameter(`Invalid value for field ${field}: ${v} (a whole number)`);
  return Number(v.trim());
}

function boolValue(field: string, v: string): boolean {
  const t = v.trim().toLowerCase();
  if (t === '1' || t === 'true') return true;
  if (t === '0' || t === 'false' || t === '') return false;
  throw invalidParameter(`Invalid value for field ${field}: ${v} (0 or 1)`);
}

const getCertificationsParameters = single({
  fieldvalues: multiple(
    single({
      field: value(
        'alpha',
        'The name of the field to be searched by. Accepted fields: id, contextid, fullname, idnumber, publicaccess, archived, tenantid',
      ),
      value: value('raw', 'Value of the field to be searched, NULL allowed only for tenantid', { allowNull: true }),
    }),
    'List of field/value pairs to filter by',
  ),
});

/** The search as a filter, checked field by field in the order given. */
function searchFilter(fieldvalues: Infer<typeof getCertificationsParameters>['fieldvalues']): CertificationFilter {
  const filter: CertificationFilter = {};
  for (const { field, value: v } of fieldvalues) {
    if (!(SEARCH_FIELDS as readonly string[]).includes(field)) {
      throw invalidParameter(`Invalid field name: ${field} (accepted: ${SEARCH_FIELDS.join(', ')})`);
    }
    if (field in filter) throw invalidParameter(`Invalid duplicate field name: ${field}`);
    const f = field as SearchField;
    if (f === 'tenantid') {
      // NULL, empty or 0 means certifications outside any tenant.
      filter.tenantid = v === null || v.trim() === '' || v.trim() === '0' ? null : intValue(f, v);
      continue;
    }
    if (v === null) throw invalidParameter(`Field value cannot be NULL: ${field}`);
    switch (f) {
      case 'id':
      case 'contextid':
        filter[f] = intValue(f, v);
        break;
      case 'fullname':
      case 'idnumber':
        filter[f] = v;
        break;
      case 'publicaccess':
      case 'archived':
        filter[f] = boolValue(f, v);
        break;
    }
  }
  return filter;
}

const getCertifications = defineFunction({
  name: 'tool_mucertify_get_certifications',
  component: 'tool_mucertify',
  description:
    'Returns a list of certifications matching the given search parameters (all of them when no field is given; several fields must all match).',
  type: 'read',
  capabilities: [perRecord(CAP, 'in the context of each certification')],
  example: { fieldvalues: [{ field: 'archived', value: '0' }] },
  parameters: getCertificationsParameters,
  returns: multiple(
    single({
      id: value('int', 'Certification id'),
      contextid: value('int', 'Certification context id'),
      fullname: value('text', 'Certification full name'),
      idnumber: value('raw', 'Certification ID number'),
      description: value('raw', 'Description text in original format'),
      descriptionformat: value('int', 'Description text format'),
      publicaccess: value('bool', 'Public access flag'),
      archived: value('bool', 'Archived flag. Archived certifications should not change.'),
      programid1: value('int', 'First (initial) program id'),
      programid2: value('int', 'Re-certification program id', { allowNull: true }),
      templateid: value('int', 'Certificate template id', { allowNull: true }),
      recertify: value(
        'int',
        'NULL means no automatic recertification. Otherwise the number of seconds before the end of the last period when the recertification window opens.',
        { allowNull: true },
      ),
      periodsjson: value('raw', 'Period defaults in JSON format'),
      timecreated: value('int', 'Certification creation date'),
      sources: multiple(value('text', 'Internal source name'), 'Enabled assignment source names'),
      cohortids: multiple(value('int', 'Cohort id'), 'Visible cohort ids for non-public certifications'),
    }),
    'List of certifications',
  ),
  async execute(ctx, { fieldvalues }) {
    // Moodle checks this per record, in its context (see capabilities); Gatehouse's roles hold
    // site-wide, so one check up front gives every record the same answer.
    ctx.requireCapability(CAP, CAP_NAME);
    const rows = await listCertifications(ctx.deps.store.db, searchFilter(fieldvalues));
    return rows.map((c) => ({
      id: c.id,
      contextid: c.contextid,
      fullname: c.fullname,
      idnumber: c.idnumber,
      description: c.description,
      descriptionformat: c.descriptionformat,
      publicaccess: c.publicaccess,
      archived: c.archived,
      programid1: c.programid1,
      programid2: c.programid2,
      templateid: c.templateid,
      recertify: c.recertify,
      periodsjson: c.periodsjson,
      timecreated: c.timecreated,
      sources: jsonList<string>(c.sources).map(String).sort(),
      cohortids: jsonList<number>(c.cohortids).map(Number),
    }));
  },
});

// ---- tool_mucertify_get_certification_assignments -------------------------------------------

const getCertificationAssignments = defineFunction({
  name: 'tool_mucertify_get_certification_assignments',
  component: 'tool_mucertify',
  description: 'Returns a list of assignments for a given certification, optionally filtered by user.',
  type: 'read',
  capabilities: [perRecord(CAP, 'in the context of the certification')],
  example: { certificationid: 1 },
  parameters: single({
    certificationid: value('int', 'Certification id'),
    userids: multiple(
      value('int', 'User id'),
      'Optional list of user ids. Empty or left out means all assigned users.',
      {
        optional: true,
      },
    ),
  }),
  returns: multiple(
    single({
      id: value('int', 'Assignment id'),
      certificationid: value('int', 'Certification id'),
      userid: value('int', 'User id'),
      sourceid: value('int', 'Assignment source id'),
      sourcetype: value('text', 'Internal source type'),
      archived: value('bool', 'Archived flag. Archived assignments should not change.'),
      timecertifiedtemp: value('int', 'Temporary certification valid-until date', { allowNull: true }),
      evidencejson: value('raw', 'Other evidence for temporary certification'),
      timecertifiedfrom: value('int', 'Date of first certification period start', { allowNull: true }),
      timecertifieduntil: value('int', 'Date of latest certification period end', { allowNull: true }),
      timecreated: value('int', 'Assignment date'),
      deletepossible: value('bool', 'Whether deletion is possible'),
      archivepossible: value('bool', 'Whether archiving is possible'),
      restorepossible: value('bool', 'Whether restoring is possible'),
    }),
    'List of certification assignments',
  ),
  async execute(ctx, { certificationid, userids }) {
    // Moodle checks this per record, in its context (see capabilities); Gatehouse's roles hold
    // site-wide, so one check up front gives every record the same answer.
    ctx.requireCapability(CAP, CAP_NAME);
    const certification = await requireCertification(ctx, certificationid);
    const db = ctx.deps.store.db;
    const rows = await listAssignments(db, certification.id, userids);
    // A user with a certified, not revoked period keeps the assignment: it can be archived, not deleted.
    const certified = new Set(await certifiedUserIds(db, certification.id));
    return rows.map((a) => ({
      id: a.id,
      certificationid: a.certificationId,
      userid: a.userId,
      sourceid: a.sourceid,
      sourcetype: a.sourcetype,
      archived: a.archived,
      timecertifiedtemp: a.timecertifiedtemp,
      evidencejson: a.evidencejson,
      timecertifiedfrom: a.timecertifiedfrom,
      timecertifieduntil: a.timecertifieduntil,
      timecreated: a.timecreated,
      deletepossible: !certification.archived && !certified.has(a.userId),
      archivepossible: !certification.archived && !a.archived,
      restorepossible: !certification.archived && a.archived,
    }));
  },
});

// ---- tool_mucertify_get_certification_periods -----------------------------------------------

const getCertificationPeriods = defineFunction({
  name: 'tool_mucertify_get_certification_periods',
  component: 'tool_mucertify',
  description:
    'Returns the list of certification periods for a given certification and user, ordered by timewindowstart.',
  type: 'read',
  capabilities: [perRecord(CAP, 'in the context of the certification')],
  example: { certificationid: 1, userid: 5 },
  parameters: single({
    certificationid: value('int', 'Certification id'),
    userid: value('int', 'User id'),
  }),
  returns: multiple(
    single({
      id: value('int', 'Period id'),
      certificationid: value('int', 'Certification id'),
      userid: value('int', 'User id'),
      programid: value('int', 'Program id associated with this period'),
      timewindowstart: value('int', 'Program allocation start date for this period'),
      timewindowdue: value('int', 'Program allocation due date for this period', { allowNull: true }),
      timewindowend: value('int', 'Program allocation end date for this period', { allowNull: true }),
      allocationid: value(
        'int',
        'Program allocation id. NULL means not yet allocated; 0 indicates an error; value is kept after de-allocation.',
        { allowNull: true },
      ),
      timecertified: value(
        'int',
        'Certification date. Usually matches program completion, but can be overridden with admin capability.',
        { allowNull: true },
      ),
      timefrom: value('int', 'Start date of validity. Required when timecertified is set.', { allowNull: true }),
      timeuntil: value('int', 'End date of validity. Required when timecertified is set.', { allowNull: true }),
      timerevoked: value(
        'int',
        'When set, the user is not considered certified even if timecertified is present. Must be set before deleting a period.',
        { allowNull: true },
      ),
      evidencejson: value('raw', 'Alternative certification evidence or revoking details'),
      recertifiable: value(
        'bool',
        'Whether this period is a candidate for recertification. Expected only on the last non-revoked period.',
      ),
    }),
    'List of certification periods',
  ),
  async execute(ctx, { certificationid, userid }) {
    // Moodle checks this per record, in its context (see capabilities); Gatehouse's roles hold
    // site-wide, so one check up front gives every record the same answer.
    ctx.requireCapability(CAP, CAP_NAME);
    const certification = await requireCertification(ctx, certificationid);
    const db = ctx.deps.store.db;
    const user = await requireUser(db, userid);
    return (await listPeriods(db, certification.id, user.id)).map((p) => ({
      id: p.id,
      certificationid: p.certificationId,
      userid: p.userId,
      programid: p.programid,
      timewindowstart: p.timewindowstart,
      timewindowdue: p.timewindowdue,
      timewindowend: p.timewindowend,
      allocationid: p.allocationid,
      timecertified: p.timecertified,
      timefrom: p.timefrom,
      timeuntil: p.timeuntil,
      timerevoked: p.timerevoked,
      evidencejson: p.evidencejson,
      recertifiable: p.recertifiable,
    }));
  },
});

export const CERTIFICATION_FUNCTIONS = [getCertifications, getCertificationAssignments, getCertificationPeriods];
