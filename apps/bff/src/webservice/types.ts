import type { ExternalDescription, ExternalSingle, Infer } from '@gatehouse/shared';
import type { Deps } from '../context';
import type { UserRow } from '../db/schema';

/** The service a call arrives through (from the token), as the function sees it. */
export interface CallService {
  id: number;
  shortname: string;
  name: string;
  downloadFiles: boolean;
  uploadFiles: boolean;
  functions: readonly string[];
}

/** What a function's code gets besides its validated parameters. */
export interface CallContext {
  deps: Deps;
  user: UserRow;
  service: CallService;
  /** Unix seconds of the call. */
  now: number;
  /** The client's address (behind trusted proxies), where the call came over the network. */
  ip?: string;
  /** Throws required_capability_exception unless the caller holds the capability. */
  requireCapability(capability: string, what: string): void;
  hasCapability(capability: string): boolean;
}

export interface ExternalFunction {
  name: string;
  component: string;
  description: string;
  type: 'read' | 'write';
  /** Capabilities the function checks, as documented (the code checks them itself). */
  capabilities: readonly string[];
  parameters: ExternalSingle;
  returns: ExternalDescription | null;
  deprecated?: { since: string; replacedBy?: string };
  /** Built-in services this function ships in, by shortname. */
  services?: readonly string[];
  execute(ctx: CallContext, params: unknown): unknown;
}

type Returned<R> = R extends ExternalDescription ? Infer<R> : null;

/** Declares a function; its code receives parameters typed after the description. */
export function defineFunction<P extends ExternalSingle, R extends ExternalDescription | null>(def: {
  name: string;
  component: string;
  description: string;
  type: 'read' | 'write';
  capabilities: readonly string[];
  parameters: P;
  returns: R;
  deprecated?: { since: string; replacedBy?: string };
  services?: readonly string[];
  execute(ctx: CallContext, params: Infer<P>): Returned<R> | Promise<Returned<R>>;
}): ExternalFunction {
  return def as unknown as ExternalFunction;
}
