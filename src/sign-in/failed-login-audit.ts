import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { ANONYMOUS_ACTOR, AUDIT_EVENT } from '../audit/audit-entry.js';
import { AuditWriter } from '../audit/audit.writer.js';
import type { ClientInfo } from '../common/client-info.js';
import { Clock } from '../common/clock.js';
import { UsersService } from '../users/users.service.js';

/** Per account (or per IP, for unknown accounts): at most this many `login_failed` events per window. */
const EVENTS_PER_KEY = 5;
/** For all keys together, per instance: a run over many accounts from many addresses is capped too. */
const EVENTS_PER_INSTANCE = 100;
const WINDOW_MS = 10 * 60 * 1000;
/** Keys remembered at once; the oldest are forgotten first (a forgotten key starts a fresh window). */
const MAX_KEYS = 10_000;

interface KeyWindow {
  startedAt: number;
  written: number;
  /** Failures not written since the last event of this key: the next one says how many. */
  suppressed: number;
}

/**
 * Failed logins go to the audit trail, but a guessing run must not flood
 * it: per window, a few events per account (or per IP when the account is
 * unknown) and a cap for the whole instance; each event says how many
 * failures of its key were left out before it. Never the password, and
 * never the email typed for an unknown account (it may be a mistyped
 * password). Counted per instance, in memory, like the login rate limits.
 */
@Injectable()
export class FailedLoginAudit {
  private readonly keys = new LRUCache<string, KeyWindow>({ max: MAX_KEYS });
  private instance = { startedAt: 0, written: 0 };

  constructor(
    private readonly users: UsersService,
    private readonly audit: AuditWriter,
    private readonly clock: Clock,
  ) {}

  async record(email: string, client: ClientInfo): Promise<void> {
    const now = this.clock.now();
    const user = await this.users.findByEmail(email).catch(() => null);
    const key = user ? `user:${user.id}` : `ip:${client.ip ?? 'unknown'}`;
    const window = this.windowOf(key, now.getTime());
    if (now.getTime() - this.instance.startedAt >= WINDOW_MS) this.instance = { startedAt: now.getTime(), written: 0 };
    if (window.written >= EVENTS_PER_KEY || this.instance.written >= EVENTS_PER_INSTANCE) {
      window.suppressed += 1;
      return;
    }
    const suppressedBefore = window.suppressed;
    window.written += 1;
    window.suppressed = 0;
    this.instance.written += 1;
    await this.audit.recordAlone({
      at: now,
      type: AUDIT_EVENT.loginFailed,
      actor: ANONYMOUS_ACTOR,
      origin: client.origin,
      userId: user?.id ?? null,
      sessionId: null,
      ip: client.ip,
      userAgent: client.userAgent,
      data: { reason: user ? 'wrong_password' : 'unknown_account', suppressedBefore },
    });
  }

  private windowOf(key: string, now: number): KeyWindow {
    const window = this.keys.get(key);
    if (window && now - window.startedAt < WINDOW_MS) return window;
    // A new window carries over what the old one left out, so the count is never lost.
    const fresh = { startedAt: now, written: 0, suppressed: window?.suppressed ?? 0 };
    this.keys.set(key, fresh);
    return fresh;
  }
}
