import { test } from '@playwright/test';
import { BASE_PORT } from './constants';
import { OwnServer } from './server';

// Every spec's own port moves with E2E_BASE_PORT, so that two runs on one machine never meet.
const OFFSET = BASE_PORT - 3100;

/** One fresh server for the spec file, so that its set-up cannot leak into another spec. */
export function useOwnServer(port: number): () => OwnServer {
  let server: OwnServer;
  test.beforeAll(async () => {
    server = new OwnServer(port + OFFSET);
    await server.start();
  });
  test.afterAll(async () => {
    await server?.dispose();
  });
  return () => server;
}
