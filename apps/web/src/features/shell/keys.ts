// The query keys of the console's shell (the site status banner), for its queries and for the
// mutations (of any feature) that invalidate them. No imports from other features.

export const shellKeys = {
  /** Whether maintenance mode or developer debugging is on. */
  siteStatus: () => ['site-status'] as const,
};
