import type { UserRow } from './db/rows';

export type { UserRow };

import type { Actor } from './features/audit/audit.service';

export interface AppEnv {
  Variables: {
    /** The signed-in console user, when there is one. */
    user: UserRow | undefined;
    sessionHash: string | undefined;
    actor: Actor;
    /** This request's id (the X-Request-Id header), carried by every line logged while serving it. */
    reqId: string;
    /** When the site middleware began serving the request (performance.now()), for Server-Timing. */
    started: number;
  };
}

/** The env of a route behind `requireUser` / `requireCap`: the user is there. */
export interface SignedInEnv {
  Variables: { user: UserRow };
}
