import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { type RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import { AppError } from '../common/app-error.js';
import { sha256 } from '../common/crypto.js';
import type { RateLimitBucket } from '../common/route-policy.js';
import { AppConfig } from '../config/app-config.js';
import type { ServiceClient } from '../service-clients/service-clients.js';
import { readEmail } from '../users/email.js';
import { parseClientIp } from './principal.js';
import { RateLimitStore } from './rate-limit-store.js';

/**
 * Fixed-window limits (rate-limiter-flexible, counted in a store every
 * instance shares: see RateLimitStore and docs/passwords.md). Logins count
 * per IP, per (account, IP) with a low limit and per account with a much
 * higher one: a guessing run from one
 * address is slowed at once, a distributed one by the account limit, and
 * the owner, from another address, can still sign in meanwhile. Accounts
 * are keyed by the canonical email, so a look-alike spelling shares them.
 */
@Injectable()
export class RateLimits {
  private readonly limiters: Record<RateLimitBucket, RateLimiterAbstract>;

  constructor(config: AppConfig, store: RateLimitStore) {
    const { windowSeconds: duration, loginPerIp, loginPerAccountIp, loginPerAccount, registerPerIp, refreshPerIp, perServiceClient } = config.rateLimits;
    const limiter = (keyPrefix: RateLimitBucket, points: number) => store.limiter({ keyPrefix, points, duration });
    this.limiters = {
      'login-ip': limiter('login-ip', loginPerIp),
      'login-account-ip': limiter('login-account-ip', loginPerAccountIp),
      'login-account': limiter('login-account', loginPerAccount),
      'register-ip': limiter('register-ip', registerPerIp),
      'refresh-ip': limiter('refresh-ip', refreshPerIp),
      'service-client': limiter('service-client', perServiceClient),
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
        await this.limiters[bucket].consume(storeKey(key));
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
        throw new AppError('rate_limited', { retryAfterSeconds: rejection.msBeforeNext / 1000 });
      }
    }
  }
}

/** Keys hold emails and IPs: the shared store keeps only their hash (and a bounded length). */
function storeKey(key: string): string {
  return sha256(key).toString('base64url');
}

/**
 * Undefined skips the bucket: a body without a usable email is refused by
 * validation right after. Service clients count per credential, once
 * authenticated, so that nobody can spend another client's allowance.
 */
function keyFor(bucket: RateLimitBucket, request: FastifyRequest & { serviceClient?: ServiceClient }): string | undefined {
  if (bucket === 'service-client') return request.serviceClient?.clientId;
  // Addresses that do not parse share one key rather than each getting a fresh bucket.
  const ip = parseClientIp(request.ip) ?? 'unparseable';
  if (bucket !== 'login-account' && bucket !== 'login-account-ip') return ip;
  const email = (request.body as { email?: unknown } | undefined)?.email;
  const account = typeof email === 'string' && email.length <= 320 ? readEmail(email).email : undefined;
  if (account === undefined) return undefined;
  return bucket === 'login-account' ? account : `${account} ${ip}`;
}
