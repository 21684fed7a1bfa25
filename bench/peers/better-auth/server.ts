// better-auth with its defaults (email and password on, cookie cache off,
// scrypt), on node:http, with PostgreSQL through a pg pool as its docs show:
// the peer that `npm run bench` measures beside the service. Started by the
// bench (bench/peer.ts) with fork(), it tells its parent its port over IPC;
// started by hand, it prints its address.
//
// Environment:
//   DATABASE_URL        its own database (required); its tables are created
//                       at start with better-auth's own migration API
//   BETTER_AUTH_SECRET  required
//   PG_POOL_MAX         pg pool size (default 10, as the service's)
//   BA_UPDATE_AGE       session.updateAge in seconds; 0 makes every
//                       get-session extend the session (an UPDATE per request)
//
// Departures from better-auth's defaults, both for the benchmark's sake:
// its rate limiter is off (on by default in production: 100 requests per 10 s
// per address, and all the load comes from one address), and so is telemetry.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { betterAuth, type BetterAuthOptions } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';
import { toNodeHandler } from 'better-auth/node';
import type { PeerReady } from '../protocol.js';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

const pool = new pg.Pool({ connectionString: required('DATABASE_URL'), max: Number(process.env.PG_POOL_MAX ?? 10) });
const updateAge = process.env.BA_UPDATE_AGE === undefined ? undefined : Number(process.env.BA_UPDATE_AGE);

const server = createServer();
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address() as AddressInfo;
const baseURL = `http://127.0.0.1:${port}`;

const options: BetterAuthOptions = {
  baseURL,
  secret: required('BETTER_AUTH_SECRET'),
  database: pool,
  emailAndPassword: { enabled: true },
  session: updateAge === undefined ? {} : { updateAge },
  rateLimit: { enabled: false },
  telemetry: { enabled: false },
  trustedOrigins: [baseURL],
  logger: { level: 'error' },
};

const { runMigrations } = await getMigrations(options);
await runMigrations();

const handler = toNodeHandler(betterAuth(options));
server.on('request', (request, response) => {
  handler(request, response).catch((error: unknown) => {
    process.stderr.write(`[peer] ${error instanceof Error ? error.stack : String(error)}\n`);
    if (!response.headersSent) response.writeHead(500);
    response.end();
  });
});

const ready: PeerReady = { port };
if (process.send) process.send(ready);
else process.stdout.write(`better-auth listening on ${baseURL}\n`);

// A benchmark target need not drain: requests still queued when the bench stops it are dropped.
process.on('SIGTERM', () => process.exit(0));
