// Starts the built BFF on a brand-new data folder, for the shared Playwright web server.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-e2e-'));
const server = join(import.meta.dirname, '..', '..', 'apps', 'bff', 'dist', 'index.js');
const child = spawn(process.execPath, [server], {
  stdio: 'inherit',
  env: { ...process.env, GATEHOUSE_DATA: dataDir, HOST: '127.0.0.1' },
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code) => {
  // The data folder is this run's alone: nothing of it is kept in /tmp.
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(code ?? 0);
});
