import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

// The CLI and the server as separate processes on a data folder, as an operator runs them: both
// entry points bundled once with esbuild as build.mjs bundles them (a tsx start costs seconds of
// CPU per run on a small machine), beside a copy of the migrations and a link to node_modules.

const BFF = fileURLToPath(new URL('../..', import.meta.url));

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Bundles {
  cli: string;
  server: string;
  cleanup: () => void;
}

export async function buildBundles(): Promise<Bundles> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bundle-'));
  const pkg = JSON.parse(readFileSync(join(BFF, 'package.json'), 'utf8'));
  const thirdParty = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).filter(
    (n) => !n.startsWith('@gatehouse/'),
  );
  await build({
    entryPoints: [join(BFF, 'src/cli.ts'), join(BFF, 'src/index.ts')],
    outdir: join(dir, 'dist'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: [...thirdParty, ...thirdParty.map((n) => `${n}/*`)],
    logLevel: 'error',
  });
  cpSync(join(BFF, 'src/db/migrations'), join(dir, 'dist/migrations'), { recursive: true });
  cpSync(join(BFF, 'src/db/migrations-pg'), join(dir, 'dist/migrations-pg'), { recursive: true });
  symlinkSync(join(BFF, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return {
    cli: join(dir, 'dist/cli.js'),
    server: join(dir, 'dist/index.js'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The environment of a child: this one's, without any GATEHOUSE_* variable or NODE_OPTIONS, plus `extra`. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GATEHOUSE_') && k !== 'NODE_OPTIONS') env[k] = v;
  return { ...env, GATEHOUSE_LOG: 'silent', ...extra };
}

export interface SpawnOptions {
  env: Record<string, string>;
  /** The umask the process starts with, e.g. '022' (through /bin/sh, so it holds from the first instruction). */
  umask?: string;
}

function spawnNode(script: string, args: string[], opts: SpawnOptions): ChildProcess {
  const argv = [script, ...args];
  const env = childEnv(opts.env);
  if (opts.umask !== undefined) {
    return spawn('/bin/sh', ['-c', `umask ${opts.umask} && exec "$0" "$@"`, process.execPath, ...argv], {
      cwd: BFF,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }
  return spawn(process.execPath, argv, { cwd: BFF, env, stdio: ['ignore', 'pipe', 'pipe'] });
}

export function runNode(script: string, args: string[], opts: SpawnOptions): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawnNode(script, args, opts);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d) => {
      stdout += d;
    });
    child.stderr?.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface RunningServer {
  child: ChildProcess;
  base: string;
  output: () => string;
  /** Sends the signal and resolves when the process has exited. */
  stop: (signal?: NodeJS.Signals) => Promise<Run>;
}

/** Starts the bundled server on the data folder and waits until /healthz answers. */
export async function startServer(bundles: Bundles, opts: SpawnOptions): Promise<RunningServer> {
  const port = await freePort();
  const child = spawnNode(bundles.server, [], {
    ...opts,
    env: { HOST: '127.0.0.1', PORT: String(port), GATEHOUSE_LOG: 'silent', ...opts.env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => {
    stdout += d;
  });
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise<Run>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  let done = false;
  void exited.then(() => {
    done = true;
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (done) throw new Error(`The server exited at start:\n${stdout}\n${stderr}`);
    try {
      if ((await fetch(`${base}/healthz`)).ok) break;
    } catch {}
    if (i > 600) {
      child.kill('SIGKILL');
      throw new Error(`The server did not answer within 30 s:\n${stdout}\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    child,
    base,
    output: () => stdout + stderr,
    stop: (signal = 'SIGTERM') => {
      if (!done) child.kill(signal);
      return exited;
    },
  };
}
