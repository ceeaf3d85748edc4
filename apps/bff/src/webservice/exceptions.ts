import type { DomainError, ErrorCode } from '../lib/errors';

/**
 * An error as Moodle's web services report it: the exception class name, an error code, a
 * message, and debug information that is only shown when the debugging level allows.
 * Every protocol encodes these in its own shape (JSON, XML, XML-RPC fault, SOAP fault).
 */
export class MoodleException extends Error {
  constructor(
    readonly exception: string,
    readonly errorcode: string,
    message: string,
    readonly debuginfo?: string,
  ) {
    super(message);
  }
}

/** The debug info of a value the database refused (db/sql.ts isUnstorableValue). */
export const UNSTORABLE_VALUE = 'A value the database cannot store: a NUL character, or a number out of range';

export const invalidParameter = (debuginfo: string) =>
  new MoodleException('invalid_parameter_exception', 'invalidparameter', 'Invalid parameter value detected', debuginfo);

export const invalidResponse = (debuginfo: string) =>
  new MoodleException('invalid_response_exception', 'invalidresponse', 'Invalid response value detected', debuginfo);

/** Moodle's required_capability_exception: the message names what was attempted. */
export const requiredCapability = (capability: string, what: string) =>
  new MoodleException(
    'required_capability_exception',
    'nopermissions',
    `Sorry, but you do not currently have permissions to do that (${what}).`,
    capability,
  );

export const missingRecord = (table: string, debuginfo?: string) =>
  new MoodleException(
    'dml_missing_record_exception',
    'invalidrecord',
    `Can't find data record in database table ${table}.`,
    debuginfo,
  );

export const moodleError = (errorcode: string, message: string, debuginfo?: string) =>
  new MoodleException('moodle_exception', errorcode, message, debuginfo);

/**
 * The Moodle protocols' one table from a domain error's code (a rule of a feature service that a
 * function called) to Moodle's exception: the error code Moodle uses for the same refusal.
 * A function that knows better (the record, Moodle's own message) maps the error itself.
 */
const MOODLE_ERRORCODE: Record<ErrorCode, string> = {
  invalid: 'invalidparameter',
  invaliduser: 'invaliduser',
  deprecated: 'invalidparameter',
  toolarge: 'maxbytes',
  conflict: 'conflict',
  automatic: 'automatic',
  builtin: 'builtin',
  deleted: 'invalidrecord',
  frozen: 'frozen',
  guest: 'guestsarenotallowed',
  self: 'self',
  siteadmin: 'useradminodelete',
  notrestricted: 'notrestricted',
  passwordnotexpired: 'passwordnotexpired',
  unauthenticated: 'requireloginerror',
  invalidlogin: 'invalidlogin',
  usernotauthorised: 'usernotauthorised',
  forbidden: 'nopermissions',
  protected: 'protecteduser',
  notresettable: 'nopermissions',
  hubprivate: 'hubprivate',
  csrf: 'invalidsesskey',
  passwordexpired: 'passwordexpired',
  wronghubpassword: 'wronghubpassword',
  docsdisabled: 'nopermissions',
  toomanyattempts: 'toomanyattempts',
  notfound: 'invalidrecord',
  hubdisabled: 'hubdisabled',
  hubnotpublic: 'hubnotpublic',
  sitemaintenance: 'sitemaintenance',
  nopublictoken: 'nopublictoken',
  diskfull: 'diskfull',
  internal: 'unexpectederror',
};

export function moodleExceptionOf(err: DomainError): MoodleException {
  const errorcode = MOODLE_ERRORCODE[err.code];
  if (errorcode === 'invalidparameter') return invalidParameter(err.message);
  if (errorcode === 'invalidrecord') return new MoodleException('dml_missing_record_exception', errorcode, err.message);
  return moodleError(errorcode, err.message);
}
