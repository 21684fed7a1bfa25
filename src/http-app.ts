import fastifyCookie from '@fastify/cookie';
import fastifyCors from '@fastify/cors';
import { fastifyRequestContext } from '@fastify/request-context';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply } from 'fastify';
import type { Logger as PinoLogger } from 'pino';
import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type IncomingHttpHeaders, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { serveAdminConsole } from './admin/admin-console.js';
import { mapError } from './common/error-mapper.js';
import { parseFormBody } from './common/form-body-parser.js';
import { parseJsonBody } from './common/json-body-parser.js';
import type { AppConfig } from './config/app-config.js';
import type { GracefulShutdown } from './graceful-shutdown.js';
import { installHttpMetrics } from './metrics/http-metrics.js';
import { Metrics } from './metrics/metrics.js';
import { serveDocs } from './openapi/docs-ui.js';
import { buildOpenApiDocument } from './openapi/openapi-document.js';

const INCOMING_REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** A caller's X-Request-Id is kept when it is harmless to log; otherwise we make one. */
function requestId(request: { headers: IncomingHttpHeaders }): string {
  const incoming = request.headers['x-request-id'];
  return typeof incoming === 'string' && INCOMING_REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/** Passed to NestFactory.create: Nest's default parsers (JSON and urlencoded) are replaced by ours. */
export const NEST_APP_OPTIONS = { bodyParser: false } as const;

/** A hop count becomes proxy-addr's trust function: the nearest `hops` proxies are ours. */
function trustProxyOption(setting: AppConfig['http']['trustProxy']) {
  return typeof setting === 'number' ? (_address: string, hop: number) => hop < setting : setting;
}

export function createHttpAdapter(config: AppConfig): FastifyAdapter {
  return new FastifyAdapter({
    bodyLimit: config.http.bodyLimitBytes,
    trustProxy: trustProxyOption(config.http.trustProxy),
    genReqId: requestId,
    requestIdHeader: false,
    logger: false,
    // A request must arrive whole in time (slow-client attacks), and a silent connection is closed.
    requestTimeout: config.http.requestTimeoutMs,
    connectionTimeout: config.http.idleTimeoutMs,
    // Node checks those deadlines on a timer (every 30 s by default), which would let a slow client overstay by that much.
    http: { headersTimeout: config.http.requestTimeoutMs, connectionsCheckingInterval: Math.min(1000, config.http.requestTimeoutMs / 2) },
    // Requests that arrive while closing get our 503 (GracefulShutdown), not Fastify's own body.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    // Errors raised before Nest sees the request (a malformed URL) take the error shape too.
    frameworkErrors: (error: Error, _request: unknown, reply: FastifyReply) => {
      const { status, body } = mapError(error);
      void reply.code(status).header('cache-control', 'no-store').send(body);
    },
    clientErrorHandler: writeClientError,
  });
}

/** A request Node could not even parse: answer in the error shape on the raw socket, then close it. */
function writeClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const { status, body } = mapError(error);
  const json = JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Bad Request'}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(json)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${json}`,
  );
}

/**
 * Caps open connections in all and per client IP, refusing the excess
 * before any parsing. Per IP only without TRUST_PROXY: behind a proxy every
 * socket comes from the proxy, and the cap belongs there.
 */
function limitConnections(server: Server, config: AppConfig): void {
  server.maxConnections = config.http.maxConnections;
  const perIp = config.http.maxConnectionsPerIp;
  if (perIp === 0 || config.http.trustProxy !== false) return;
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? 'unknown';
    const count = (open.get(address) ?? 0) + 1;
    if (count > perIp) {
      socket.destroy();
      return;
    }
    open.set(address, count);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left === 0) open.delete(address);
      else open.set(address, left);
    });
  });
}

/**
 * Everything about the HTTP app that is not a module: plugins, hooks and
 * headers. Shared by main.ts and the e2e tests, so that tests exercise the
 * same stack that production runs.
 */
export async function configureApp(app: NestFastifyApplication, config: AppConfig, logger: PinoLogger, shutdown: GracefulShutdown): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  limitConnections(fastify.server, config);
  // Straight to pino, not through Nest's logger: this line is written for every request.
  // Without the redaction paths, which cost about 15 µs a line: its fields are the ones
  // below and nothing else, none of them a secret (the path without its query).
  const requestLog = logger.child({ context: 'Http' }, { redact: { paths: [] } });

  // First, so that even a CORS preflight (answered inside the cors plugin's hook) carries the id.
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
  shutdown.install(fastify);
  installHttpMetrics(fastify, app.get(Metrics));
  await app.register(fastifyRequestContext, { defaultStoreValues: (request) => ({ requestId: request.id }) });
  // JSON, and forms for the OAuth routes only: fastify's built-in text/plain parser would
  // let a cross-site "simple" request (no preflight) reach the routes; the route guard
  // refuses forms on every route not marked @AcceptsForm().
  fastify.removeAllContentTypeParsers();
  app.useBodyParser('application/json', { bodyLimit: config.http.bodyLimitBytes }, parseJsonBody);
  app.useBodyParser('application/x-www-form-urlencoded', { bodyLimit: config.http.bodyLimitBytes }, parseFormBody);
  await app.register(fastifyCookie);
  await app.register(fastifyCors, {
    origin: config.http.allowedOrigins,
    credentials: true,
    methods: ['GET', 'POST', 'DELETE'],
    allowedHeaders: ['content-type', config.http.csrfHeader, 'authorization', 'x-request-id'],
    // Date: the SPA client measures token lifetimes on the server's clock.
    exposedHeaders: ['x-request-id', 'retry-after', 'date'],
    maxAge: 600,
  });

  // Responses of an auth service are private by default; JWKS opts into caching.
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    done(null, payload);
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    requestLog.info(
      {
        method: request.method,
        path: request.url.split('?', 1)[0],
        route: request.routeOptions?.url,
        status: reply.statusCode,
        durationMs: Math.round(reply.elapsedTime * 10) / 10,
        ip: request.ip,
      },
      'request completed',
    );
    done();
  });

  // Pages for people, each with a Content-Security-Policy of its own (off in production unless enabled).
  if (config.docs.enabled) serveDocs(fastify, () => buildOpenApiDocument(app, config));
  if (config.adminConsole.enabled) serveAdminConsole(fastify, config.adminConsole.path, logger.child({ context: 'AdminConsole' }));

  // Helmet's headers (Nest's built-in equivalent). The service answers JSON, so the
  // policy forbids everything a page could load (the pages above set their own); HSTS only where TLS is a given.
  app.useSecurityHeaders({
    contentSecurityPolicy: { directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"] } },
    strictTransportSecurity: config.env === 'production',
  });
}
