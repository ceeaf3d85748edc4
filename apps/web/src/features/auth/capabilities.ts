import type { MeDto } from '@gatehouse/shared';

/** For navigation only: the BFF checks every call itself. Site administrators hold every capability. */
export function can(me: MeDto | null | undefined, capability: string): boolean {
  if (!me) return false;
  return me.siteAdmin || me.capabilities.includes(capability);
}
