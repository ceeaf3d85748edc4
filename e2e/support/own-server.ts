import { test } from '@playwright/test';
import { OwnServer } from './server';

/** One fresh server for the spec file, so that its set-up cannot leak into another spec. */
export function useOwnServer(port: number): () => OwnServer {
  let server: OwnServer;
  test.beforeAll(async () => {
    server = new OwnServer(port);
    await server.start();
  });
  test.afterAll(async () => {
    await server?.stop();
  });
  return () => server;
}
