import { type CanActivate, type ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { AppError } from '../common/app-error.js';
import { AppConfig } from '../config/app-config.js';
import { normalizeEmail } from '../users/email.js';

export type RateLimitBucket = 'login-ip' | 'login-account' | 'register-ip' | 'refresh-ip';

const RATE_LIMIT = 'auth:rateLimit';

/** Counts the request against each named bucket; the limits come from configuration. */
export const RateLimit = (...buckets: RateLimitBucket[]) => SetMetadata(RATE_LIMIT, buckets);

/**
 * Fixed-window limits per IP and per account (rate-limiter-flexible, in
 * memory: per instance, see README). The account bucket keys on the
 * normalised email, so a password-guessing run is slowed whichever IPs it uses.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly limiters: Record<RateLimitBucket, RateLimiterMemory>;

  constructor(
    private readonly reflector: Reflector,
    config: AppConfig,
  ) {
    const { windowSeconds: duration, loginPerIp, loginPerAccount, registerPerIp, refreshPerIp } = config.rateLimits;
    this.limiters = {
      'login-ip': new RateLimiterMemory({ keyPrefix: 'login-ip', points: loginPerIp, duration }),
      'login-account': new RateLimiterMemory({ keyPrefix: 'login-account', points: loginPerAccount, duration }),
      'register-ip': new RateLimiterMemory({ keyPrefix: 'register-ip', points: registerPerIp, duration }),
      'refresh-ip': new RateLimiterMemory({ keyPrefix: 'refresh-ip', points: refreshPerIp, duration }),
    };
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const buckets = this.reflector.get<RateLimitBucket[] | undefined>(RATE_LIMIT, context.getHandler());
    if (!buckets) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    for (const bucket of buckets) {
      const key = keyFor(bucket, request);
      if (key === undefined) continue;
      try {
        await this.limiters[bucket].consume(key);
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
        throw new AppError(429, 'rate_limited', 'Too many attempts; retry later.', {
          retryAfterSeconds: rejection.msBeforeNext / 1000,
        });
      }
    }
    return true;
  }
}

function keyFor(bucket: RateLimitBucket, request: FastifyRequest): string | undefined {
  if (bucket !== 'login-account') return request.ip;
  const email = (request.body as { email?: unknown } | undefined)?.email;
  return typeof email === 'string' && email.length <= 320 ? normalizeEmail(email) : undefined;
}
