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
