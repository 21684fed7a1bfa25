import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
import { AppError } from '../common/app-error.js';
import type { BearerCredentialName } from '../common/route-policy.js';
import { AppConfig } from '../config/app-config.js';

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Credentials from configuration that machines present as
 * `Authorization: Bearer …` (Prometheus on /metrics). Compared as SHA-256
 * digests in constant time, so that neither the length nor a prefix of the
 * secret shows in the answer time. A route whose credential is not
 * configured is off: 404, as if it did not exist.
 */
@Injectable()
export class BearerCredentials {
  private readonly expected: Record<BearerCredentialName, Buffer | undefined>;

  constructor(config: AppConfig) {
    this.expected = { metrics: config.metrics.token === undefined ? undefined : digest(config.metrics.token) };
  }

  verify(request: FastifyRequest, name: BearerCredentialName): void {
    const expected = this.expected[name];
    if (!expected) throw new AppError('not_found');
    const header = request.headers.authorization;
    if (typeof header !== 'string' || !/^Bearer /i.test(header)) {
      throw new AppError('authentication_required', { message: `This needs the ${name} credential as a Bearer token.` });
    }
    if (!timingSafeEqual(digest(header.slice(7).trim()), expected)) {
      throw new AppError('invalid_token', { message: `The ${name} credential is wrong.` });
    }
  }
}
