import { PROTOCOLS, type TokenAccessDto, type TokenRefusalDto } from '@gatehouse/shared';
import type { Deps } from '../deps';
import { AccessDenied, checkFunction, checkProtocol, checkToken, loadToken, ProtocolDisabled } from './access';
import type { TokenAccess } from './access-cache';
import { MoodleException, requiredCapability } from './exceptions';
import type { ExternalFunction } from './types';

// A token page's "what may it call, and why not": the access-check chain itself (access.ts),
// run once per protocol and once per function of the token's service, never a copy of its rules.

/** The capabilities a function's description requires for any call (the pipeline checks them after the parameters). */
export function checkRequiredCapabilities(deps: Deps, user: TokenAccess['u'], fn: ExternalFunction): void {
  for (const r of fn.requiredCapabilities) {
    if (!deps.authz.has(user, r.capability)) throw requiredCapability(r.capability, r.what);
  }
}

function refusalOf(err: unknown): TokenRefusalDto {
  if (err instanceof AccessDenied) return { reason: err.reason, message: err.debuginfo ?? err.message };
  if (err instanceof MoodleException) return { reason: err.errorcode, message: err.debuginfo ?? err.message };
  throw err;
}

/** Runs one link of the chain: null when it lets the call through, else why not. */
function attempt(run: () => void): TokenRefusalDto | null {
  try {
    run();
    return null;
  } catch (err) {
    return refusalOf(err);
  }
}

/**
 * What the token may call right now, as the chain decides. The IP restrictions depend on the
 * caller's address, so the chain runs as for an address they allow; they are reported apart.
 * Undefined when there is no such visible token of `ownerId`.
 */
export async function explainTokenAccess(
  deps: Deps,
  tokenId: number,
  ownerId: number,
): Promise<TokenAccessDto | undefined> {
  const found = await loadToken(deps, { id: tokenId, ownerId });
  if (!found) return undefined;
  const anyAddress: TokenAccess = {
    ...found,
    t: { ...found.t, ipRestriction: null },
    authorisation: found.authorisation ? { ...found.authorisation, ipRestriction: null } : null,
  };
  const enabled = deps.settings.protocols();
  const protocols = PROTOCOLS.map((protocol) => ({
    protocol,
    enabled: enabled.includes(protocol),
    refusal: attempt(() => {
      try {
        checkProtocol(deps, protocol);
      } catch (err) {
        // A disabled protocol answers 403 with no body at all: the page says "disabled" instead.
        if (!(err instanceof ProtocolDisabled)) throw err;
      }
      checkToken(deps, protocol, anyAddress, '');
    }),
  }));
  const functions = [...found.functions.list].sort().map((name) => {
    const fn = deps.catalogue.get(name);
    return {
      name,
      // The chain in its order, the protocol's use capability aside (reported per protocol above).
      refusal: attempt(() => {
        checkToken(deps, null, anyAddress, '');
        const { fn: f } = checkFunction(deps, anyAddress, name, '');
        checkRequiredCapabilities(deps, found.u, f);
      }),
      missingCapabilities: (fn?.capabilities ?? []).filter((c) => !deps.authz.has(found.u, c)),
    };
  });
  return {
    protocols,
    functions,
    ipRestriction: found.t.ipRestriction,
    authorisationIpRestriction: found.authorisation?.ipRestriction ?? null,
  };
}
