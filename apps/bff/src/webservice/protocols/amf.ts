import { Hono } from 'hono';
import type { Deps } from '../../deps';
import type { AppEnv } from '../../types';
import { protocolRefused } from '../access';

/** AMF keeps its row on Manage protocols; until it is built an enabled AMF says so plainly. */
export function amfRoutes(deps: Deps) {
  return new Hono<AppEnv>().all('/', (c) => {
    if (protocolRefused(deps, 'amf') || !deps.settings.flag('enablewebservices')) return c.body(null, 403);
    return c.json(
      {
        exception: 'moodle_exception',
        errorcode: 'amfnotsupported',
        message: 'The AMF protocol is not supported yet. Use REST, XML-RPC or SOAP.',
      },
      501,
    );
  });
}
