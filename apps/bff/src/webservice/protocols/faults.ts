import type { publicError } from '../call';

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
