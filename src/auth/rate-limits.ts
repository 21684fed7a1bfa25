import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { AppError } from '../common/app-error.js';
import type { RateLimitBucket } from '../common/route-policy.js';
import { AppConfig } from '../config/app-config.js';
import { normalizeEmail } from '../users/email.js';

/**
 * Fixed-window limits per IP and per account (rate-limiter-flexible, in
 * memory: per instance, see docs/passwords.md). The account bucket keys on the
 * normalised email, so a password-guessing run is slowed whichever IPs it uses.
 */
@Injectable()
export class RateLimits {
  private readonly limiters: Record<RateLimitBucket, RateLimiterMemory>;

  constructor(config: AppConfig) {
    const { windowSeconds: duration, loginPerIp, loginPerAccount, registerPerIp, refreshPerIp } = config.rateLimits;
    this.limiters = {
      'login-ip': new RateLimiterMemory({ keyPrefix: 'login-ip', points: loginPerIp, duration }),
      'login-account': new RateLimiterMemory({ keyPrefix: 'login-account', points: loginPerAccount, duration }),
      'register-ip': new RateLimiterMemory({ keyPrefix: 'register-ip', points: registerPerIp, duration }),
      'refresh-ip': new RateLimiterMemory({ keyPrefix: 'refresh-ip', points: refreshPerIp, duration }),
    };
  }

  /** Counts the request against each bucket; 429 with Retry-After when one is exhausted. */
  async consume(request: FastifyRequest, buckets: readonly RateLimitBucket[]): Promise<void> {
    for (const bucket of buckets) {
      const key = keyFor(bucket, request);
      if (key === undefined) continue;
      try {
        await this.limiters[bucket].consume(key);
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
        throw new AppError('rate_limited', { retryAfterSeconds: rejection.msBeforeNext / 1000 });
      }
    }
  }
}

function keyFor(bucket: RateLimitBucket, request: FastifyRequest): string | undefined {
  if (bucket !== 'login-account') return request.ip;
  const email = (request.body as { email?: unknown } | undefined)?.email;
  return typeof email === 'string' && email.length <= 320 ? normalizeEmail(email) : undefined;
}
