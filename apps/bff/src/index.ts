import type { IncomingMessage, ServerResponse } from 'node:http';
import { createListener, listen } from './app';
import { boot } from './boot';
import { DEMO_USERS } from './db/seed';
import { EnvError, loadEnv } from './env';
import { purgeExpiredSessions } from './features/auth/sessions';
import { flushUsage } from './features/usage/usage.service';
import { createLogger } from './lib/log';
import { markDraining } from './lib/metrics';

// What the server says goes two ways. The start banner (what was tightened in the data folder,
// the first administrator's password, the address) and a start that fails are plain text for the
// person who ran `npm start`, printed whatever GATEHOUSE_LOG says: the password is shown once
// and must never sit in a log store. Everything after the start is a JSON line of the log.

async function main() {
  let env: ReturnType<typeof loadEnv>;
  try {
    env = loadEnv();
  } catch (err) {
    if (err instanceof EnvError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(env.GATEHOUSE_LOG);
  const { store, deps, app, seed, lock, notes, cluster } = await boot(env, log);
  for (const note of notes) console.log(note);
  const url = `http://${env.HOST.includes(':') ? `[${env.HOST}]` : env.HOST}:${env.PORT}/`;

  if (seed.seeded) {
    console.log('First start: created the database, the standard roles and the first administrator.');
    if (seed.adminPasswordGenerated) {
      console.log(
        `  Administrator: username "admin", password "${seed.adminPassword}" (shown once; change it after signing in)`,
      );
    } else {
      console.log('  Administrator: username "admin", password from GATEHOUSE_ADMIN_PASSWORD');
    }
    if (seed.demoPassword) {
      const who = DEMO_USERS.map((u) => u.username).join(', ');
      const pw = env.GATEHOUSE_DEMO_PASSWORD ? 'from GATEHOUSE_DEMO_PASSWORD' : `"${seed.demoPassword}"`;
      console.log(`  Demo users (${who}): password ${pw}`);
    }
  }

  const server = listen(createListener(deps, app.fetch), env.PORT, env.HOST, () => {
    console.log(`Gatehouse is listening on ${url} (data in ${env.dataDir})`);
    log.info({ url, dataDir: env.dataDir }, 'Gatehouse is listening');
  });
  server.on('error', (err: NodeJS.ErrnoException) => {
    console.error(
      err.code === 'EADDRINUSE'
        ? `Port ${env.PORT} on ${env.HOST} is already in use. Set PORT to another port.`
        : `Server error: ${err.message}`,
    );
    process.exit(1);
  });

  // A periodic write that fails (a full disk: SQLITE_FULL) is logged; thrown from a timer it
  // would end the process, and with it every login.
  const periodic = (what: string, job: () => unknown) => async () => {
    try {
      await job();
    } catch (err) {
      log.error({ job: what, err: err instanceof Error ? err : new Error(String(err)) }, `${what} failed`);
    }
  };
  const sweep = setInterval(
    periodic('Purging expired sessions', () => (cluster.isLeader() ? purgeExpiredSessions(deps) : undefined)),
    10 * 60_000,
  );
  sweep.unref();
  // Token usage (last access and address, calls, last error, the calls per hour) is written at
  // most once a minute, with the audit rows of first refusals; once an hour the buckets roll up.
  const usageFlush = setInterval(
    periodic('Writing token usage', () => flushUsage(deps, { maintain: cluster.isLeader() })),
    60_000,
  );
  usageFlush.unref();
  // Keeps the query planner's statistics in step as tables grow (cheap when nothing moved).
  // (PostgreSQL's autovacuum does this itself.)
  if (store.dialect === 'sqlite') {
    const optimize = setInterval(() => store.sqlite.pragma('optimize'), 3 * 3600_000);
    optimize.unref();
  }

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, `${signal} received: finishing requests in flight, then closing the database`);
    // /readyz answers 503 from now on, so that a load balancer stops sending new requests.
    markDraining(deps);
    const force = setTimeout(() => {
      log.error({ signal }, 'Shutdown took more than 10 s; exiting');
      process.exit(1);
    }, 10_000);
    force.unref();
    server.close(() => {
      const close = () => {
        void cluster
          .close()
          .then(() => store.close())
          .catch(() => {})
          .finally(() => {
            lock.release();
            process.exit(0);
          });
      };
      flushUsage(deps, { maintain: false }).then(close, (err) => {
        log.error({ err: err instanceof Error ? err : new Error(String(err)) }, 'Writing token usage failed');
        close();
      });
    });
    // server.close() ends the idle connections, but one busy at the signal stays open after its
    // answer, kept alive, and serves whatever comes on it (a load balancer's pool keeps sending):
    // the drain would last until those fall idle for keepAliveTimeout, or never end under load
    // and be cut at 10 s without the usage written. So every answer from now on closes its
    // connection, and a connection that falls idle is closed at once.
    const http = server;
    http.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => {
      res.setHeader('Connection', 'close');
    });
    http.closeIdleConnections();
    const idle = setInterval(() => http.closeIdleConnections(), 20);
    idle.unref();
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err) => {
  console.error(`Gatehouse failed to start: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
