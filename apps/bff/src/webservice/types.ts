import type { ExternalDescription, ExternalSingle, Infer, InferInput } from '@gatehouse/shared';
import type { CallContext, CapabilityCheck, ExternalFunction } from '../deps';

// The function types are declared in deps.ts, beside the Deps that carries the catalogue.
export type { CallContext, CallService, CapabilityCheck, ExternalFunction } from '../deps';

type Returned<R> = R extends ExternalDescription ? Infer<R> : null;

/**
 * A capability the caller must hold for any call (Moodle checks it in the system context): the
 * call pipeline refuses the call before `execute` runs, naming `what` in the message.
 */
export const always = (capability: string, what: string): CapabilityCheck => ({
  capability,
  checkedBy: 'call',
  what,
});

/**
 * A capability Moodle checks per record, in the context of what the call names (or only for some
 * arguments): documented, and checked by the function itself. `where` says when, for the reader.
 */
export const perRecord = (capability: string, where: string): CapabilityCheck => ({
  capability,
  checkedBy: 'function',
  where,
});

/**
 * Declares a function: the one description of it that the call pipeline, the protocols and the
 * documentation read. Its code receives parameters typed after the description; the
 * capabilities checked by 'call' are enforced before the code runs, so the code checks only the
 * 'function' ones.
 */
export function defineFunction<P extends ExternalSingle, R extends ExternalDescription | null>(def: {
  name: string;
  component: string;
  description: string;
  type: 'read' | 'write';
  capabilities: readonly CapabilityCheck[];
  parameters: P;
  returns: R;
  /** Arguments for the documentation's examples, chosen to make sense on the demo data. */
  example?: InferInput<P>;
  deprecated?: { since: string; replacedBy?: string };
  services?: readonly string[];
  ajax?: boolean;
  loginRequired?: boolean;
  execute(ctx: CallContext, params: Infer<P>): Returned<R> | Promise<Returned<R>>;
}): ExternalFunction {
  const { capabilities: checks, ...rest } = def;
  return {
    ...rest,
    capabilities: checks.map((c) => c.capability),
    capabilityChecks: checks,
    requiredCapabilities: checks.flatMap((c) =>
      c.checkedBy === 'call' ? [{ capability: c.capability, what: c.what }] : [],
    ),
  } as ExternalFunction;
}
