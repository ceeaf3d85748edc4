import { AccessDenied } from '../access';
import type { publicError } from '../call';
import { MAX_ANONYMOUS_XML_BYTES } from './xml';

/**
 * The answer to an XML-RPC or SOAP body over MAX_ANONYMOUS_XML_BYTES that came without a token:
 * the chain's own refusal (no token is no token found), given without reading the body.
 */
export function missingTokenRefusal(): AccessDenied {
  return new AccessDenied(
    'invalidtoken',
    `no token in the query string (wstoken) or an Authorization: Bearer header; without one a body over ${MAX_ANONYMOUS_XML_BYTES} bytes is not read`,
  );
}

/** A numeric fault code for XML-RPC (which needs one), stable per kind of error. */
export function faultCode(e: ReturnType<typeof publicError>): number {
  if (
    e.exception === 'webservice_access_exception' ||
    e.errorcode === 'invalidtoken' ||
    e.errorcode === 'nopermissions'
  )
    return 403;
  if (e.errorcode === 'invalidparameter') return 400;
  if (e.errorcode === 'invalidrecord') return 404;
  if (e.errorcode === 'sitemaintenance') return 503;
  return 500;
}
