import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_PASSWORD, DEMO_PASSWORD } from './constants';

const serverEntry = join(import.meta.dirname, '..', '..', 'apps', 'bff', 'dist', 'index.js');
const cliEntry = join(import.meta.dirname, '..', '..', 'apps', 'bff', 'dist', 'cli.js');

/** A server of a test's own, on its own data folder, that the test can stop and start again. */
export class OwnServer {
  readonly dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-e2e-own-'));
  private child: ChildProcess | undefined;
  constructor(readonly port: number) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  private get env() {
    return {
      ...process.env,
      GATEHOUSE_DATA: this.dataDir,
      PORT: String(this.port),
      HOST: '127.0.0.1',
      GATEHOUSE_ADMIN_PASSWORD: ADMIN_PASSWORD,
      GATEHOUSE_DEMO_PASSWORD: DEMO_PASSWORD,
    };
  }

  async start(): Promise<void> {
    const child = spawn(process.execPath, [serverEntry], { env: this.env, stdio: ['ignore', 'pipe', 'inherit'] });
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('server did not start in 30 s')), 30_000);
      child.stdout?.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('listening on')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
    });
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
    this.child = undefined;
  }

  /** Stops the server and removes its data folder, so that test runs leave nothing in /tmp. */
  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  /** Runs the command-line tool on this server's data folder; returns its output. */
  cli(...args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [cliEntry, ...args], { env: this.env });
      let out = '';
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
      });
      child.stderr.on('data', (c: Buffer) => {
        out += c.toString();
      });
      child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`cli exited ${code}: ${out}`))));
    });
  }
}
