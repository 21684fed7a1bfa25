import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { type RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import { AppError } from '../common/app-error.js';
import { sha256 } from '../common/crypto.js';
import type { RateLimitBucket } from '../common/route-policy.js';
import { AppConfig } from '../config/app-config.js';
import { Metrics } from '../metrics/metrics.js';
import type { ServiceClient } from '../service-clients/service-clients.js';
import { readEmail } from '../users/email.js';
import { parseClientIp, type Principal } from './principal.js';
import { RateLimitStore } from './rate-limit-store.js';

/**
 * Fixed-window limits (rate-limiter-flexible, counted in a store every
 * instance shares: see RateLimitStore and docs/passwords.md). Logins count
 * per IP, per (account, IP) with a low limit and per account with a much
 * higher one: a guessing run from one address is slowed at once, a
 * distributed one by the account limit, and the owner, from another
 * address, can still sign in meanwhile. Accounts
 * are keyed by the canonical email, so a look-alike spelling shares them.
 * Mailed links count per IP, and per address over a longer window.
 * Refreshes count per IP in each instance's memory, not in the shared
 * store: a refresh presents a 256-bit secret, so the limit is against floods,
 * not guessing, and N instances allowing N times the limit changes nothing
 * an attacker can do; a shared count would cost every refresh, the hottest
 * write path, one more database round trip (docs/performance.md).
 */
@Injectable()
export class RateLimits {
  private readonly limiters: Record<RateLimitBucket, RateLimiterAbstract>;

  constructor(
    config: AppConfig,
    store: RateLimitStore,
    private readonly metrics: Metrics,
  ) {
    const { windowSeconds: duration, loginPerIp, loginPerAccountIp, loginPerAccount, registerPerIp, refreshPerIp, perServiceClient } = config.rateLimits;
    const { recoveryPerIp, mailsPerAccount, mailWindowSeconds } = config.rateLimits;
    const limiter = (keyPrefix: RateLimitBucket, points: number, window = duration, perInstance = false) =>
      store.limiter({ keyPrefix, points, duration: window, perInstance });
    this.limiters = {
      'login-ip': limiter('login-ip', loginPerIp),
      'login-account-ip': limiter('login-account-ip', loginPerAccountIp),
      'login-account': limiter('login-account', loginPerAccount),
      'register-ip': limiter('register-ip', registerPerIp),
      'refresh-ip': limiter('refresh-ip', refreshPerIp, duration, true),
      'service-client': limiter('service-client', perServiceClient),
      'recovery-ip': limiter('recovery-ip', recoveryPerIp),
      'mail-account': limiter('mail-account', mailsPerAccount, mailWindowSeconds),
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
        await this.limiters[bucket].consume(storeKey(key));
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
        if (bucket.startsWith('login-')) this.metrics.login('rate_limited');
        throw new AppError('rate_limited', { retryAfterSeconds: rejection.msBeforeNext / 1000 });
      }
    }
  }
}

/** Keys hold emails and IPs: the shared store keeps only their hash (and a bounded length). */
function storeKey(key: string): string {
  return sha256(key).toString('base64url');
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

/** Service clients count per credential, once authenticated, so that nobody can spend another client's allowance. */
function keyFor(bucket: RateLimitBucket, request: FastifyRequest & { user?: Principal; serviceClient?: ServiceClient }): string | undefined {
  if (bucket === 'service-client') return request.serviceClient?.clientId;
  // Addresses that do not parse share one key rather than each getting a fresh bucket.
  const ip = parseClientIp(request.ip) ?? 'unparseable';
  if (!ACCOUNT_BUCKETS.has(bucket)) return ip;
  const account = accountOf(request);
  if (account === undefined) return undefined;
  return bucket === 'login-account-ip' ? `${account} ${ip}` : account;
}
