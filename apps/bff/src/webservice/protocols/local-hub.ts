import type { ExternalDescription } from '@gatehouse/shared';
import type { Context } from 'hono';
import { Hono } from 'hono';
import type { Deps } from '../../deps';
import type { AppEnv } from '../../types';
import { type ProtocolAdapter, protocolRoute } from './route';

// local_hub's web-service endpoint, {hub}/local/hub/webservice/webservices.php?wstoken=…, where
// a Moodle site sends every hub call (webservice/xmlrpc/lib.php, webservice_xmlrpc_client): the
// XML-RPC server of /webservice/xmlrpc/server.php (positional parameters, Moodle's faults), with
// local_hub's one difference (local/hub/webservice/locallib.php, hub_webservice_xmlrpc_server::
// authenticate_user): the literal token `publichub` stands for the hub's public token while the
// hub is not private. On a private hub `publichub` goes to the chain as it came and is refused as
// any unknown token is (invalidtoken).
//
// system.methodSignature, which the Zend client of Moodle 2.0–3.0 sends before each call, is no
// external function: it is answered as Moodle 3.1–3.3's XML-RPC server (the server local_hub 3.3
// runs on) answers it, with the fault of a function that is not in external_functions
// (dml_missing_record_exception, invalidrecord), after which Zend's client sends the call itself.

/** The literal token of local_hub's public access (locallib.php: `$this->token == 'publichub'`). */
const PUBLIC_HUB_TOKEN = 'publichub';

const NOT_STRINGS = new Set(['int', 'float', 'bool']);

/**
 * A PHP boolean where the function takes a string, as Moodle's validate_param takes it: (string)
 * of it, '' or '1'. A Moodle site sends `false` for every registration setting it never saved
 * (get_config() of a missing key: siteinfo's street, say), and local_hub takes it as ''. Changes
 * the decoded arguments in place.
 */
function phpStrings(desc: ExternalDescription, v: unknown): unknown {
  if (desc.kind === 'value') return typeof v === 'boolean' && !NOT_STRINGS.has(desc.type) ? (v ? '1' : '') : v;
  if (desc.kind === 'multiple') {
    if (Array.isArray(v)) for (let i = 0; i < v.length; i++) v[i] = phpStrings(desc.content, v[i]);
    return v;
  }
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
    const struct = v as Record<string, unknown>;
    for (const k in desc.keys)
      if (Object.hasOwn(struct, k)) struct[k] = phpStrings(desc.keys[k] as ExternalDescription, struct[k]);
  }
  return v;
}

/** The public token's secret while the hub answers `publichub` (enabled, not private), else undefined. */
export type PublicHubToken = (deps: Deps) => Promise<string | undefined>;

/**
 * The hub's endpoints below /local/hub/webservice: webservices.php (`xmlrpc`, the XML-RPC
 * server's adapter, with the public token's mapping) and the file scripts (`files`, upload.php
 * and download.php), mounted as one route.
 */
export function localHubWebservices(
  deps: Deps,
  xmlrpc: ProtocolAdapter<Uint8Array>,
  publicToken: PublicHubToken,
  files: Hono<AppEnv>,
) {
  // The public token's secret for a request that came with `publichub`: set by the middleware
  // below (the one await, only for those requests) and read by the adapter's synchronous hook.
  const mapped = new WeakMap<Request, string>();
  const adapter: ProtocolAdapter<Uint8Array> = {
    ...xmlrpc,
    answer(d, x, call, query) {
      const secret = x.request.raw && mapped.get(x.request.raw);
      if (secret !== undefined) call.token = secret;
      return xmlrpc.answer?.(d, x, call, query);
    },
    decode(d, x, request, input, call) {
      const state = xmlrpc.decode(d, x, request, input, call);
      const fn = d.catalogue.get(call.functionName);
      if (fn && call.args) call.args = phpStrings(fn.parameters, call.args);
      return state;
    },
  };
  const server = protocolRoute(deps, adapter);
  const mapPublic = async (c: Context<AppEnv>, next: () => Promise<void>) => {
    // Only the query string's wstoken, as Moodle's server reads it ($_GET['wstoken']); a site
    // that sends an Authorization header names its own token.
    if (c.req.query('wstoken') === PUBLIC_HUB_TOKEN && c.req.header('authorization') === undefined) {
      const secret = await publicToken(deps);
      if (secret !== undefined) mapped.set(c.req.raw, secret);
    }
    await next();
  };
  return new Hono<AppEnv>().use('/webservices.php', mapPublic).route('/webservices.php', server).route('/', files);
}
