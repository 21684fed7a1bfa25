import { Injectable } from '@nestjs/common';
import { AUDIT_EVENT, type AuditEntry } from '../audit/audit-entry.js';
import { AuditWriter } from '../audit/audit.writer.js';
import type { SigningKey } from '../database/generated/client.js';
import { CHANNEL, notify } from '../database/notifications.js';
import { type Prisma, PrismaService } from '../database/prisma.service.js';
import type { KeyStep, LifecycleKey } from './key-lifecycle.js';

export interface NewSigningKey {
  kid: string;
  algorithm: string;
  publicJwk: Prisma.InputJsonValue;
  privateKeyCiphertext: Buffer;
}

/** The audit event of a key change; the key's kid is added to its data. */
export type KeyChangeAudit = Omit<AuditEntry, 'at'>;

/** Serialises key changes across instances (an advisory lock, held for one transaction). */
const KEY_CHANGE_LOCK = 0x6b657973;

/** A retired key never signs again, so its private part is dropped; it stays published until `publishUntil`. */
function retired(retiredAt: Date, publishUntil: Date): Prisma.SigningKeyUpdateInput {
  return { state: 'retired', retiredAt, publishUntil, privateKeyCiphertext: new Uint8Array(0) };
}

export type KeyChange<T> = { kind: 'done'; value: T } | { kind: 'refused'; reason: string };

export type AppliedKeyStep =
  | { kind: 'stage'; kid: string }
  | { kind: 'promote'; kid: string; retired: string | null; publishUntil: Date }
  | { kind: 'expire'; kid: string };

/** What a scheduled step needs besides the rows: a new key when staging, the end of a retiring key's publication. */
export interface StepInputs {
  create: () => Promise<NewSigningKey>;
  retiredPublishUntil: Date;
  audit: (type: AuditEntry['type'], data: Prisma.InputJsonObject) => KeyChangeAudit;
}

const LIFECYCLE_FIELDS = { kid: true, state: true, createdAt: true, activatedAt: true, publishUntil: true } as const;
const LIVE_STATES: Array<LifecycleKey['state']> = ['next', 'current', 'retired'];

@Injectable()
export class SigningKeysRepository {
  constructor(
    private readonly prisma: PrismaService,
    private readonly audit: AuditWriter,
  ) {}

  /** Creates the current key unless one exists; safe when several instances start at once. */
  async ensureCurrent(now: Date, create: () => Promise<NewSigningKey>): Promise<string | null> {
    return this.locked(async (tx) => {
      const current = await tx.signingKey.findFirst({ where: { state: 'current' }, select: { kid: true } });
      if (current) return null;
      const key = await create();
      await tx.signingKey.create({ data: this.row(key, 'current', now) });
      return key.kid;
    });
  }

  /** Keys whose public part belongs in the JWKS: next, current, and retired ones still in their grace period. */
  listPublished(now: Date): Promise<SigningKey[]> {
    return this.prisma.signingKey.findMany({
      where: {
        OR: [{ state: { in: ['next', 'current'] } }, { state: 'retired', publishUntil: { gt: now } }],
      },
      orderBy: { createdAt: 'desc' },
    });
  }

  /** The keys a lifecycle step can still apply to. */
  listLifecycle(): Promise<LifecycleKey[]> {
    return this.prisma.signingKey.findMany({ where: { state: { in: LIVE_STATES } }, select: LIFECYCLE_FIELDS });
  }

  /**
   * Takes the step `decide` finds due, judged on the rows as they are under
   * the key lock, with its audit event. However many instances call this at
   * once, each step is taken once: the others, next in the lock, find it done.
   */
  applyDueStep(now: Date, decide: (keys: LifecycleKey[]) => KeyStep | null, inputs: StepInputs): Promise<AppliedKeyStep | null> {
    return this.locked(async (tx) => {
      const keys = await tx.signingKey.findMany({ where: { state: { in: LIVE_STATES } }, select: LIFECYCLE_FIELDS });
      const step = decide(keys);
      if (!step) return null;
      const record = (type: AuditEntry['type'], data: Prisma.InputJsonObject) => this.audit.record(tx, { ...inputs.audit(type, data), at: now });
      if (step.kind === 'stage') {
        const key = await inputs.create();
        await tx.signingKey.create({ data: this.row(key, 'next', now) });
        await record(AUDIT_EVENT.keyStaged, { kid: key.kid });
        return { kind: 'stage', kid: key.kid };
      }
      if (step.kind === 'promote') {
        const current = keys.find((key) => key.state === 'current');
        if (current) await tx.signingKey.update({ where: { kid: current.kid }, data: retired(now, inputs.retiredPublishUntil) });
        await tx.signingKey.update({ where: { kid: step.kid }, data: { state: 'current', activatedAt: now } });
        await record(AUDIT_EVENT.keyPromoted, { kid: step.kid, retired: current?.kid ?? null, publishUntil: inputs.retiredPublishUntil.toISOString() });
        return { kind: 'promote', kid: step.kid, retired: current?.kid ?? null, publishUntil: inputs.retiredPublishUntil };
      }
      await tx.signingKey.update({ where: { kid: step.kid }, data: { state: 'expired' } });
      await record(AUDIT_EVENT.keyExpired, { kid: step.kid });
      return { kind: 'expire', kid: step.kid };
    });
  }

  listAll() {
    return this.prisma.signingKey.findMany({
      select: { kid: true, algorithm: true, state: true, createdAt: true, activatedAt: true, retiredAt: true, publishUntil: true },
      orderBy: { createdAt: 'desc' },
    });
  }

  findNext() {
    return this.prisma.signingKey.findFirst({ where: { state: 'next' }, select: { kid: true, createdAt: true } });
  }

  /** Publishes a next key (not yet signing) unless one is already waiting; returns the waiting key's kid. */
  stageNext(now: Date, create: () => Promise<NewSigningKey>, audit: KeyChangeAudit): Promise<string> {
    return this.locked(async (tx) => {
      const waiting = await tx.signingKey.findFirst({ where: { state: 'next' }, select: { kid: true } });
      if (waiting) return waiting.kid;
      const key = await create();
      await tx.signingKey.create({ data: this.row(key, 'next', now) });
      await this.audit.record(tx, { ...audit, at: now, data: { ...audit.data, kid: key.kid } });
      return key.kid;
    });
  }

  /**
   * The next key starts signing; the current one retires but stays published
   * until `publishUntil`, without its private part (it never signs again).
   * Refused unless the next key is still `expected.kid` and, when given, was
   * staged no later than `expected.stagedNoLaterThan`, checked under the lock.
   */
  promoteNext(
    now: Date,
    publishUntil: Date,
    audit: KeyChangeAudit,
    expected: { kid: string; stagedNoLaterThan?: Date },
  ): Promise<KeyChange<{ current: string; retired: string | null }>> {
    return this.locked(async (tx) => {
      const next = await tx.signingKey.findFirst({ where: { state: 'next' }, select: { kid: true, createdAt: true } });
      if (!next || next.kid !== expected.kid) return { kind: 'refused', reason: 'changed' };
      if (expected.stagedNoLaterThan && next.createdAt > expected.stagedNoLaterThan) return { kind: 'refused', reason: 'too_early' };
      const current = await tx.signingKey.findFirst({ where: { state: 'current' }, select: { kid: true } });
      if (current) {
        await tx.signingKey.update({ where: { kid: current.kid }, data: retired(now, publishUntil) });
      }
      await tx.signingKey.update({ where: { kid: next.kid }, data: { state: 'current', activatedAt: now } });
      await this.audit.record(tx, { ...audit, at: now, data: { ...audit.data, kid: next.kid } });
      return { kind: 'done', value: { current: next.kid, retired: current?.kid ?? null } };
    });
  }

  /** Withdraws a key other than the current one from the JWKS at once (a leaked key); the current key cannot be withdrawn. */
  withdraw(kid: string, now: Date, audit: KeyChangeAudit): Promise<KeyChange<null>> {
    return this.locked(async (tx) => {
      const key = await tx.signingKey.findUnique({ where: { kid }, select: { state: true, retiredAt: true } });
      if (!key) return { kind: 'refused', reason: 'not_found' };
      if (key.state === 'current') return { kind: 'refused', reason: 'current' };
      await tx.signingKey.update({ where: { kid }, data: { ...retired(key.retiredAt ?? now, now), state: 'withdrawn' } });
      await this.audit.record(tx, { ...audit, at: now, data: { ...audit.data, kid } });
      return { kind: 'done', value: null };
    });
  }

  /** Under the key lock; every instance is told to re-read the keys when the change commits. */
  private locked<T>(work: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> {
    return this.prisma.transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${KEY_CHANGE_LOCK})`;
      const result = await work(tx);
      await notify(tx, CHANNEL.keys, {});
      return result;
    });
  }

  private row(key: NewSigningKey, state: 'next' | 'current', now: Date): Prisma.SigningKeyCreateInput {
    return {
      ...key,
      privateKeyCiphertext: new Uint8Array(key.privateKeyCiphertext),
      state,
      createdAt: now,
      activatedAt: state === 'current' ? now : null,
    };
  }
}
