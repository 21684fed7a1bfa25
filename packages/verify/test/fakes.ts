import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import type { VerifierLogger } from '../src/errors.js';

export const ISSUER = 'https://auth.example.test';
export const AUDIENCE = 'example-api';
export const JWKS_URL = `${ISSUER}/.well-known/jwks.json`;
export const FEED_URL = `${ISSUER}/.well-known/revoked-sessions`;

/** A clock that moves only when the test moves it. */
export class TestClock {
  current = Date.UTC(2026, 11, 1, 12);
  readonly now = () => this.current;
  advance(ms: number): void {
    this.current += ms;
  }
  get seconds(): number {
    return Math.floor(this.current / 1000);
  }
}

export interface SigningKey {
  kid: string;
  privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  jwk: JWK;
}

export async function signingKey(alg: 'ES256' | 'ES384' = 'ES256'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const exported = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(exported);
  return { kid, privateKey, jwk: { ...exported, kid, alg, use: 'sig' } };
}

/** A token as the auth service issues it, unless `header` or `claims` say otherwise. */
export function token(
  key: SigningKey,
  clock: TestClock,
  options: { header?: Record<string, unknown>; claims?: Record<string, unknown>; alg?: string; crit?: Record<string, boolean> } = {},
): Promise<string> {
  const iat = clock.seconds;
  const claims = { iss: ISSUER, aud: AUDIENCE, sub: randomUUID(), sid: randomUUID(), jti: randomUUID(), iat, exp: iat + 600, client_id: AUDIENCE, roles: ['reader'], ...options.claims };
  for (const [name, value] of Object.entries(claims)) if (value === undefined) delete (claims as Record<string, unknown>)[name];
  return new SignJWT(claims).setProtectedHeader({ alg: options.alg ?? 'ES256', typ: 'at+jwt', kid: key.kid, ...options.header }).sign(key.privateKey, { crit: options.crit });
}

export interface Exchange {
  url: string;
  headers: Headers;
  method: string;
  body: string | undefined;
}

type Route = (request: Exchange) => Response | Promise<Response>;

/** Stands in for `fetch`: answers from routes by URL path, records every request, and can be made unreachable. */
export class FakeFetch {
  readonly requests: Exchange[] = [];
  down = false;
  private readonly routes = new Map<string, Route>();

  on(path: string, route: Route): this {
    this.routes.set(path, route);
    return this;
  }

  count(path: string): number {
    return this.requests.filter((request) => new URL(request.url).pathname === path).length;
  }

  readonly fetch = (async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = String(input instanceof Request ? input.url : input);
    const exchange = { url, headers: new Headers(init?.headers), method: init?.method ?? 'GET', body: typeof init?.body === 'string' ? init.body : undefined };
    this.requests.push(exchange);
    if (this.down) throw new TypeError('fetch failed: connect ECONNREFUSED');
    const route = this.routes.get(new URL(url).pathname);
    return route ? route(exchange) : new Response('{"error":"not_found"}', { status: 404 });
  }) as typeof globalThis.fetch;
}

/** A JWKS endpoint whose keys and headers the test changes; answers 304 to a matching If-None-Match, as the auth service does. */
export class FakeJwks {
  keys: JWK[] = [];
  cacheControl: string | null = 'public, max-age=300, stale-while-revalidate=60';
  age: string | null = null;

  get etag(): string {
    return `"${this.keys.map((key) => key.kid).join('.')}"`;
  }

  readonly route: Route = (request) => {
    const headers: Record<string, string> = { etag: this.etag, 'content-type': 'application/jwk-set+json' };
    if (this.cacheControl) headers['cache-control'] = this.cacheControl;
    if (this.age) headers.age = this.age;
    if (request.headers.get('if-none-match') === this.etag) return new Response(null, { status: 304, headers });
    return new Response(JSON.stringify({ keys: this.keys }), { status: 200, headers });
  };
}

/** Remembers every line, so that tests can say what was logged. */
export class RecordingLogger implements VerifierLogger {
  readonly lines: Array<{ level: string; message: string; fields?: Record<string, unknown> }> = [];
  info = (message: string, fields?: Record<string, unknown>) => void this.lines.push({ level: 'info', message, fields });
  warn = (message: string, fields?: Record<string, unknown>) => void this.lines.push({ level: 'warn', message, fields });
  error = (message: string, fields?: Record<string, unknown>) => void this.lines.push({ level: 'error', message, fields });
}
