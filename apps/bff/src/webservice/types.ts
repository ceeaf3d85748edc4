import type { ExternalDescription, ExternalSingle, Infer } from '@gatehouse/shared';
import type { CallContext, ExternalFunction } from '../deps';

// The function types are declared in deps.ts, beside the Deps that carries the catalogue.
export type { CallContext, CallService, ExternalFunction } from '../deps';

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
