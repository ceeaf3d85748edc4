import { type EndpointDoc, FILE_ENDPOINTS, MOODLE_DIFFERENCES, SOAP_STYLES } from '@gatehouse/shared';
import { markdownText as md } from './markdown';

// The OpenAPI side of the endpoint documentation (packages/shared endpoint-docs.ts): Moodle's file
// endpoints as operations, and the paragraphs on SOAP and on the differences from Moodle that
// every document's description carries. Text from the shared documentation is escaped for
// CommonMark (`md`), so nothing in it can become markup.

type Schema = Record<string, unknown>;

/** Which file endpoints a document lists: the ones its service's flags allow (everything: both). */
export interface FileAccess {
  download: boolean;
  upload: boolean;
}

/** Moodle's AJAX error object, what the file endpoints answer on an error. */
export const MOODLE_AJAX_ERROR: Schema = {
  type: 'object',
  description:
    "Moodle's AJAX error object (as login/token.php's). HTTP 200 unless the endpoint's table says otherwise.",
  properties: {
    error: { type: 'string', examples: ['Invalid token - token not found'] },
    errorcode: { type: 'string', examples: ['invalidtoken'] },
    stacktrace: { type: 'null', description: 'Always null in Gatehouse.' },
    debuginfo: { type: ['string', 'null'], description: 'Only when the debugging level is developer.' },
    reproductionlink: { type: ['string', 'null'] },
  },
  required: ['error', 'errorcode', 'stacktrace', 'debuginfo', 'reproductionlink'],
};

const FILE_RECORD_SCHEMA: Schema = {
  type: 'object',
  description:
    "A stored file's record, in Moodle's key order; a file that could not be stored has filename, errortype and error instead.",
  properties: {
    component: { type: 'string', examples: ['user'] },
    contextid: { type: 'integer' },
    userid: { type: 'string', description: 'A string, as PHP reads ids from the database.' },
    filearea: { type: 'string', enum: ['draft', 'private'] },
    filename: { type: 'string' },
    filepath: { type: 'string', examples: ['/'] },
    itemid: { type: 'integer' },
    license: { type: 'string' },
    author: { type: 'string' },
    source: { type: 'string', description: 'PHP serialize() of {source: filename}.' },
    errortype: { type: 'string', enum: ['fileoversized', 'filenameexist'] },
    error: { type: 'string' },
  },
};

/** An error code as a CommonMark code span (codes are letters, digits and underscores), else escaped text. */
const code = (s: string) => (/^[a-z0-9_]+$/.test(s) ? `\`${s}\`` : md(s));

function describe(doc: EndpointDoc): string {
  const errors = doc.errors.map(
    (e) => `- HTTP ${e.status}, ${code(e.errorcode)}: "${md(e.message)}", when ${md(e.when)}.`,
  );
  const answers = doc.answers.map((a) => `- ${a.status}: ${md(a.description)}`);
  return [
    md(doc.summary),
    ...doc.details.map(md),
    `Moodle's form of the URL: ${md(doc.path)}.`,
    `Answers:\n\n${answers.join('\n')}`,
    `Errors, in Moodle's AJAX error object:\n\n${errors.join('\n')}`,
  ].join('\n\n');
}

const fileArgument = (doc: EndpointDoc, key: boolean): Schema => ({
  name: 'file',
  in: 'query',
  required: true,
  description: md(
    key
      ? `/<userprivateaccesskey>/<contextid>/<component>/<filearea>/<itemid>/<path>: the same as ${doc.path}, with the key first.`
      : `The file, /<contextid>/<component>/<filearea>/<itemid>/<path>: the same as ${doc.path}.`,
  ),
  schema: { type: 'string' },
});

function queryParams(doc: EndpointDoc): Schema[] {
  return doc.parameters
    .filter((p) => p.in === 'query' && p.name !== 'token')
    .map((p) => ({
      name: p.name,
      in: 'query',
      required: p.required,
      description: md(p.description),
      schema: { type: 'string' },
    }));
}

const DOWNLOAD_RESPONSES = (doc: EndpointDoc): Schema => ({
  '200': {
    description: 'The file (or, on an error, the AJAX error object).',
    content: {
      'application/octet-stream': { schema: { type: 'string', format: 'binary' } },
      'application/json': { schema: { $ref: '#/components/schemas/MoodleAjaxError' } },
    },
  },
  ...Object.fromEntries(
    doc.answers.filter((a) => a.status !== 200).map((a) => [String(a.status), { description: a.description }]),
  ),
  ...Object.fromEntries(
    doc.errors
      .filter((e) => e.status !== 200)
      .map((e) => [
        String(e.status),
        {
          description: `${e.errorcode}: ${e.message}`,
          content: { 'application/json': { schema: { $ref: '#/components/schemas/MoodleAjaxError' } } },
        },
      ]),
  ),
});

function byId(id: string): EndpointDoc {
  const doc = FILE_ENDPOINTS.find((d) => d.id === id);
  if (!doc) throw new Error(`No file endpoint ${id}`);
  return doc;
}

function downloadOperation(doc: EndpointDoc, withToken: boolean): Schema {
  return {
    operationId: `file_${doc.id}`,
    summary: doc.title,
    description: describe(doc),
    tags: ['files'],
    parameters: [fileArgument(doc, !withToken), ...queryParams(doc)],
    // The token as the file scripts take it (token=, not wstoken=), or Bearer; the key itself is the credential of tokenpluginfile.php.
    security: withToken ? [{ bearerToken: [] }, { fileToken: [] }] : [],
    responses: DOWNLOAD_RESPONSES(doc),
  };
}

function uploadOperation(doc: EndpointDoc): Schema {
  const form = doc.parameters.filter((p) => p.in === 'form');
  const field = (name: string) => md(form.find((p) => p.name === name)?.description ?? '');
  return {
    operationId: 'file_upload',
    summary: doc.title,
    description: describe(doc),
    tags: ['files'],
    security: [{ bearerToken: [] }, { fileToken: [] }, {}],
    requestBody: {
      required: true,
      content: {
        'multipart/form-data': {
          schema: {
            type: 'object',
            properties: {
              token: { type: 'string', description: field('token') },
              filearea: {
                type: 'string',
                enum: ['draft', 'private'],
                default: 'private',
                description: field('filearea'),
              },
              itemid: { type: 'integer', default: 0, description: field('itemid') },
              filepath: { type: 'string', default: '/', description: field('filepath') },
            },
            additionalProperties: { type: 'string', format: 'binary', description: 'A file (any field name).' },
          },
        },
      },
    },
    responses: {
      '200': {
        description: "The stored files' records, or the AJAX error object.",
        content: {
          'application/json': {
            schema: {
              oneOf: [{ type: 'array', items: FILE_RECORD_SCHEMA }, { $ref: '#/components/schemas/MoodleAjaxError' }],
            },
          },
        },
      },
      '413': {
        description: 'The request is larger than the server takes (upload_error_ini_size).',
        content: { 'application/json': { schema: { $ref: '#/components/schemas/MoodleAjaxError' } } },
      },
    },
  };
}

/** The file endpoints' paths for a document whose service has these flags. */
export function fileEndpointPaths(access: FileAccess): Record<string, Schema> {
  const paths: Record<string, Schema> = {};
  if (access.upload) paths['/webservice/upload.php'] = { post: uploadOperation(byId('upload')) };
  if (access.download) {
    paths['/webservice/pluginfile.php'] = { get: downloadOperation(byId('pluginfile'), true) };
    paths['/webservice/draftfile.php'] = { get: downloadOperation(byId('draftfile'), true) };
    paths['/tokenpluginfile.php'] = { get: downloadOperation(byId('tokenpluginfile'), false) };
  }
  return paths;
}

/** The paragraphs every document's description ends with: the SOAP styles and the differences from Moodle. */
export function protocolNotes(baseUrl: string): string {
  const soap = SOAP_STYLES.map((s) => `- ${md(s.title)}: ${md(s.summary)} WSDL: ${md(s.wsdl(baseUrl))}`);
  const diffs = MOODLE_DIFFERENCES.map((d) => `- ${md(d.topic)}: ${md(d.gatehouse)}`);
  return [
    `SOAP, at /webservice/soap/server.php, in two styles:\n\n${soap.join('\n')}`,
    `Where Gatehouse differs from Moodle on purpose:\n\n${diffs.join('\n')}`,
  ].join('\n\n');
}
