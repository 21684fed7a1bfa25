import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { AppError } from '../common/app-error.js';
import type { RateLimitBucket } from '../common/route-policy.js';
import { AppConfig } from '../config/app-config.js';
import { readEmail } from '../users/email.js';
import { parseClientIp, type Principal } from './principal.js';

/**
 * Fixed-window limits (rate-limiter-flexible, in memory: per instance, see
 * docs/passwords.md). Logins count per IP, per (account, IP) with a low
 * limit and per account with a much higher one: a guessing run from one
 * address is slowed at once, a distributed one by the account limit, and
 * the owner, from another address, can still sign in meanwhile. Accounts
 * are keyed by the canonical email, so a look-alike spelling shares them.
 * Mailed links count per IP, and per address over a longer window.
 */
@Injectable()
export class RateLimits {
  private readonly limiters: Record<RateLimitBucket, RateLimiterMemory>;

  constructor(config: AppConfig) {
    const { windowSeconds: duration, loginPerIp, loginPerAccountIp, loginPerAccount, registerPerIp, refreshPerIp } = config.rateLimits;
    const { recoveryPerIp, mailsPerAccount, mailWindowSeconds } = config.rateLimits;
    this.limiters = {
      'login-ip': new RateLimiterMemory({ keyPrefix: 'login-ip', points: loginPerIp, duration }),
      'login-account-ip': new RateLimiterMemory({ keyPrefix: 'login-account-ip', points: loginPerAccountIp, duration }),
      'login-account': new RateLimiterMemory({ keyPrefix: 'login-account', points: loginPerAccount, duration }),
      'register-ip': new RateLimiterMemory({ keyPrefix: 'register-ip', points: registerPerIp, duration }),
      'refresh-ip': new RateLimiterMemory({ keyPrefix: 'refresh-ip', points: refreshPerIp, duration }),
      'recovery-ip': new RateLimiterMemory({ keyPrefix: 'recovery-ip', points: recoveryPerIp, duration }),
      'mail-account': new RateLimiterMemory({ keyPrefix: 'mail-account', points: mailsPerAccount, duration: mailWindowSeconds }),
    };
  }

  /**
   * Counts the request against each bucket in the route's order; 429 with
   * Retry-After at the first one exhausted, and the buckets after it are not
   * counted: attempts refused per (account, IP) never use up the account's.
   */
  async consume(request: FastifyRequest & { user?: Principal }, buckets: readonly RateLimitBucket[]): Promise<void> {
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

const ACCOUNT_BUCKETS = new Set<RateLimitBucket>(['login-account', 'login-account-ip', 'mail-account']);

/**
 * The account a request counts against: the signed-in user's own (a password
 * change, a deletion: then the body has no say, so nobody spends another
 * account's allowance), else the canonical email of the body. Undefined
 * skips the bucket: a body without a usable email is refused by validation right after.
 */
function accountOf(request: FastifyRequest & { user?: Principal }): string | undefined {
  if (request.user) return request.user.user.email;
  const email = (request.body as { email?: unknown } | undefined)?.email;
  return typeof email === 'string' && email.length <= 320 ? readEmail(email).email : undefined;
}

function keyFor(bucket: RateLimitBucket, request: FastifyRequest & { user?: Principal }): string | undefined {
  // Addresses that do not parse share one key rather than each getting a fresh bucket.
  const ip = parseClientIp(request.ip) ?? 'unparseable';
  if (!ACCOUNT_BUCKETS.has(bucket)) return ip;
  const account = accountOf(request);
  if (account === undefined) return undefined;
  return bucket === 'login-account-ip' ? `${account} ${ip}` : account;
}
