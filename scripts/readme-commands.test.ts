// Every command the README shows works as written: the README's shell blocks and its inline `npm …`
// commands are parsed, each must be an npm script that exists, and each script's entry point is
// started the way a reader would start it, from a shell that has no pnpm on its PATH (as on a fresh
// clone after `npm start`). Long-running commands start in a cheap mode (`--help`, `--version`) or,
// for the servers, on a temporary data folder and a free port until they say they listen. A copy of
// the root without .tools/ and node_modules shows what happens before any bootstrap.
import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const scripts: Record<string, string> = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts;
const readme = readFileSync(join(root, 'README.md'), 'utf8');

const temps: string[] = [];
function tempDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `gatehouse-${name}-`));
  temps.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

// ---- the README's commands ----------------------------------------------------------------------

const FENCE = /^```(\w*)\n([\s\S]*?)^```/gm;

/** The commands the README shows: every line of its shell blocks, and inline code that is a command. */
function documentedCommands(md: string): string[] {
  const out: string[] = [];
  for (const [, lang, body] of md.matchAll(FENCE)) {
    if (!['sh', 'bash', 'shell', 'console'].includes(lang ?? '')) continue;
    for (const line of (body ?? '').split('\n')) {
      const cmd = line.replace(/(^|\s)#.*$/, '').trim();
      if (cmd) out.push(cmd);
    }
  }
  for (const [, code] of md.replace(FENCE, '').matchAll(/`([^`\n]+)`/g)) {
    const cmd = (code ?? '').trim();
    if (/^(npm|pnpm|npx|yarn|node|corepack)\s/.test(cmd) || cmd.startsWith('.tools/node_modules/.bin/')) out.push(cmd);
  }
  return out;
}

interface Invocation {
  command: string;
  script: string;
  args: string[];
}

/** `npm start|test [-- args]` or `npm run <script> [-- args]`; anything else does not work on a fresh clone. */
function parse(command: string): Invocation | string {
  const words = command.split(/\s+/);
  let script: string | undefined;
  let rest: string[];
  if (words[0] !== 'npm') return 'a fresh clone has Node.js and npm only: show it as `npm run <script>`';
  if (words[1] === 'start' || words[1] === 'test') [script, rest] = [words[1], words.slice(2)];
  else if (words[1] === 'run' && words[2]) [script, rest] = [words[2], words.slice(3)];
  else return 'expected `npm start`, `npm test` or `npm run <script>`';
  if (rest.length && rest[0] !== '--') return 'arguments for the script go after `--`';
  return { command, script, args: rest.slice(1) };
}

// ---- running them -------------------------------------------------------------------------------

/** This environment as a reader's shell has it: no pnpm or node_modules/.bin on PATH, no npm/pnpm/Vitest state. */
function shellEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(npm_|pnpm_|vitest|gatehouse_)/i.test(k) || ['NODE_OPTIONS', 'NODE_ENV', 'TEST', 'INIT_CWD'].includes(k))
      continue;
    env[k] = v;
  }
  env.PATH = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((p) => p && !p.startsWith(root) && !/node_modules[\\/]\.bin$|node-gyp-bin|[\\/]\.tools[\\/]/.test(p))
    .join(delimiter);
  return { ...env, GATEHOUSE_LOG: 'silent', ...extra };
}

function npmArgs(script: string, args: string[]): string[] {
  const head = script === 'start' || script === 'test' ? [script] : ['run', script];
  return args.length ? [...head, '--', ...args] : head;
}

interface Run {
  code: number | null;
  out: string;
}

/** The child's output so far; `exited` when it exits, `closed` once its output is complete too. */
function collect(child: ChildProcess): { output: () => string; exited: Promise<number | null>; closed: Promise<Run> } {
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => resolve(code));
  });
  const closed = new Promise<Run>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
  return { output: () => out, exited, closed };
}

/** `npm run <script> -- <args>` in `cwd`, as typed in a shell. */
function npm(script: string, args: string[] = [], extra: Record<string, string> = {}, cwd = root): Promise<Run> {
  const child = spawn('npm', npmArgs(script, args), { cwd, env: shellEnv(extra), stdio: ['ignore', 'pipe', 'pipe'] });
  return collect(child).closed;
}

async function expectRuns(run: Promise<Run>, output: RegExp): Promise<string> {
  const { code, out } = await run;
  expect(out).toMatch(output);
  expect(code, out).toBe(0);
  return out;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts a long-running script in its own process group, waits until its output matches every one
 * of `ready` (or it exits, which fails), then stops the whole group.
 */
async function startsUntil(script: string, args: string[], extra: Record<string, string>, ready: RegExp[]) {
  const child = spawn('npm', npmArgs(script, args), {
    cwd: root,
    env: shellEnv(extra),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const { output, exited, closed } = collect(child);
  try {
    await new Promise<void>((resolve, reject) => {
      // Within the test's own timeout, so that the servers are always stopped below.
      const timer = setTimeout(
        () => reject(new Error(`npm ${npmArgs(script, args).join(' ')} did not start in 150 s:\n${output()}`)),
        150_000,
      );
      // Colours are stripped: with CI set, Vite (picocolors) colours its port even into a pipe.
      // biome-ignore lint/suspicious/noControlCharactersInRegex: the escape sequences are what is removed
      const plain = () => output().replace(/\x1b\[[0-9;]*m/g, '');
      const check = () => {
        if (!ready.every((r) => r.test(plain()))) return;
        clearTimeout(timer);
        resolve();
      };
      child.stdout?.on('data', check);
      child.stderr?.on('data', check);
      exited.then(
        (code) => reject(new Error(`npm ${npmArgs(script, args).join(' ')} exited (${code}) early:\n${output()}`)),
        reject,
      );
    });
  } finally {
    const group = -(child.pid ?? 0);
    try {
      process.kill(group, 'SIGTERM');
    } catch {}
    // npm exits at once; whatever of the group outlives it goes too, and then the pipes close.
    await exited.catch(() => undefined);
    try {
      process.kill(group, 'SIGKILL');
    } catch {}
    await closed.catch(() => undefined);
  }
}

// ---- what "starts" means for each script ---------------------------------------------------------

type Probe = (documented: Invocation[]) => Promise<unknown>;

const usage =
  (script: string, re: RegExp): Probe =>
  () =>
    expectRuns(npm(script, ['--help']), re);

/** Each documented script's cheap start. A script the README shows without a probe here fails the test. */
const PROBES: Record<string, Probe> = {
  // scripts/run.mjs: --help answers before any bootstrap, install or build.
  start: usage('start', /^Usage: node scripts\/run\.mjs/m),
  test: usage('test', /^Usage: node scripts\/run\.mjs/m),
  setup: usage('setup', /^Usage: node scripts\/run\.mjs/m),
  bench: usage('bench', /^Usage: npm run bench/m),
  'test:faults': usage('test:faults', /^Usage: npm run test:faults/m),
  'test:faults:pg': usage('test:faults:pg', /^Usage: npm run test:faults/m),
  'test:cluster': usage('test:cluster', /^Usage: npm run test:cluster/m),
  // A private PostgreSQL cluster starts, Vitest prints its usage, the cluster stops.
  'test:pg': usage('test:pg', /\$ vitest run/),
  // Through the bootstrapped pnpm to each package's tool, which prints its version or usage.
  typecheck: () => expectRuns(npm('typecheck', ['--version']), /^(.* )?Version \d+\.\d+/m),
  lint: usage('lint', /^Usage: npm run lint/m),
  format: usage('format', /Usage: biome check/),
  'test:unit': usage('test:unit', /\$ vitest run/),
  'test:e2e': usage('test:e2e', /Usage: .*playwright test \[options\]/),
  screenshots: usage('screenshots', /Usage: .*playwright test \[options\]/),
  'db:generate': usage('db:generate', /drizzle-kit generate \[flags\]/),
  'db:generate:pg': usage('db:generate:pg', /drizzle-kit generate \[flags\]/),
  // `pnpm -r build` has no cheap flag (build.mjs builds whatever it is given): run the script's own
  // command for the one package whose build writes nothing, to see the wrapper reach pnpm's `-r`.
  build: async () => {
    const [node, wrapper, ...pnpmArgs] = (scripts.build ?? '').split(' ');
    expect([node, wrapper]).toEqual(['node', 'scripts/pnpm.mjs']);
    const child = spawn(process.execPath, [wrapper ?? '', '--filter', '@gatehouse/shared', ...pnpmArgs], {
      cwd: root,
      env: shellEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await expectRuns(collect(child).closed, /shared: source-only package/);
  },
  gatehouse: async (documented) => {
    const help = await expectRuns(npm('gatehouse', ['--help']), /^Usage: /m);
    const commands = help.split('\n').map((l) => l.trim());
    for (const { command, args } of documented) {
      const [sub, action] = args;
      if (!sub || sub.startsWith('<')) continue;
      const lines = commands.filter((l) => l === sub || l.startsWith(`${sub} `) || l.startsWith(`${sub}|`));
      expect(lines, `"${command}": the CLI's help lists no "${sub}" command`).not.toEqual([]);
      if (action && /^[a-z]+$/.test(action))
        expect(
          lines.some((l) => new RegExp(`\\b${action}\\b`).test(l)),
          `"${command}": the CLI's help has no "${sub} ${action}"`,
        ).toBe(true);
    }
    const data = join(tempDir('readme-cli'), 'data');
    await expectRuns(npm('gatehouse', ['config', 'get'], { GATEHOUSE_DATA: data }), /^enablewebservices=/m);
  },
  // The servers: up on a temporary data folder and free ports, then stopped.
  serve: async () => {
    const port = await freePort();
    await startsUntil(
      'serve',
      [],
      { PORT: String(port), GATEHOUSE_DATA: join(tempDir('readme-serve'), 'data'), GATEHOUSE_SEED_DEMO: '0' },
      [new RegExp(`Gatehouse is listening on http://127\\.0\\.0\\.1:${port}/`)],
    );
  },
  dev: async () => {
    const [port, vitePort] = [await freePort(), await freePort()];
    await startsUntil(
      'dev',
      ['--port', String(vitePort)], // reaches both: Vite takes it, the BFF reads PORT only
      { PORT: String(port), GATEHOUSE_DATA: join(tempDir('readme-dev'), 'data'), GATEHOUSE_SEED_DEMO: '0' },
      // Vite moves to the next port when the chosen one was taken meanwhile (other tests run at once).
      [new RegExp(`Gatehouse is listening on http://127\\.0\\.0\\.1:${port}/`), /Local:\s+http:\/\/\S+:\d+\//],
    );
  },
};

// ---- the tests ----------------------------------------------------------------------------------

const documented = documentedCommands(readme);
const invocations = documented.map(parse).filter((p): p is Invocation => typeof p !== 'string');
const byScript = new Map<string, Invocation[]>();
for (const inv of invocations) byScript.set(inv.script, [...(byScript.get(inv.script) ?? []), inv]);

describe('the README', () => {
  it('shows its commands (quick start, configuration, testing)', () => {
    for (const script of ['start', 'test', 'gatehouse', 'typecheck', 'lint', 'test:unit', 'bench'])
      expect([...byScript.keys()]).toContain(script);
  });

  it.each(documented)('`%s` is an npm script that exists', (command) => {
    const parsed = parse(command);
    if (typeof parsed === 'string') expect.fail(`${command}: ${parsed}`);
    expect(Object.keys(scripts), `${command}: no "${parsed.script}" in package.json's scripts`).toContain(
      parsed.script,
    );
  });
});

describe.concurrent('each documented script starts, from a shell without pnpm on its PATH', () => {
  for (const [script, invs] of byScript) {
    it(`npm ${npmArgs(script, []).join(' ')}`, async () => {
      const probe = PROBES[script];
      expect(probe, `no probe for "${script}": add one to PROBES in this file`).toBeDefined();
      await probe?.(invs);
    });
  }
});

describe('before any bootstrap (a fresh clone: no .tools/, no node_modules)', () => {
  function freshClone(): string {
    const dir = tempDir('fresh');
    cpSync(join(root, 'package.json'), join(dir, 'package.json'));
    mkdirSync(join(dir, 'scripts'));
    for (const f of readdirSync(join(root, 'scripts')))
      if (f.endsWith('.mjs')) cpSync(join(root, 'scripts', f), join(dir, 'scripts', f));
    mkdirSync(join(dir, 'bench'));
    cpSync(join(root, 'bench', 'run.mjs'), join(dir, 'bench', 'run.mjs'));
    return dir;
  }

  // start, test and setup are the bootstrap itself.
  const steps = Object.keys(scripts).filter((name) => !['start', 'test', 'setup'].includes(name));

  it.concurrent.each(steps)(
    'npm run %s says to run npm start or npm test first, and changes nothing',
    async (script) => {
      const dir = freshClone();
      const { code, out } = await npm(script, [], {}, dir);
      expect(out).toMatch(/run `npm start` or `npm test` first/);
      expect(out).not.toMatch(/not found|Cannot find|ERR_MODULE|\n\s+at /);
      expect(code).toBe(1);
      expect(readdirSync(dir).sort()).toEqual(['bench', 'package.json', 'scripts']);
    },
  );

  const bootstrapping = ['start', 'test', 'setup'].map((script) => ({
    script,
    cmd: `npm ${npmArgs(script, []).join(' ')}`,
  }));
  it.concurrent.each(bootstrapping)('$cmd -- --help answers without bootstrapping', async ({ script }) => {
    const dir = freshClone();
    await expectRuns(npm(script, ['--help'], {}, dir), /^Usage: node scripts\/run\.mjs/m);
    expect(existsSync(join(dir, '.tools'))).toBe(false);
    expect(existsSync(join(dir, 'node_modules'))).toBe(false);
  });
});
