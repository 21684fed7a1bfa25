import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { AppConfig } from '../config/app-config.js';
import { Clock } from '../common/clock.js';
import { decryptPrivateKey, encryptPrivateKey } from './key-encryption.js';
import { SigningKeysRepository } from './signing-keys.repository.js';

export const SIGNING_ALGORITHM = 'ES256';

export interface ActiveSigningKey {
  kid: string;
  privateKey: KeyObject;
}

interface KeyCache {
  signing: ActiveSigningKey;
  verification: Map<string, KeyObject>;
  jwks: JWK[];
}

/** How often keys are re-read, so that a rotation on another instance is seen. */
const RELOAD_INTERVAL_MS = 60_000;
/** An unknown kid triggers at most one re-read per this period (random kids must not hammer the database). */
const UNKNOWN_KID_RELOAD_MS = 5_000;

/**
 * Signing keys: created on first start, kept encrypted in the database, held
 * decrypted in memory. Verification of our own access tokens reads only this
 * cache.
 */
@Injectable()
export class SigningKeysService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(SigningKeysService.name);
  private cache: KeyCache | undefined;
  private loadedAt = 0;
  private reloading: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly keys: SigningKeysRepository,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  async onModuleInit(): Promise<void> {
    const created = await this.keys.ensureCurrent(this.clock.now(), () => this.generate());
    if (created) this.logger.log({ msg: 'created the first signing key', event: 'signing_key_created', kid: created });
    await this.reload();
    this.timer = setInterval(() => void this.reloadQuietly(), RELOAD_INTERVAL_MS);
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
    const known = this.cache?.verification.get(kid);
    if (known) return known;
    if (Date.now() - this.loadedAt < UNKNOWN_KID_RELOAD_MS) return undefined;
    await this.reloadQuietly();
    return this.cache?.verification.get(kid);
  }

  jwks(): { keys: JWK[] } {
    return { keys: this.cache?.jwks ?? [] };
  }

  async reload(): Promise<void> {
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
    const verification = new Map<string, KeyObject>();
    const jwks: JWK[] = [];
    for (const row of rows) {
      const jwk = row.publicJwk as JWK;
      verification.set(row.kid, createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' }));
      jwks.push(jwk);
    }
    const privateKey = createPrivateKey({
      key: decryptPrivateKey(this.config.tokens.keyEncryptionSecret, current.kid, Buffer.from(current.privateKeyCiphertext)),
      format: 'der',
      type: 'pkcs8',
    });
    this.cache = { signing: { kid: current.kid, privateKey }, verification, jwks };
    this.loadedAt = Date.now();
  }

  private async generate() {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const exported = publicKey.export({ format: 'jwk' }) as JWK;
    const kid = await calculateJwkThumbprint(exported, 'sha256');
    const publicJwk = { kty: exported.kty, crv: exported.crv, x: exported.x, y: exported.y, kid, alg: SIGNING_ALGORITHM, use: 'sig' };
    const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' });
    return {
      kid,
      algorithm: SIGNING_ALGORITHM,
      publicJwk,
      privateKeyCiphertext: encryptPrivateKey(this.config.tokens.keyEncryptionSecret, kid, pkcs8),
    };
  }
}
