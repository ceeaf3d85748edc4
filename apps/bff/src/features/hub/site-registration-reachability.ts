import { lookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP } from 'node:net';

// local_hub's is_remote_site_valid() (local/hub/lib.php): before it registers a site, the hub
// asks the site's address for its front page, HEAD first and GET when HEAD did not do, following
// at most 3 redirects (CURLOPT_FOLLOWLOCATION, CURLOPT_MAXREDIRS 3); the site is there when the
// last answer is 200 or 302. local_hub refuses only "http://localhost" and "http://127.0.0.1";
// Gatehouse refuses every loopback, private, link-local and otherwise non-public address, at
// every redirect, and connects to the address it checked (no second DNS answer), unless the
// hub's administrator lets local sites register (hub setting allowLocalSites).

/** How long one request may take, connection and answer's head together. */
const REACHABILITY_TIMEOUT_MS = 5000;
/** How long the whole check may take, every address, redirect and method together. */
const CHECK_BUDGET_MS = 12_000;
const MAX_REDIRECTS = 3;

const NOT_PUBLIC = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  NOT_PUBLIC.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
  ['64:ff9b:1::', 48], // local-use NAT64
] as const) {
  NOT_PUBLIC.addSubnet(net, bits, 'ipv6');
}

/** Whether an IP address is loopback, private, link-local or otherwise not on the public Internet. */
export function isNonPublicAddress(ip: string): boolean {
  const family = isIP(ip);
  if (family === 4) return NOT_PUBLIC.check(ip, 'ipv4');
  if (family !== 6) return true;
  const lower = ip.toLowerCase();
  // An IPv4 address written as IPv6 (::ffff:10.0.0.1, ::ffff:a00:1) is that IPv4 address.
  const mapped = /^::ffff:(.+)$/.exec(lower)?.[1];
  if (mapped) {
    if (isIP(mapped) === 4) return NOT_PUBLIC.check(mapped, 'ipv4');
    const m = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(mapped);
    if (m) {
      const n = (Number.parseInt(m[1] as string, 16) << 16) | Number.parseInt(m[2] as string, 16);
      return NOT_PUBLIC.check([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.'), 'ipv4');
    }
  }
  return NOT_PUBLIC.check(lower, 'ipv6');
}

export interface ReachabilityOptions {
  /** Loopback, private and link-local addresses are allowed (the hub setting allowLocalSites). */
  allowLocal: boolean;
  timeoutMs?: number;
}

/** The addresses to connect to for a URL's host (at most 3), or none when it has none that may be used. */
async function addressesFor(host: string, allowLocal: boolean): Promise<{ address: string; family: number }[]> {
  const bare = host.startsWith('[') ? host.slice(1, -1) : host;
  let found: { address: string; family: number }[];
  if (isIP(bare)) found = [{ address: bare, family: isIP(bare) }];
  else {
    try {
      found = await lookup(bare, { all: true, verbatim: true });
    } catch {
      return [];
    }
  }
  // Every address the name has must be public: otherwise which one is used is up to chance.
  if (!allowLocal && found.some((a) => isNonPublicAddress(a.address))) return [];
  return found.slice(0, 3);
}

/** One request's status, without reading the body; undefined when there was no answer. */
function statusOf(
  url: URL,
  method: 'HEAD' | 'GET',
  addr: { address: string; family: number },
  timeoutMs: number,
): Promise<{ status: number; location?: string } | undefined> {
  return new Promise((resolve) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    let done = false;
    const finish = (v: { status: number; location?: string } | undefined) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.destroy();
      resolve(v);
    };
    const req = send(
      url,
      {
        method,
        headers: { 'user-agent': 'Gatehouse hub (site registration check)', accept: '*/*' },
        // Connect to the address that was checked, whatever the name resolves to now.
        lookup: (_host, opts, cb) => {
          if ((opts as { all?: boolean }).all) cb(null, [addr] as never);
          else cb(null, addr.address, addr.family);
        },
        servername: isIP(url.hostname.replace(/^\[|\]$/g, '')) ? undefined : url.hostname,
      },
      (res: IncomingMessage) => {
        const location = res.headers.location;
        finish({ status: res.statusCode ?? 0, ...(typeof location === 'string' ? { location } : {}) });
      },
    );
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    req.on('error', () => finish(undefined));
    req.end();
  });
}

/** The final status of one method, following at most 3 redirects (each target checked again). */
async function finalStatus(
  start: URL,
  method: 'HEAD' | 'GET',
  o: ReachabilityOptions,
  deadline: number,
): Promise<number | undefined> {
  let url = start;
  for (let redirects = 0; ; redirects++) {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
    if (url.username || url.password) return undefined;
    let res: { status: number; location?: string } | undefined;
    // Each address in turn (localhost may be ::1 and 127.0.0.1), until one answers.
    for (const addr of await addressesFor(url.hostname, o.allowLocal)) {
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      res = await statusOf(url, method, addr, Math.min(left, o.timeoutMs ?? REACHABILITY_TIMEOUT_MS));
      if (res) break;
    }
    if (!res) return undefined;
    const isRedirect = [301, 302, 303, 307, 308].includes(res.status) && res.location !== undefined;
    // curl stops after CURLOPT_MAXREDIRS and reports the last answer's code.
    if (!isRedirect || redirects === MAX_REDIRECTS) return res.status;
    try {
      url = new URL(res.location as string, url);
    } catch {
      return res.status;
    }
  }
}

/** local_hub's is_remote_site_valid(): the site answers 200 or 302, to HEAD or else to GET. */
export async function isRemoteSiteValid(siteUrl: string, o: ReachabilityOptions): Promise<boolean> {
  let url: URL;
  try {
    url = new URL(siteUrl);
  } catch {
    return false;
  }
  const ok = (s: number | undefined) => s === 200 || s === 302;
  const deadline = Date.now() + CHECK_BUDGET_MS;
  if (ok(await finalStatus(url, 'HEAD', o, deadline))) return true;
  // "Some sites respond to head() with a 503. As a fallback try get()."
  return ok(await finalStatus(url, 'GET', o, deadline));
}
