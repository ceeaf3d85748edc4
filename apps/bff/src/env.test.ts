import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EnvError, loadEnv } from './env';

function envError(source: Record<string, string>): EnvError {
  try {
    loadEnv(source);
  } catch (err) {
    if (err instanceof EnvError) return err;
    throw err;
  }
  throw new Error('loadEnv accepted an invalid configuration');
}

describe('loadEnv', () => {
  it('has safe defaults', () => {
    const env = loadEnv({});
    expect(env.PORT).toBe(3000);
    expect(env.HOST).toBe('127.0.0.1');
    expect(env.GATEHOUSE_COOKIE_SECURE).toBe('auto');
    expect(env.cookieSecure).toBe(false);
    expect(env.GATEHOUSE_SESSION_IDLE_MINUTES).toBe(120);
    expect(env.GATEHOUSE_SESSION_MAX_HOURS).toBe(12);
    expect(env.GATEHOUSE_SEED_DEMO).toBe('1');
    expect(env.GATEHOUSE_LOG).toBe('info');
    expect(env.GATEHOUSE_ADMIN_PASSWORD).toBeUndefined();
    expect(env.dataDir).toBe(resolve('./data'));
  });

  it('reads only its own variables and treats empty ones as unset', () => {
    const env = loadEnv({ PORT: '', HOST: '', GATEHOUSE_DATA: '/srv/gh', PATH: '/bin', SECRET: 'x' });
    expect(env.PORT).toBe(3000);
    expect(env.HOST).toBe('127.0.0.1');
    expect(env.dataDir).toBe('/srv/gh');
    expect(env).not.toHaveProperty('PATH');
    expect(env).not.toHaveProperty('SECRET');
  });

  it('parses valid values', () => {
    const env = loadEnv({
      PORT: '8080',
      HOST: '::',
      GATEHOUSE_SESSION_IDLE_MINUTES: '30',
      GATEHOUSE_ADMIN_PASSWORD: 'Long-enough-1',
    });
    expect(env.PORT).toBe(8080);
    expect(env.GATEHOUSE_SESSION_IDLE_MINUTES).toBe(30);
    expect(env.GATEHOUSE_ADMIN_PASSWORD).toBe('Long-enough-1');
  });

  it.each([
    ['PORT', 'abc', 'PORT must be a number'],
    ['PORT', '70000', 'PORT must be between 1 and 65535'],
    ['PORT', '0', 'PORT must be between 1 and 65535'],
    ['PORT', '80.5', 'PORT'],
    ['GATEHOUSE_ADMIN_PASSWORD', 'short', 'GATEHOUSE_ADMIN_PASSWORD must have at least 8 characters'],
    ['GATEHOUSE_DEMO_PASSWORD', '1234567', 'GATEHOUSE_DEMO_PASSWORD must have at least 8 characters'],
    ['GATEHOUSE_COOKIE_SECURE', 'yes', 'GATEHOUSE_COOKIE_SECURE must be auto, true or false'],
    ['GATEHOUSE_SESSION_IDLE_MINUTES', '0', 'GATEHOUSE_SESSION_IDLE_MINUTES must be at least 1'],
    ['GATEHOUSE_SESSION_MAX_HOURS', 'forever', 'GATEHOUSE_SESSION_MAX_HOURS must be a number'],
    ['GATEHOUSE_SEED_DEMO', 'yes', 'GATEHOUSE_SEED_DEMO must be 0 or 1'],
    ['GATEHOUSE_LOG', 'verbose', 'GATEHOUSE_LOG must be silent, error, warn, info or debug'],
    ['HOST', '   ', 'HOST must not be empty'],
  ])('refuses %s=%j with an EnvError naming the variable', (name, value, message) => {
    const err = envError({ [name]: value });
    expect(err.message).toContain(`${name}: `);
    expect(err.message).toContain(message);
    expect(err.message.startsWith('Invalid configuration:')).toBe(true);
  });

  it.each(['silent', 'error', 'warn', 'info', 'debug'])('takes GATEHOUSE_LOG=%s', (level) => {
    expect(loadEnv({ GATEHOUSE_LOG: level }).GATEHOUSE_LOG).toBe(level);
  });

  it('reports every invalid variable at once', () => {
    const err = envError({ PORT: 'abc', GATEHOUSE_COOKIE_SECURE: 'maybe' });
    expect(err.message.split('\n').filter((l) => l.startsWith('  - '))).toHaveLength(2);
  });

  it.each([
    ['127.0.0.1', false],
    ['127.1.2.3', false],
    ['localhost', false],
    ['::1', false],
    ['0.0.0.0', true],
    ['::', true],
    ['192.168.1.10', true],
  ])('GATEHOUSE_COOKIE_SECURE=auto on HOST %s: secure %s', (host, secure) => {
    expect(loadEnv({ HOST: host }).cookieSecure).toBe(secure);
  });

  it('an explicit GATEHOUSE_COOKIE_SECURE wins over the host', () => {
    expect(loadEnv({ HOST: '0.0.0.0', GATEHOUSE_COOKIE_SECURE: 'false' }).cookieSecure).toBe(false);
    expect(loadEnv({ HOST: '127.0.0.1', GATEHOUSE_COOKIE_SECURE: 'true' }).cookieSecure).toBe(true);
  });
});
