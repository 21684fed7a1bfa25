import { type ArgumentsHost, Catch, type ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { mapError } from './error-mapper.js';

/**
 * Writes every error in DESIGN.md's shape. Catches everything, including
 * Fastify's body-parser errors, so that no stack or SQL reaches a client.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpError');

  constructor(private readonly clearAuthCookies: (reply: FastifyReply) => void) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    const mapped = mapError(error);

    if (mapped.unexpected) {
      this.logger.error({ msg: 'unhandled error', err: error, method: request.method, route: request.routeOptions?.url });
    }
    if (reply.sent) return;

    reply.status(mapped.status).header('cache-control', 'no-store');
    if (mapped.retryAfterSeconds !== undefined) {
      reply.header('retry-after', String(Math.max(1, Math.ceil(mapped.retryAfterSeconds))));
    }
    if (mapped.challenge) reply.header('www-authenticate', mapped.challenge);
    if (mapped.clearCookies) this.clearAuthCookies(reply);
    reply.type('application/json; charset=utf-8').send(mapped.body);
  }
}
