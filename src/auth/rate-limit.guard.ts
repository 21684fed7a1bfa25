import { type CanActivate, type ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ThrottlerStorageService } from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../common/app-error.js';
import { AppConfig } from '../config/app-config.js';
import { normalizeEmail } from '../users/email.js';

export type RateLimitBucket = 'login-ip' | 'login-account' | 'register-ip' | 'refresh-ip';

const RATE_LIMIT = 'auth:rateLimit';

/** Counts the request against each named bucket; the limits come from configuration. */
export const RateLimit = (...buckets: RateLimitBucket[]) => SetMetadata(RATE_LIMIT, buckets);

/**
 * Fixed-window limits per IP and per account, counted in @nestjs/throttler's
 * storage (in memory: per instance, see README). The account bucket keys on
 * the normalised email, so a password-guessing run is slowed whichever IPs it uses.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly storage: ThrottlerStorageService,
    private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const buckets = this.reflector.get<RateLimitBucket[] | undefined>(RATE_LIMIT, context.getHandler());
    if (!buckets) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const windowMs = this.config.rateLimits.windowSeconds * 1000;
    for (const bucket of buckets) {
      const key = this.keyFor(bucket, request);
      if (key === undefined) continue;
      const record = await this.storage.increment(`${bucket}:${key}`, windowMs, this.limitOf(bucket), windowMs, bucket);
      if (record.isBlocked) {
        throw new AppError(429, 'rate_limited', 'Too many attempts; retry later.', {
          retryAfterSeconds: record.timeToBlockExpire,
        });
      }
    }
    return true;
  }

  private keyFor(bucket: RateLimitBucket, request: FastifyRequest): string | undefined {
    if (bucket !== 'login-account') return request.ip;
    const email = (request.body as { email?: unknown } | undefined)?.email;
    return typeof email === 'string' && email.length <= 320 ? normalizeEmail(email) : undefined;
  }

  private limitOf(bucket: RateLimitBucket): number {
    const limits = this.config.rateLimits;
    switch (bucket) {
      case 'login-ip':
        return limits.loginPerIp;
      case 'login-account':
        return limits.loginPerAccount;
      case 'register-ip':
        return limits.registerPerIp;
      case 'refresh-ip':
        return limits.refreshPerIp;
    }
  }
}
