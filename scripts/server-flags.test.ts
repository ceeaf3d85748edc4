// Every way a Gatehouse server is started runs it with SERVER_NODE_FLAGS, and the flag does what
// server-flags.mjs says: the young generation stops growing at 2 × 8 MiB.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { localServerEnv, SERVER_ENV, SERVER_NODE_FLAGS } from './server-flags.mjs';

const root = join(import.meta.dirname, '..');
const read = (file: string) => readFileSync(join(root, file), 'utf8');

/**
 * The young generation's committed size (MiB) after a few hundred MiB of garbage, with enough of
 * it live at each scavenge (up to 100 000 objects) for V8 to grow the space as far as it may.
 */
function youngGenerationMb(flags: string[]): number {
  const script = `
    const v8 = require('node:v8');
    let keep = [];
    for (let i = 0; i < 3000000; i++) { keep.push({ a: i, b: 'x' + i }); if (keep.length > 100000) keep = []; }
    const s = v8.getHeapSpaceStatistics().find((x) => x.space_name === 'new_space');
    console.log(s.space_size / 1048576);`;
  return Number(execFileSync(process.execPath, [...flags, '-e', script], { encoding: 'utf8' }).trim());
}

describe('the server processes’ Node flags', () => {
  it('every launcher of apps/bff/dist/index.js passes SERVER_NODE_FLAGS and SERVER_ENV', () => {
    for (const file of [
      'scripts/run.mjs',
      'scripts/cluster-lib.mjs',
      'scripts/faults.mjs',
      'bench/run.mjs',
      'bench/profile.mjs',
    ]) {
      const text = read(file);
      expect(text, file).toMatch(
        /import \{[^}]*\bSERVER_NODE_FLAGS\b[^}]*\} from '\.\.?\/(scripts\/)?server-flags\.mjs'/,
      );
      // Each spawn of the node binary starts with the flags.
      const spawns = [...text.matchAll(/spawn\(\s*process\.execPath,\s*\[([^\]]*)/g)];
      expect(spawns.length, file).toBeGreaterThan(0);
      for (const m of spawns)
        expect(m[1]?.trimStart().startsWith('...SERVER_NODE_FLAGS'), `${file}: ${m[0]}`).toBe(true);
      // …and its environment carries SERVER_ENV (glibc reads MALLOC_ARENA_MAX only at start), as is
      // or through localServerEnv().
      expect((text.match(/\.\.\.SERVER_ENV\b|\blocalServerEnv\(/g) ?? []).length, file).toBeGreaterThanOrEqual(
        spawns.length,
      );
    }
  });

  it('localServerEnv carries SERVER_ENV, the folder and port, and lets the caller override', () => {
    const env = localServerEnv('/tmp/x', 3999, { GATEHOUSE_LOG: 'info', EXTRA: '1' });
    expect(env).toMatchObject({ ...SERVER_ENV, GATEHOUSE_DATA: '/tmp/x', PORT: '3999', HOST: '127.0.0.1' });
    expect(env.GATEHOUSE_LOG).toBe('info');
    expect(env.EXTRA).toBe('1');
    expect(localServerEnv('/tmp/x', 1).GATEHOUSE_LOG).toBe('silent');
  });

  it('npm run serve carries the same flags and environment on its command line', () => {
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    const env = Object.entries(SERVER_ENV)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    expect(scripts.serve).toBe(`${env} node ${SERVER_NODE_FLAGS.join(' ')} scripts/ready.mjs apps/bff/dist/index.js`);
  });

  it('caps the young generation at 16 MiB, where it grows to 32 MiB without them', () => {
    expect(youngGenerationMb(SERVER_NODE_FLAGS)).toBeLessThanOrEqual(16);
    expect(youngGenerationMb([])).toBeGreaterThan(16);
  });
});
