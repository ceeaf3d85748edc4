import { z } from 'zod';
import {
  type ExternalDescription,
  type ExternalMultiple,
  type ExternalSingle,
  type ExternalValue,
  PARAM_TYPES,
} from './external/description';
import type { FunctionSummaryDto } from './services';
import { PROTOCOLS, type Protocol } from './settings';

// What the console's documentation endpoints answer (/api/docs/*, /api/me/keys/:id/docs): the
// BFF builds these, the web app reads them. The function documentation carries the description
// model itself, a recursive type that the typed API client cannot follow through JSON, so the
// web app reads those answers through the schemas below instead of asserting their type.

/** Moodle's error shape, as a protocol server answers a failed call (debuginfo only when the debugging level allows). */
export interface WsErrorDto {
  exception: string;
  errorcode: string;
  message: string;
  debuginfo?: string;
}

/** Ready-to-run examples (with a YOUR_TOKEN placeholder), one per protocol the documentation covers: curl, and a Flex RemoteObject for AMF. */
export interface FunctionExamplesDto {
  restForm?: string;
  restJson?: string;
  xmlrpc?: string;
  soap?: string;
  amf?: string;
}

/** One function as the API documentation describes it. */
export interface FunctionDocDto extends FunctionSummaryDto {
  parameters: ExternalSingle;
  returns: ExternalDescription | null;
  /** Arguments that make a plausible call (the examples use them). */
  exampleArgs: Record<string, unknown>;
  examples: FunctionExamplesDto;
  /** What the function answers to bad input, from the real validator. */
  errorExample: WsErrorDto;
}

/** Site administration > Web services > API documentation: every function of the catalogue. */
export interface FunctionDocsDto {
  baseUrl: string;
  /** The protocols the examples cover. */
  protocols: Protocol[];
  /** The protocols enabled on the site now. */
  enabledProtocols: Protocol[];
  functions: FunctionDocDto[];
}

/** Preferences > Security keys > Documentation: the functions one key can call. */
export interface KeyDocsDto extends FunctionDocsDto {
  key: { id: number; name: string; stub: string };
  service: { id: number; name: string; shortname: string };
}

/** What Try it answers: the function's response, or Moodle's error shape. */
export type TryItResultDto = { ok: true; response: unknown } | { ok: false; response: WsErrorDto };

/** An OpenAPI 3.1 document, as JSON. */
export type OpenApiDocumentDto = Record<string, unknown>;

/** One downloadable OpenAPI document of the OpenAPI documents page. */
interface OpenApiDownloadDto {
  functionCount: number;
  /** The download link (the BFF answers it as an attachment). */
  href: string;
  filename: string;
}

/** The OpenAPI documents page: everything, then one document per service. Names are data, to render as text. */
export interface OpenApiDocumentsDto {
  baseUrl: string;
  all: OpenApiDownloadDto;
  services: (OpenApiDownloadDto & {
    id: number;
    name: string;
    shortname: string;
    enabled: boolean;
    builtin: boolean;
    functions: string[];
  })[];
}

// ---- schemas ---------------------------------------------------------------------------------

const presence = z.enum(['required', 'optional', 'default']);

const externalValueSchema: z.ZodType<ExternalValue> = z.object({
  kind: z.literal('value'),
  type: z.enum(PARAM_TYPES),
  allowNull: z.boolean(),
  desc: z.string(),
  presence,
  default: z.unknown().optional(),
});

const externalSingleSchema: z.ZodType<ExternalSingle> = z.object({
  kind: z.literal('single'),
  get keys() {
    return z.record(z.string(), externalDescriptionSchema);
  },
  desc: z.string(),
  presence,
  default: z.unknown().optional(),
});

const externalMultipleSchema: z.ZodType<ExternalMultiple> = z.object({
  kind: z.literal('multiple'),
  get content() {
    return externalDescriptionSchema;
  },
  desc: z.string(),
  presence,
  default: z.unknown().optional(),
});

/** A description (external_value, _single_structure, _multiple_structure) as JSON carries it. */
const externalDescriptionSchema: z.ZodType<ExternalDescription> = z.union([
  externalValueSchema,
  externalSingleSchema,
  externalMultipleSchema,
]);

const wsErrorSchema = z.object({
  exception: z.string(),
  errorcode: z.string(),
  message: z.string(),
  debuginfo: z.string().optional(),
});

const functionDocSchema = z.object({
  name: z.string(),
  component: z.string(),
  description: z.string(),
  type: z.enum(['read', 'write']),
  capabilities: z.array(z.string()),
  deprecated: z.boolean(),
  replacedBy: z.string().nullable(),
  parameters: externalSingleSchema,
  returns: externalDescriptionSchema.nullable(),
  exampleArgs: z.record(z.string(), z.unknown()),
  examples: z.object({
    restForm: z.string().optional(),
    restJson: z.string().optional(),
    xmlrpc: z.string().optional(),
    soap: z.string().optional(),
    amf: z.string().optional(),
  }),
  errorExample: wsErrorSchema,
});

const functionDocsFields = {
  baseUrl: z.string(),
  protocols: z.array(z.enum(PROTOCOLS)),
  enabledProtocols: z.array(z.enum(PROTOCOLS)),
  functions: z.array(functionDocSchema),
};

/** Reads GET /api/docs/functions. */
export const functionDocsSchema: z.ZodType<FunctionDocsDto> = z.object(functionDocsFields);

/** Reads GET /api/me/keys/:id/docs. */
export const keyDocsSchema: z.ZodType<KeyDocsDto> = z.object({
  ...functionDocsFields,
  key: z.object({ id: z.number(), name: z.string(), stub: z.string() }),
  service: z.object({ id: z.number(), name: z.string(), shortname: z.string() }),
});
