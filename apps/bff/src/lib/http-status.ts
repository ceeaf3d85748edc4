import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { DomainError, ErrorCode } from './errors';

/** The console API's one table from a domain error's code to its HTTP status. */
const HTTP_STATUS: Record<ErrorCode, ContentfulStatusCode> = {
  invalid: 400,
  invaliduser: 400,
  deprecated: 400,
  usernotauthorised: 400,
  toolarge: 413,
  conflict: 409,
  automatic: 409,
  builtin: 409,
  deleted: 409,
  frozen: 409,
  guest: 409,
  self: 409,
  siteadmin: 409,
  notrestricted: 409,
  passwordnotexpired: 409,
  unauthenticated: 401,
  invalidlogin: 401,
  forbidden: 403,
  protected: 403,
  notresettable: 403,
  hubprivate: 403,
  csrf: 403,
  passwordexpired: 403,
  wronghubpassword: 403,
  docsdisabled: 403,
  toomanyattempts: 429,
  notfound: 404,
  hubdisabled: 404,
  hubnotpublic: 404,
  sitemaintenance: 503,
  nopublictoken: 503,
  diskfull: 503,
  internal: 500,
};

export const httpStatusOf = (err: DomainError): ContentfulStatusCode => HTTP_STATUS[err.code];

/** The console API's error body. */
export const errorBody = (err: DomainError) => ({
  error: { code: err.code, message: err.message, ...(err.fields ? { fields: err.fields } : {}) },
});
