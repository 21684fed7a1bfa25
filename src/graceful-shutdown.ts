import type { INestApplication } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { AppError } from './common/app-error.js';
import { mapError } from './common/error-mapper.js';

/** How often idle keep-alive sockets are reaped while requests drain: a request that finishes leaves one behind. */
const REAP_IDLE_EVERY_MS = 100;

/**
 * SIGTERM (or SIGINT) without losing a request and without hanging: stop
 * accepting; answer requests already in flight, with `Connection: close`;
 * answer requests that still arrive on open keep-alive sockets with 503 in
 * the error shape; close idle sockets as they appear; after the deadline,
 * exit anyway. Then the database pool is closed (Nest's shutdown hooks) and
 * the process exits. A rotation in flight either commits before its answer
 * or is rolled back by PostgreSQL with its connection: never half done.
 */
export class GracefulShutdown {
  private closing = false;

  constructor(private readonly logger: Logger) {}

  install(fastify: FastifyInstance): void {
    fastify.addHook('onRequest', (_request, reply, done) => {
      if (!this.closing) {
        done();
        return;
      }
      const { status, body, retryAfterSeconds } = mapError(
        new AppError('service_unavailable', { message: 'The service is shutting down; retry shortly.', retryAfterSeconds: 1 }),
      );
      void reply.code(status).header('connection', 'close').header('retry-after', String(retryAfterSeconds)).send(body);
    });
    fastify.addHook('onSend', (_request, reply, payload, done) => {
      if (this.closing) reply.header('connection', 'close');
      done(null, payload);
    });
  }

  /** Installs the signal handlers; a second signal while draining exits at once. */
  listen(app: INestApplication, fastify: FastifyInstance, timeoutSeconds: number): void {
    const onSignal = (signal: NodeJS.Signals) => {
      if (this.closing) {
        this.logger.warn({ signal }, 'second signal while shutting down: exiting now');
        process.exit(1);
      }
      void this.shutdown(app, fastify, signal, timeoutSeconds);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  }

  private async shutdown(app: INestApplication, fastify: FastifyInstance, signal: NodeJS.Signals, timeoutSeconds: number): Promise<void> {
    this.closing = true;
    const started = Date.now();
    this.logger.info({ signal, timeoutSeconds }, 'shutting down: no new connections; draining requests in flight');
    const deadline = setTimeout(() => {
      this.logger.error({ timeoutSeconds }, 'shutdown deadline passed with work still in flight: exiting');
      process.exit(1);
    }, timeoutSeconds * 1000);
    deadline.unref();
    const reaper = setInterval(() => fastify.server.closeIdleConnections(), REAP_IDLE_EVERY_MS);
    reaper.unref();
    try {
      await app.close();
      this.logger.info({ durationMs: Date.now() - started }, 'shut down cleanly');
      process.exit(0);
    } catch (error) {
      this.logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  }
}
