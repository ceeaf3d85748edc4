import { join, resolve } from 'node:path';
import { parseIpList } from '@gatehouse/shared';
import { z } from 'zod';

// The only place that reads process.env. Every variable is validated at start with a clear message.
const schema = z.object({
  PORT: z.coerce
    .number({ message: 'PORT must be a number' })
    .int('PORT must be a whole number')
    .min(1, 'PORT must be between 1 and 65535')
    .max(65535, 'PORT must be between 1 and 65535')
    .default(3000),
  HOST: z.string().trim().min(1, 'HOST must not be empty').default('127.0.0.1'),
  GATEHOUSE_DATA: z.string().trim().min(1, 'GATEHOUSE_DATA must not be empty').default('./data'),
  GATEHOUSE_ADMIN_PASSWORD: z
    .string()
    .min(8, 'GATEHOUSE_ADMIN_PASSWORD must have at least 8 characters')
    .max(200, 'GATEHOUSE_ADMIN_PASSWORD must have at most 200 characters')
    .optional(),
  GATEHOUSE_DEMO_PASSWORD: z
    .string()
    .min(8, 'GATEHOUSE_DEMO_PASSWORD must have at least 8 characters')
    .max(200, 'GATEHOUSE_DEMO_PASSWORD must have at most 200 characters')
    .optional(),
  GATEHOUSE_TOKEN_SECRET: z.string().trim().min(1).optional(),
  GATEHOUSE_COOKIE_SECURE: z
    .enum(['auto', 'true', 'false'], { message: 'GATEHOUSE_COOKIE_SECURE must be auto, true or false' })
    .default('auto'),
  GATEHOUSE_SESSION_IDLE_MINUTES: z.coerce
    .number({ message: 'GATEHOUSE_SESSION_IDLE_MINUTES must be a number' })
    .int()
    .min(1, 'GATEHOUSE_SESSION_IDLE_MINUTES must be at least 1')
    .max(7 * 24 * 60, 'GATEHOUSE_SESSION_IDLE_MINUTES must be at most a week')
    .default(120),
  GATEHOUSE_SESSION_MAX_HOURS: z.coerce
    .number({ message: 'GATEHOUSE_SESSION_MAX_HOURS must be a number' })
    .int()
    .min(1, 'GATEHOUSE_SESSION_MAX_HOURS must be at least 1')
    .max(24 * 30, 'GATEHOUSE_SESSION_MAX_HOURS must be at most 30 days')
    .default(12),
  GATEHOUSE_SEED_DEMO: z.enum(['0', '1'], { message: 'GATEHOUSE_SEED_DEMO must be 0 or 1' }).default('1'),
  GATEHOUSE_LOG: z
    .enum(['silent', 'error', 'warn', 'info', 'debug'], {
      message: 'GATEHOUSE_LOG must be silent, error, warn, info or debug',
    })
    .default('info'),
  GATEHOUSE_WWWROOT: z
    .string()
    .trim()
    .refine(isPublicUrl, {
      message: 'GATEHOUSE_WWWROOT must be an http or https URL with no query, fragment or trailing slash',
    })
    .optional(),
  GATEHOUSE_TRUSTED_PROXIES: z
    .string()
    .trim()
    .refine((v) => parseIpList(v).invalid.length === 0, {
      message: 'GATEHOUSE_TRUSTED_PROXIES must be a comma-separated list of IP addresses or CIDR ranges',
    })
    .optional(),
  GATEHOUSE_DATABASE_URL: z
    .string()
    .trim()
    .refine(isPostgresUrl, {
      message: 'GATEHOUSE_DATABASE_URL must be a postgres:// (or postgresql://) URL',
    })
    .optional(),
  GATEHOUSE_DB_POOL: z.coerce
    .number({ message: 'GATEHOUSE_DB_POOL must be a number' })
    .int('GATEHOUSE_DB_POOL must be a whole number')
    .min(2, 'GATEHOUSE_DB_POOL must be at least 2')
    .max(200, 'GATEHOUSE_DB_POOL must be at most 200')
    .default(10),
  GATEHOUSE_METRICS_TOKEN: z
    .string()
    .trim()
    .min(16, 'GATEHOUSE_METRICS_TOKEN must have at least 16 characters')
    .optional(),
  GATEHOUSE_FILEDIR: z.string().trim().min(1, 'GATEHOUSE_FILEDIR must not be empty').optional(),
});

function isPostgresUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return u.protocol === 'postgres:' || u.protocol === 'postgresql:';
  } catch {
    return false;
  }
}

/** A site's public address: http(s), a host, an optional path, and nothing after it. */
function isPublicUrl(v: string): boolean {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    return false;
  }
  return (
    (u.protocol === 'http:' || u.protocol === 'https:') &&
    !u.username &&
    !u.password &&
    !u.search &&
    !u.hash &&
    !v.endsWith('/') &&
    !v.includes('?') &&
    !v.includes('#')
  );
}

export type Env = z.infer<typeof schema> & {
  dataDir: string;
  cookieSecure: boolean;
  /** The public URL every absolute link is built from (GATEHOUSE_WWWROOT, or http://HOST:PORT). */
  wwwroot: string;
  /** The proxies whose X-Forwarded-For is believed (GATEHOUSE_TRUSTED_PROXIES, "a, b/24"), or "" for none. */
  trustedProxies: string;
  /** Where file contents live (GATEHOUSE_FILEDIR, or <data>/filedir): a folder every node shares. */
  fileDir: string;
};

/** http://HOST:PORT, with "localhost" for loopback and wildcard addresses. */
function defaultWwwroot(host: string, port: number): string {
  const loopback = ['0.0.0.0', '::', '::1', 'localhost'].includes(host) || host.startsWith('127.');
  const name = loopback ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return `http://${name}${port === 80 ? '' : `:${port}`}`;
}

export class EnvError extends Error {}

export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const picked = Object.fromEntries(
    Object.keys(schema.shape).map((k) => [k, source[k] === '' ? undefined : source[k]]),
  );
  const parsed = schema.safeParse(picked);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  - ${i.path.join('.')}: ${i.message}`);
    throw new EnvError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const env = parsed.data;
  const loopback = env.HOST === 'localhost' || env.HOST.startsWith('127.') || env.HOST === '::1';
  return {
    ...env,
    dataDir: resolve(env.GATEHOUSE_DATA),
    cookieSecure: env.GATEHOUSE_COOKIE_SECURE === 'auto' ? !loopback : env.GATEHOUSE_COOKIE_SECURE === 'true',
    wwwroot: env.GATEHOUSE_WWWROOT ?? defaultWwwroot(env.HOST, env.PORT),
    trustedProxies: parseIpList(env.GATEHOUSE_TRUSTED_PROXIES ?? '').entries.join(', '),
    fileDir: env.GATEHOUSE_FILEDIR ? resolve(env.GATEHOUSE_FILEDIR) : join(resolve(env.GATEHOUSE_DATA), 'filedir'),
  };
}
