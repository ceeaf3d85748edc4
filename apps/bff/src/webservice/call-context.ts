import type { UserRow } from '../db/rows';
import type { Deps } from '../deps';
import { requiredCapability } from './exceptions';
import type { CallContext, CallService } from './types';

/** What a function is called with: one object a call, its checks methods (no closures made per call). */
class Context implements CallContext {
  readonly now: number;
  readonly ip?: string;

  constructor(
    readonly deps: Deps,
    readonly user: UserRow,
    readonly service: CallService,
    ip: string | undefined,
  ) {
    this.now = deps.now();
    if (ip !== undefined) this.ip = ip;
  }

  hasCapability(capability: string): boolean {
    return this.deps.authz.has(this.user, capability);
  }

  requireCapability(capability: string, what: string): void {
    if (!this.deps.authz.has(this.user, capability)) throw requiredCapability(capability, what);
  }
}

export function makeCallContext(deps: Deps, user: UserRow, service: CallService, ip?: string): CallContext {
  return new Context(deps, user, service, ip);
}
