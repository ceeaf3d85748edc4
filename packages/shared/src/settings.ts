import { z } from 'zod';

/** Protocols in the order Moodle lists them on Manage protocols. */
export const PROTOCOLS = ['rest', 'soap', 'xmlrpc', 'amf'] as const;
export type Protocol = (typeof PROTOCOLS)[number];
export const PROTOCOL_LABELS: Record<Protocol, string> = {
  rest: 'REST protocol',
  soap: 'SOAP protocol',
  xmlrpc: 'XML-RPC protocol',
  amf: 'AMF protocol',
};

const DEBUG_LEVELS = ['none', 'normal', 'developer'] as const;
export type DebugLevel = (typeof DEBUG_LEVELS)[number];

const bool01 = z.enum(['0', '1'], { message: 'Must be 0 or 1' });

/**
 * The largest byte count a size setting may hold: XML-RPC's `int` is 32 bits, and site info
 * reports both `userquota` and `usermaxuploadfilesize` as ints on every protocol.
 */
const MAX_SIZE_SETTING = 2_147_483_647;
/** Moodle's default `userquota`: 100 MB. */
const DEFAULT_USERQUOTA = 104_857_600;

const byteCount = z
  .string()
  .regex(/^(0|[1-9]\d*)$/, 'A whole number of bytes (digits only, no leading zeros)')
  .refine((v) => v.length <= 10 && Number(v) <= MAX_SIZE_SETTING, `At most ${MAX_SIZE_SETTING} bytes`);

const protocolList = z
  .string()
  .refine(
    (v) =>
      v === '' ||
      v.split(',').every((p, i, all) => (PROTOCOLS as readonly string[]).includes(p) && all.indexOf(p) === i),
    { message: `A comma-separated list of distinct protocols from: ${PROTOCOLS.join(', ')}` },
  );

/**
 * Every site setting, with Moodle's name, its default and its validation. Values are strings
 * as in Moodle's config table; booleans are "1"/"0".
 */
export const SETTING_DEFS = {
  enablewebservices: { label: 'Enable web services', default: '0', schema: bool01 },
  webserviceprotocols: { label: 'Active web service protocols', default: '', schema: protocolList },
  enablewsdocumentation: { label: 'Web services documentation', default: '0', schema: bool01 },
  enablemobilewebservice: { label: 'Enable web services for mobile devices', default: '0', schema: bool01 },
  maintenance_enabled: { label: 'Maintenance mode', default: '0', schema: bool01 },
  maintenance_message: {
    label: 'Maintenance message',
    default: 'This site is undergoing maintenance and is currently not available.',
    schema: z.string().max(2000, 'At most 2000 characters'),
  },
  debug: {
    label: 'Debug messages',
    default: 'none',
    schema: z.enum(DEBUG_LEVELS, { message: 'none, normal or developer' }),
  },
  tokenduration: {
    label: 'User created token duration',
    default: String(12 * 7 * 24 * 3600),
    schema: z
      .string()
      .regex(/^\d+$/, 'A whole number of seconds')
      .refine((v) => Number(v) >= 60 && Number(v) <= 10 * 366 * 24 * 3600, 'Between one minute and ten years'),
  },
  /** The largest file a user may upload, in bytes; 0 means the server's own limit (Moodle's `maxbytes`). */
  maxbytes: { label: 'Maximum uploaded file size', default: '0', schema: byteCount },
  /** What a user may store in their own file areas, in bytes (Moodle's `userquota`). */
  userquota: { label: 'User quota', default: String(DEFAULT_USERQUOTA), schema: byteCount },
} as const satisfies Record<string, { label: string; default: string; schema: z.ZodType<string> }>;

export type SettingName = keyof typeof SETTING_DEFS;
export const SETTING_NAMES = Object.keys(SETTING_DEFS) as SettingName[];
export type Settings = Record<SettingName, string>;

export function isSettingName(name: string): name is SettingName {
  return Object.hasOwn(SETTING_DEFS, name);
}

/** A partial update of settings: only known names, each value validated by its own rule. */
export const settingsPatchSchema = z
  .object(
    Object.fromEntries(SETTING_NAMES.map((n) => [n, SETTING_DEFS[n].schema.optional()])) as {
      [K in SettingName]: z.ZodOptional<(typeof SETTING_DEFS)[K]['schema']>;
    },
  )
  .strict();
export type SettingsPatch = z.infer<typeof settingsPatchSchema>;

export function parseProtocols(value: string): Protocol[] {
  return value
    .split(',')
    .map((p) => p.trim())
    .filter((p): p is Protocol => (PROTOCOLS as readonly string[]).includes(p));
}
