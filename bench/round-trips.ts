// Database round trips per request, counted on the wire: a second instance
// of the service, on the same database, reaches PostgreSQL through a proxy
// that reads the protocol (pg-wire-counter.ts). Requests go one at a time,
// so the database time per request is free of queueing.
import type pg from 'pg';
import { insertFreshTokens } from './fixtures.js';
import { log, sleep } from './measure.js';
import { PgWireCounter, type WireCounts } from './pg-wire-counter.js';
import { accessCookieOf, login, me, refresh } from './service-client.js';
import { startService, stop } from './service-process.js';

export interface RoundTripRow {
  operation: string;
  requests: number;
  /** Per request, after taking off the instance's background traffic over the same time. */
  roundTrips: number;
  statements: number;
  /** PostgreSQL's time per request, seen from the proxy (loopback included). */
  databaseMs: number;
  /** What was sent, with how many times per request. */
  statementTexts: { text: string; perRequest: number }[];
}

export interface RoundTripResult {
  rows: RoundTripRow[];
  /** Round trips per second of the idle instance (timers), taken off each row. */
  backgroundPerSecond: number;
}

/** `userId`: the bench account's, whose sessions the refresh tokens belong to. */
export async function countRoundTrips(root: string, databaseUrl: string, pool: pg.Pool, userId: string, samples: number): Promise<RoundTripResult> {
  const target = new URL(databaseUrl);
  const proxy = await new PgWireCounter({ host: target.hostname, port: Number(target.port || 5432) }).start();
  const service = await startService(root, proxy.urlFor(databaseUrl)).catch(async (error: unknown) => {
    await proxy.close();
    throw error;
  });
  const { base } = service;
  try {
    await me(base, accessCookieOf(await login(base)));

    const idle = proxy.begin();
    await sleep(1000);
    const background = idle();
    const backgroundPerMs = background.roundTrips / background.elapsedMs;

    const rows: RoundTripRow[] = [];
    const measure = async (operation: string, requests: number, send: (index: number) => Promise<unknown>): Promise<void> => {
      const end = proxy.begin();
      for (let index = 0; index < requests; index++) await send(index);
      rows.push(perRequest(operation, requests, end(), backgroundPerMs));
    };

    const loginSamples = Math.max(3, Math.round(samples / 10));
    await measure('POST /auth/login', loginSamples, async () => (await login(base)).arrayBuffer());
    const tokens = await insertFreshTokens(pool, userId, samples);
    const accessCookies: string[] = [];
    await measure('POST /auth/refresh', samples, async (index) => {
      const reply = await refresh(base, tokens[index]);
      accessCookies.push(accessCookieOf(reply));
      await reply.arrayBuffer();
    });
    await measure('GET /auth/me, session not yet checked by this instance', samples, async (index) => (await me(base, accessCookies[index])).arrayBuffer());
    await measure('GET /auth/me, session checked before (cache)', samples, async () => (await me(base, accessCookies[0])).arrayBuffer());
    log(`round trips counted (background ${Math.round(backgroundPerMs * 1000 * 100) / 100}/s)`);
    return { rows, backgroundPerSecond: Math.round(backgroundPerMs * 1000 * 100) / 100 };
  } finally {
    await stop(service.child);
    await proxy.close();
  }
}

function perRequest(operation: string, requests: number, counts: WireCounts, backgroundPerMs: number): RoundTripRow {
  const round = (value: number): number => Math.round(value * 100) / 100;
  return {
    operation,
    requests,
    roundTrips: round(Math.max(0, counts.roundTrips - backgroundPerMs * counts.elapsedMs) / requests),
    statements: round(counts.statements / requests),
    databaseMs: round(counts.databaseMs / requests),
    statementTexts: Object.entries(counts.texts)
      .sort(([, a], [, b]) => b - a)
      .map(([text, times]) => ({ text, perRequest: round(times / requests) })),
  };
}
