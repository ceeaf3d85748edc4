import type { UserRow } from '../db/rows';
import type { Deps } from '../deps';
import { requiredCapability } from './exceptions';
import type { CallContext, CallService } from './types';

export function makeCallContext(deps: Deps, user: UserRow, service: CallService, ip?: string): CallContext {
  return {
    deps,
    user,
    service,
    ...(ip !== undefined ? { ip } : {}),
    now: deps.now(),
    hasCapability: (capability) => deps.authz.has(user, capability),
    requireCapability(capability, what) {
      if (!deps.authz.has(user, capability)) throw requiredCapability(capability, what);
    },
  };
}
