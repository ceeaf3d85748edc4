// Context ids, as the function catalogue derives them (webservice/functions/common.ts: Gatehouse
// keeps no context table): level × 1,000,000 + instance id, inside XML-RPC's 32-bit integers. The
// file endpoints read them from URLs, so the same numbering is spelled out here for them.

const RANGE = 1_000_000;
const CONTEXT_USER = 30;
const CONTEXT_COURSE = 50;
const CONTEXT_MODULE = 70;

export type FileContext =
  | { level: 'user'; userId: number }
  | { level: 'course'; courseId: number }
  | { level: 'module'; cmid: number };

export const userContext = (userId: number): number => CONTEXT_USER * RANGE + userId;
export const moduleContext = (cmid: number): number => CONTEXT_MODULE * RANGE + cmid;

/** The context an id names, or undefined (the system context holds no files here). */
export function fileContextOf(id: number): FileContext | undefined {
  if (!Number.isSafeInteger(id) || id <= 0) return undefined;
  const level = Math.floor(id / RANGE);
  const instance = id % RANGE;
  if (instance <= 0) return undefined;
  if (level === CONTEXT_USER) return { level: 'user', userId: instance };
  if (level === CONTEXT_COURSE) return { level: 'course', courseId: instance };
  if (level === CONTEXT_MODULE) return { level: 'module', cmid: instance };
  return undefined;
}
