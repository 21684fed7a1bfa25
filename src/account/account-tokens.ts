import { Injectable } from '@nestjs/common';
import type { AuditEntry } from '../audit/audit-entry.js';
import { Clock } from '../common/clock.js';
import { formatOpaqueToken, hashSecret, parseOpaqueToken, SECRET_BYTES, secretMatches } from '../common/opaque-token.js';
import { Random } from '../common/random.js';
import { type AccountTokenPurpose, AccountTokensRepository, type StoredAccountToken } from './account-tokens.repository.js';

/**
 * Mailed single-use tokens, `<id>.<secret>` like refresh tokens: 32 random
 * bytes, stored as SHA-256, compared in constant time. Making one replaces
 * the user's earlier one of the same purpose.
 */
@Injectable()
export class AccountTokens {
  constructor(
    private readonly tokens: AccountTokensRepository,
    private readonly clock: Clock,
    private readonly random: Random,
  ) {}

  /** The token to mail; only its hash is stored. `audit` (its `at` is ignored) commits with it. */
  async issue(userId: string, purpose: AccountTokenPurpose, ttlSeconds: number, audit?: Omit<AuditEntry, 'at'>): Promise<string> {
    const now = this.clock.now();
    const parts = { id: this.random.uuid(), secret: this.random.bytes(SECRET_BYTES) };
    await this.tokens.issue(
      {
        id: parts.id,
        userId,
        purpose,
        secretHash: hashSecret(parts.secret),
        createdAt: now,
        expiresAt: new Date(now.getTime() + ttlSeconds * 1000),
      },
      audit && { ...audit, at: now },
    );
    return formatOpaqueToken(parts);
  }

  /**
   * The stored token that `raw` proves, if it is unused and unexpired now;
   * null for anything else (malformed, unknown, wrong secret, used, expired),
   * which callers answer with one and the same error. Using it is a separate
   * compare-and-set (AccountTokensRepository.markUsed).
   */
  async findUsable(raw: string, purpose: AccountTokenPurpose): Promise<StoredAccountToken | null> {
    const presented = parseOpaqueToken(raw);
    if (!presented) return null;
    const found = await this.tokens.find(presented.id, purpose);
    if (!found || !secretMatches(presented.secret, found.secretHash)) return null;
    return found.usedAt === null && found.expiresAt > this.clock.now() ? found : null;
  }
}
