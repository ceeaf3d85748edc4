import { ipAllowed, isIpAddress } from '@gatehouse/shared';
import type { Env } from '../env';

// The server's public identity: the origins a console page may be served from, and the client's
// address as seen behind the configured proxies. Neither trusts the Host header.

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

/**
 * The origins a state-changing console request may come from: GATEHOUSE_WWWROOT's. When it is not
 * set and the server listens on a loopback or wildcard address, the usual loopback names on the
 * same port are accepted too, so `npm start` works at http://127.0.0.1:3000 and http://localhost:3000.
 */
export function allowedOrigins(env: Env): Set<string> {
  const origins = new Set([new URL(env.wwwroot).origin]);
  const local = ['0.0.0.0', '::', '::1', 'localhost'].includes(env.HOST) || env.HOST.startsWith('127.');
  if (!env.GATEHOUSE_WWWROOT && local) {
    for (const name of LOOPBACK_NAMES) origins.add(`http://${name}${env.PORT === 80 ? '' : `:${env.PORT}`}`);
  }
  return origins;
}

/**
 * The client's address. X-Forwarded-For is believed only when the connection comes from a trusted
 * proxy (GATEHOUSE_TRUSTED_PROXIES), and then only as far as the chain of trusted proxies goes:
 * the rightmost address that is not itself a trusted proxy is the client. A malformed header
 * leaves the proxy's own address, so a forged header can never name an arbitrary client.
 */
export function clientAddress(remote: string, forwardedFor: string | undefined, trustedProxies: string): string {
  if (!trustedProxies || !forwardedFor || !ipAllowed(trustedProxies, remote)) return remote;
  const hops = forwardedFor.split(',').map((h) => h.trim());
  let client = remote;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = unbracket(hops[i] ?? '');
    if (!isIpAddress(hop)) return client;
    client = hop;
    if (!ipAllowed(trustedProxies, hop)) return hop;
  }
  return client;
}

/** "[2001:db8::1]" and "[2001:db8::1]:443" as some proxies write them, and "1.2.3.4:5678", to the bare address. */
function unbracket(hop: string): string {
  const v6 = /^\[([^\]]+)\](?::\d+)?$/.exec(hop);
  if (v6) return v6[1] ?? '';
  const v4port = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(hop);
  return v4port ? (v4port[1] ?? '') : hop;
}
