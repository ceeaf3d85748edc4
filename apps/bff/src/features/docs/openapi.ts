import { type ExternalDescription, type OpenApiDocumentDto, PARAM_PATTERNS, type ParamType } from '@gatehouse/shared';
import type { ExternalFunction } from '../../webservice/types';
import { exampleArgs } from './examples';
import { type FileAccess, fileEndpointPaths, MOODLE_AJAX_ERROR, protocolNotes } from './openapi-files';

type Schema = Record<string, unknown>;

/** What JSON Schema says of a string type beyond `string`: the validator's own pattern, or a format. */
const STRING_FORMATS: Partial<Record<ParamType, Schema>> = {
  email: { format: 'email' },
  url: { format: 'uri' },
  ...Object.fromEntries(Object.entries(PARAM_PATTERNS).map(([type, re]) => [type, { pattern: re.source }])),
};

/** JSON Schema (2020-12, as OpenAPI 3.1 uses it) for a description. */
function toSchema(desc: ExternalDescription): Schema {
  const base: Schema = desc.desc ? { description: desc.desc } : {};
  if (desc.presence === 'default' && desc.default !== undefined && desc.default !== null) base.default = desc.default;
  if (desc.kind === 'value') {
    const type =
      desc.type === 'int' ? 'integer' : desc.type === 'float' ? 'number' : desc.type === 'bool' ? 'boolean' : 'string';
    return {
      ...base,
      type: desc.allowNull ? [type, 'null'] : type,
      ...(type === 'string' ? STRING_FORMATS[desc.type] : {}),
      'x-moodle-type': desc.type,
    };
  }
  if (desc.kind === 'multiple') return { ...base, type: 'array', items: toSchema(desc.content) };
  const required = Object.entries(desc.keys)
    .filter(([, d]) => d.presence === 'required')
    .map(([k]) => k);
  return {
    ...base,
    type: 'object',
    properties: Object.fromEntries(Object.entries(desc.keys).map(([k, d]) => [k, toSchema(d)])),
    ...(required.length ? { required } : {}),
    additionalProperties: false,
  };
}

const EXCEPTION_SCHEMA: Schema = {
  type: 'object',
  description: "Moodle's error shape. HTTP status is 200, as Moodle answers function errors.",
  properties: {
    exception: { type: 'string', examples: ['webservice_access_exception'] },
    errorcode: { type: 'string', examples: ['accessexception'] },
    message: { type: 'string', examples: ['Access control exception'] },
    debuginfo: { type: 'string', description: 'Only when the debugging level is normal or developer.' },
  },
  required: ['exception', 'errorcode', 'message'],
};

/**
 * An OpenAPI 3.1 document for the REST endpoint, one operation per function, and Moodle's file
 * endpoints that the service's flags open (`files`). The description ends with the SOAP styles and
 * the differences from Moodle.
 */
export function buildOpenApi(opts: {
  title: string;
  description: string;
  baseUrl: string;
  functions: readonly ExternalFunction[];
  files: FileAccess;
}): OpenApiDocumentDto {
  const paths: Record<string, unknown> = {};
  for (const f of opts.functions) {
    const params = toSchema(f.parameters);
    paths[`/webservice/rest/server.php/${f.name}`] = {
      post: {
        operationId: f.name,
        summary: f.description.split(/(?<=\.)\s/)[0],
        description: `${f.description}\n\nType: ${f.type}. Required capabilities: ${f.capabilities.join(', ') || 'none'}.${
          f.deprecated
            ? ` Deprecated since ${f.deprecated.since}${f.deprecated.replacedBy ? `; use ${f.deprecated.replacedBy}` : ''}.`
            : ''
        }\n\nThe same function is also reachable Moodle's way: POST /webservice/rest/server.php with wsfunction=${f.name} and moodlewsrestformat=json.`,
        tags: [f.component],
        ...(f.deprecated ? { deprecated: true } : {}),
        'x-moodle-capabilities': [...f.capabilities],
        'x-moodle-type': f.type,
        requestBody: {
          required: true,
          content: {
            'application/json': { schema: params, example: exampleArgs(f) },
            'application/x-www-form-urlencoded': {
              schema: {
                type: 'object',
                description: 'The same arguments in PHP bracket notation, e.g. groups[0][courseid]=2.',
              },
            },
          },
        },
        responses: {
          '200': {
            description: "The return value, or an exception in Moodle's error shape.",
            content: {
              'application/json': {
                schema: {
                  oneOf: [
                    f.returns ? toSchema(f.returns) : { type: 'null' },
                    { $ref: '#/components/schemas/MoodleException' },
                  ],
                },
              },
            },
          },
          '403': { description: 'The REST protocol is disabled (empty body).' },
        },
      },
    };
  }
  const filePaths = fileEndpointPaths(opts.files);
  Object.assign(paths, filePaths);
  const withFiles = Object.keys(filePaths).length > 0;
  return {
    openapi: '3.1.0',
    info: { title: opts.title, version: '1.0.0', description: `${opts.description}\n\n${protocolNotes(opts.baseUrl)}` },
    servers: [{ url: opts.baseUrl }],
    security: [{ bearerToken: [] }, { wstoken: [] }],
    paths,
    components: {
      securitySchemes: {
        bearerToken: {
          type: 'http',
          scheme: 'bearer',
          description: 'A web-service token (security key). Preferred: tokens in URLs end up in logs.',
        },
        wstoken: { type: 'apiKey', in: 'query', name: 'wstoken', description: "Moodle's way of passing the token." },
        // Only in a document that lists the file endpoints (the service allows downloads or uploads).
        ...(withFiles
          ? {
              fileToken: {
                type: 'apiKey',
                in: 'query',
                name: 'token',
                description: "The token as Moodle's file endpoints take it (token=, or a form field of upload.php).",
              },
            }
          : {}),
      },
      schemas: { MoodleException: EXCEPTION_SCHEMA, MoodleAjaxError: MOODLE_AJAX_ERROR },
    },
  };
}
