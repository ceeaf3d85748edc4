/**
 * The one error model of the BFF. Services, repositories' callers and the call pipeline throw a
 * `DomainError`: a code from the list below, a message for people, and per-field messages for
 * forms. They never choose an HTTP status or a Moodle exception: the console API maps a code to
 * its status in one table (`lib/http-status.ts`), the Moodle protocols map it to Moodle's
 * exception in another (`webservice/exceptions.ts`). A code added here must be added to both
 * tables, or the type check fails.
 */
export const ERROR_CODES = [
  // The request: bad input, too large, or the wrong state to act on.
  'invalid',
  'invaliduser',
  'deprecated',
  'toolarge',
  'conflict',
  'automatic',
  'builtin',
  'deleted',
  'frozen',
  'guest',
  'self',
  'siteadmin',
  'notrestricted',
  'passwordnotexpired',
  // Who asks.
  'unauthenticated',
  'invalidlogin',
  'usernotauthorised',
  'forbidden',
  'protected',
  'notresettable',
  'hubprivate',
  'csrf',
  'passwordexpired',
  'wronghubpassword',
  'docsdisabled',
  'toomanyattempts',
  // What is there.
  'notfound',
  'hubdisabled',
  'hubnotpublic',
  // The site.
  'sitemaintenance',
  'nopublictoken',
  'diskfull',
  'internal',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly fields?: Record<string, string>,
  ) {
    super(message);
  }
}

export const badRequest = (message: string, fields?: Record<string, string>) =>
  new DomainError('invalid', message, fields);
export const notFound = (what: string) => new DomainError('notfound', `${what} not found`);
export const forbidden = (message = 'You do not have permission to do this') => new DomainError('forbidden', message);
export const conflict = (message: string, fields?: Record<string, string>) =>
  new DomainError('conflict', message, fields);
