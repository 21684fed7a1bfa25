import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { AppError } from '../common/app-error.js';
import type { RateLimitBucket } from '../common/route-policy.js';
import { AppConfig } from '../config/app-config.js';
import { Metrics } from '../metrics/metrics.js';
import { readEmail } from '../users/email.js';
import { parseClientIp } from './principal.js';

/**
 * Fixed-window limits (rate-limiter-flexible, in memory: per instance, see
 * docs/passwords.md). Logins count per IP, per (account, IP) with a low
 * limit and per account with a much higher one: a guessing run from one
 * address is slowed at once, a distributed one by the account limit, and
 * the owner, from another address, can still sign in meanwhile. Accounts
 * are keyed by the canonical email, so a look-alike spelling shares them.
 */
@Injectable()
export class RateLimits {
  private readonly limiters: Record<RateLimitBucket, RateLimiterMemory>;

  constructor(
    config: AppConfig,
    private readonly metrics: Metrics,
  ) {
    const { windowSeconds: duration, loginPerIp, loginPerAccountIp, loginPerAccount, registerPerIp, refreshPerIp } = config.rateLimits;
    this.limiters = {
      'login-ip': new RateLimiterMemory({ keyPrefix: 'login-ip', points: loginPerIp, duration }),
      'login-account-ip': new RateLimiterMemory({ keyPrefix: 'login-account-ip', points: loginPerAccountIp, duration }),
      'login-account': new RateLimiterMemory({ keyPrefix: 'login-account', points: loginPerAccount, duration }),
      'register-ip': new RateLimiterMemory({ keyPrefix: 'register-ip', points: registerPerIp, duration }),
      'refresh-ip': new RateLimiterMemory({ keyPrefix: 'refresh-ip', points: refreshPerIp, duration }),
    };
  }

  /**
   * Counts the request against each bucket in the route's order; 429 with
   * Retry-After at the first one exhausted, and the buckets after it are not
   * counted: attempts refused per (account, IP) never use up the account's.
   */
  async consume(request: FastifyRequest, buckets: readonly RateLimitBucket[]): Promise<void> {
    for (const bucket of buckets) {
      const key = keyFor(bucket, request);
      if (key === undefined) continue;
      try {
        await this.limiters[bucket].consume(key);
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
        if (bucket.startsWith('login-')) this.metrics.login('rate_limited');
        throw new AppError('rate_limited', { retryAfterSeconds: rejection.msBeforeNext / 1000 });
      }
    }
  }
}

/** Undefined skips the bucket: a body without a usable email is refused by validation right after. */
function keyFor(bucket: RateLimitBucket, request: FastifyRequest): string | undefined {
  // Addresses that do not parse share one key rather than each getting a fresh bucket.
  const ip = parseClientIp(request.ip) ?? 'unparseable';
  if (bucket !== 'login-account' && bucket !== 'login-account-ip') return ip;
  const email = (request.body as { email?: unknown } | undefined)?.email;
  const account = typeof email === 'string' && email.length <= 320 ? readEmail(email).email : undefined;
  if (account === undefined) return undefined;
  return bucket === 'login-account' ? account : `${account} ${ip}`;
}
