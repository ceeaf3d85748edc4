import type { TestClientTokenDto } from '@gatehouse/shared';
import type { Deps } from '../../deps';
import { DomainError } from '../../lib/errors';
import { serviceFunctionNames } from '../services/service-capabilities';
import { hashesEqual, hashToken, tokenLooksValid } from '../tokens/token-secret';
import { findTokenServiceByHash } from './docs.repo';

/**
 * The test client's "which functions may this token call": the service of the token pasted in
 * (looked up by its keyed hash, as a call does) and that service's functions, so the function
 * list can be narrowed to them. Nothing is counted or recorded: no call is made. The secret is
 * never echoed back nor logged; a token that does not exist (or is mistyped) is one answer.
 */
export async function testClientToken(deps: Deps, secret: string): Promise<TestClientTokenDto> {
  const hash = tokenLooksValid(secret) ? hashToken(deps.tokenSecret, secret) : undefined;
  const found = hash ? await findTokenServiceByHash(deps.store.db, hash) : undefined;
  if (!hash || !found || !hashesEqual(found.tokenHash, hash)) {
    throw new DomainError('notfound', 'No token matches: check that it was pasted whole', {
      token: 'No token matches: check that it was pasted whole',
    });
  }
  return { service: found.service, functions: await serviceFunctionNames(deps.store.db, found.service.id) };
}
