import type { Deps } from '../../deps';
import { hashToken } from '../tokens/token-secret';
import { readHubConfig } from './hub-config';
import { publicTokenSecret } from './hub-setup';
import { type HubTokenSite, hubSiteOfTokenHash } from './local-hub-files.repo';

// Who is calling the hub's own scripts (local/hub/webservice/*): the public access behind the
// literal token `publichub`, and the registered site a site token belongs to.

/**
 * The secret `publichub` stands for (local_hub's hub_webservice_xmlrpc_server::authenticate_user):
 * the hub's public token while the hub is enabled and not private; undefined otherwise, and the
 * literal is then refused as an unknown token.
 */
export async function publicHubToken(deps: Deps): Promise<string | undefined> {
  const hub = await readHubConfig(deps.store.db);
  if (!hub.enabled || hub.privacy === 'private') return undefined;
  return publicTokenSecret(deps);
}

/**
 * The registered site (not unregistered) whose hub token this is, as upload.php finds it
 * (`get_communication(WSSERVER, REGISTEREDSITE, '', $token)`), with the token's own state; undefined
 * for any other token.
 */
export async function siteOfToken(deps: Deps, token: string): Promise<HubTokenSite | undefined> {
  if (!token || token.length > 200) return undefined;
  const found = await hubSiteOfTokenHash(deps.store.db, hashToken(deps.tokenSecret, token));
  if (!found || found.site.deleted) return undefined;
  if (found.validUntil !== null && found.validUntil < deps.now()) return undefined;
  return found;
}
