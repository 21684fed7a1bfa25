import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import type { JWK } from 'jose';
import { AUDIT_EVENT, type AuditEventType } from '../audit/audit-entry.js';
import { AppConfig } from '../config/app-config.js';
import { AppError } from '../common/app-error.js';
import type { Actor } from '../common/client-info.js';
import { Clock } from '../common/clock.js';
import { Random } from '../common/random.js';
import { NotificationListener } from '../database/notification-listener.js';
import { CHANNEL } from '../database/notifications.js';
import { Metrics } from '../metrics/metrics.js';
import { decryptPrivateKey } from './key-encryption.js';
import { generateSigningKey } from './key-generation.js';
import { KEY_RELOAD_INTERVAL_SECONDS, publicationLeadMs, retiredPublishUntil } from './key-lifecycle.js';
import { type KeyChangeAudit, SigningKeysRepository } from './signing-keys.repository.js';

export interface ActiveSigningKey {
  kid: string;
  privateKey: KeyObject;
}

interface PublishedKey {
  jwk: JWK;
  key: KeyObject;
  /** Null while the key is current or next; a retired key drops out of verification and the JWKS then. */
  publishUntil: Date | null;
}

interface KeyCache {
  signing: ActiveSigningKey;
  /** When the signing key became current: its age is a metric. */
  signingSince: Date;
  published: Map<string, PublishedKey>;
}

/** An unknown kid triggers at most one re-read per this period (random kids must not hammer the database). */
const UNKNOWN_KID_RELOAD_MS = 5_000;

function keyAudit(type: AuditEventType, actor: Actor, data: KeyChangeAudit['data']): KeyChangeAudit {
  const { ip, userAgent, origin } = actor.client;
  return { type, actor: actor.id, origin, userId: null, sessionId: null, ip, userAgent, data };
}

/**
 * Signing keys: created on first start, kept encrypted in the database, held
 * decrypted in memory. Verification of our own access tokens reads only this
 * cache.
 */
@Injectable()
export class SigningKeysService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(SigningKeysService.name);
  private cache: KeyCache | undefined;
  /** Clock time of the last load, in ms. */
  private loadedAt = 0;
  private reloading: Promise<void> | undefined;
  private nextReload: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly keys: SigningKeysRepository,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly random: Random,
    listener: NotificationListener,
    metrics: Metrics,
  ) {
    listener.on(CHANNEL.keys, () => void this.reloadQuietly());
    listener.onResync(() => this.reload());
    metrics.sampleSigningKeyAge(() => this.cache && (this.clock.now().getTime() - this.cache.signingSince.getTime()) / 1000);
  }

  async onModuleInit(): Promise<void> {
    const created = await this.keys.ensureCurrent(this.clock.now(), () => this.generate());
    if (created) this.logger.log({ msg: 'created the first signing key', event: 'signing_key_created', kid: created });
    await this.reload();
    this.timer = setInterval(() => void this.reloadQuietly(), KEY_RELOAD_INTERVAL_SECONDS * 1000);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  signingKey(): ActiveSigningKey {
    if (!this.cache) throw new Error('signing keys are not loaded yet');
    return this.cache.signing;
  }

  async verificationKey(kid: string): Promise<KeyObject | undefined> {
    const known = this.published(kid);
    if (known || this.clock.now().getTime() - this.loadedAt < UNKNOWN_KID_RELOAD_MS) return known;
    await this.reloadQuietly();
    return this.published(kid);
  }

  private published(kid: string): KeyObject | undefined {
    const entry = this.cache?.published.get(kid);
    return entry && this.stillPublished(entry) ? entry.key : undefined;
  }

  private stillPublished(entry: PublishedKey): boolean {
    return entry.publishUntil === null || entry.publishUntil > this.clock.now();
  }

  listKeys() {
    return this.keys.listAll();
  }

  /**
   * Two-phase rotation by hand. The first call publishes a next key, which
   * signs nothing yet; once every instance has re-read the keys and verifiers
   * have had time to fetch the new set (the lead time of key-lifecycle.ts),
   * the second call makes it current and retires the old one, still published
   * until every token it signed has expired. `force` does both at once
   * (after a leak), accepting that caching verifiers refetch on the new kid.
   */
  async rotate(actor: Actor, force: boolean): Promise<{ action: 'staged' | 'promoted'; current: string; next: string | null }> {
    const now = this.clock.now();
    const audit = (type: AuditEventType) => keyAudit(type, actor, { force });
    const actorId = actor.id;
    let staged = await this.keys.findNext();
    if (!staged) {
      const kid = await this.keys.stageNext(now, () => this.generate(), audit(AUDIT_EVENT.keyStaged));
      await this.reload();
      this.logger.log({ msg: 'next signing key published', event: AUDIT_EVENT.keyStaged, kid, actorId });
      if (!force) return { action: 'staged', current: this.signingKey().kid, next: kid };
      staged = { kid, createdAt: now };
    }
    const waitMs = publicationLeadMs(this.config.tokens);
    const publishUntil = retiredPublishUntil(now, this.config.tokens);
    const change = await this.keys.promoteNext(now, publishUntil, audit(AUDIT_EVENT.keyPromoted), {
      kid: staged.kid,
      stagedNoLaterThan: force ? undefined : new Date(now.getTime() - waitMs),
    });
    if (change.kind === 'refused') {
      const readyAt = new Date(staged.createdAt.getTime() + waitMs).toISOString();
      throw new AppError('key_not_ready', {
        message:
          change.reason === 'too_early'
            ? `The next key ${staged.kid} was published at ${staged.createdAt.toISOString()}; instances and verifiers may hold the old key set until ${readyAt}. Retry then, or force.`
            : 'The staged key changed meanwhile; list the keys and retry.',
      });
    }
    await this.reload();
    this.logger.log({ msg: 'signing key rotated', event: AUDIT_EVENT.keyPromoted, ...change.value, actorId, publishUntil });
    return { action: 'promoted', current: change.value.current, next: null };
  }

  /**
   * Takes a next or retired key out of the JWKS: at once on this instance,
   * within the reload interval on the others. Tokens it signed stop verifying.
   */
  async withdraw(kid: string, actor: Actor): Promise<void> {
    const change = await this.keys.withdraw(kid, this.clock.now(), keyAudit(AUDIT_EVENT.keyWithdrawn, actor, {}));
    if (change.kind === 'refused') throw new AppError(change.reason === 'not_found' ? 'key_not_found' : 'key_is_current');
    await this.reload();
    this.logger.warn({ msg: 'signing key withdrawn from the JWKS', event: AUDIT_EVENT.keyWithdrawn, kid, actorId: actor.id });
  }

  jwks(): { keys: JWK[] } {
    const entries = [...(this.cache?.published.values() ?? [])];
    return { keys: entries.filter((entry) => this.stillPublished(entry)).map((entry) => entry.jwk) };
  }

  /**
   * Resolves once a load that began after this call has finished. A load
   * already under way may have read the table before the caller's commit, so
   * the caller waits for the next one; callers that arrive meanwhile share it,
   * and loads never overlap, so an older read never overwrites a newer one.
   */
  reload(): Promise<void> {
    if (!this.reloading) return this.startLoad();
    this.nextReload ??= this.reloading
      .catch(() => undefined)
      .then(() => {
        this.nextReload = undefined;
        return this.startLoad();
      });
    return this.nextReload;
  }

  private startLoad(): Promise<void> {
    this.reloading ??= this.load().finally(() => {
      this.reloading = undefined;
    });
    return this.reloading;
  }

  private async reloadQuietly(): Promise<void> {
    try {
      await this.reload();
    } catch (error) {
      this.logger.error({ msg: 'could not reload signing keys; keeping the ones in memory', err: error });
    }
  }

  private async load(): Promise<void> {
    const rows = await this.keys.listPublished(this.clock.now());
    const current = rows.find((row) => row.state === 'current');
    if (!current) throw new Error('no current signing key in the database');
    const published = new Map<string, PublishedKey>();
    for (const row of rows) {
      const jwk = row.publicJwk as JWK;
      const key = createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' });
      published.set(row.kid, { jwk, key, publishUntil: row.state === 'retired' ? row.publishUntil : null });
    }
    const privateKey = createPrivateKey({
      key: decryptPrivateKey(this.config.tokens.keyEncryptionSecret, current.kid, Buffer.from(current.privateKeyCiphertext)),
      format: 'der',
      type: 'pkcs8',
    });
    this.cache = { signing: { kid: current.kid, privateKey }, signingSince: current.activatedAt ?? current.createdAt, published };
    this.loadedAt = this.clock.now().getTime();
  }

  generate() {
    return generateSigningKey(this.config.tokens.keyEncryptionSecret, this.random.bytes(12));
  }
}
