import { Injectable, Logger } from '@nestjs/common';
import { AppError } from '../common/app-error.js';
import { Clock } from '../common/clock.js';
import { Random } from '../common/random.js';
import { canonicalUuid } from '../common/uuid.js';
import { AppConfig } from '../config/app-config.js';
import type { Prisma } from '../database/prisma.service.js';
import { revocationWindowSeconds } from '../sessions/revocation-feed.service.js';
import { RevokedSessionsRepository } from '../sessions/revoked-sessions.repository.js';
import { MIN_VERIFICATION_INTERVAL_SECONDS } from './delivery-rules.js';
import { sealAuthorization } from './push-authorization.js';
import { PushAddressPolicy, PushAddressRefused } from './push-address-policy.js';
import { DELIVERY_METHOD, type DeliveryMethod, type EndedSessions, EVENTS_SUPPORTED } from './security-events.js';
import {
  type StreamConfiguration,
  streamConfiguration,
  type StreamRecord,
  type StreamStatus,
  transmitterEndpoints,
  transmitterFieldMismatches,
} from './stream-configuration.js';
import { type StreamSettings, StreamsRepository } from './streams.repository.js';

/** What a receiver sends to create, update or replace a stream (SSF 1.0 §8.1.1), already checked for shape; only updates may repeat transmitter-supplied properties. */
export interface StreamRequest {
  delivery?: { method?: string; endpoint_url?: string; authorization_header?: string };
  events_requested?: string[];
  description?: string;
  iss?: unknown;
  aud?: unknown;
  events_supported?: unknown;
  events_delivered?: unknown;
  min_verification_interval?: unknown;
  inactivity_timeout?: unknown;
}

/** A new stream's backfill reads at most this many revoked sessions (a mass revocation beyond it is left to the tokens' expiry). */
const MAX_BACKFILL = 10_000;

function streamNotFound(): AppError {
  return new AppError('stream_not_found');
}

/**
 * The SSF stream management API (SSF 1.0 §8): a receiver, identified by its
 * service credential, creates, reads, updates, replaces and deletes its own
 * streams, reads and sets their status, and asks for verification events.
 * Another receiver's stream is indistinguishable from a missing one.
 */
@Injectable()
export class StreamsService {
  private readonly logger = new Logger(StreamsService.name);

  constructor(
    private readonly streams: StreamsRepository,
    private readonly revokedSessions: RevokedSessionsRepository,
    private readonly addresses: PushAddressPolicy,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly random: Random,
  ) {}

  async create(clientId: string, request: StreamRequest): Promise<StreamConfiguration> {
    const id = this.random.uuid();
    const settings = await this.settings(id, request, 'create');
    const at = this.clock.now();
    const created = await this.streams.create({ id, clientId, at, ...settings }, (tx) => this.recentRevocations(tx, at));
    if (!created) throw new AppError('stream_limit_reached');
    this.logger.log({ msg: 'SSF stream created', event: 'ssf_stream_created', streamId: id, clientId, ...this.loggable(created) });
    return this.describe(created);
  }

  async read(clientId: string, streamId: string): Promise<StreamConfiguration> {
    const stream = await this.owned(clientId, streamId);
    await this.streams.touch(stream.id, this.clock.now());
    return this.describe(stream);
  }

  async list(clientId: string): Promise<StreamConfiguration[]> {
    return (await this.streams.listOwned(clientId)).map((stream) => this.describe(stream));
  }

  /** PATCH changes what the request names; PUT replaces every receiver-supplied property (a missing one is cleared). */
  async update(clientId: string, streamId: string, request: StreamRequest, mode: 'patch' | 'put'): Promise<StreamConfiguration> {
    const current = await this.owned(clientId, streamId);
    this.assertTransmitterFieldsMatch(request, current);
    const settings = await this.settings(current.id, request, mode === 'put' ? 'put' : { patch: current });
    const updated = await this.streams.update(clientId, current.id, settings, this.clock.now());
    if (!updated) throw streamNotFound();
    this.logger.log({ msg: 'SSF stream changed', event: 'ssf_stream_updated', streamId: updated.id, clientId, ...this.loggable(updated) });
    return this.describe(updated);
  }

  async delete(clientId: string, streamId: string): Promise<void> {
    const id = canonicalUuid(streamId);
    if (!id || !(await this.streams.delete(clientId, id))) throw streamNotFound();
    this.logger.log({ msg: 'SSF stream deleted', event: 'ssf_stream_deleted', streamId: id, clientId });
  }

  async status(clientId: string, streamId: string): Promise<StreamRecord> {
    const stream = await this.owned(clientId, streamId);
    await this.streams.touch(stream.id, this.clock.now());
    return stream;
  }

  async setStatus(clientId: string, streamId: string, status: StreamStatus, reason: string | undefined): Promise<StreamRecord> {
    const id = canonicalUuid(streamId);
    const stream = id ? await this.streams.setStatus(clientId, id, status, reason ?? null, this.clock.now()) : null;
    if (!stream) throw streamNotFound();
    this.logger.log({ msg: 'SSF stream status changed', event: 'ssf_stream_status_changed', streamId: stream.id, clientId, status });
    return stream;
  }

  /** SSF 1.0 §8.1.4.2: queues a verification event; 429 when asked within `min_verification_interval`. */
  async verify(clientId: string, streamId: string, state: string | undefined): Promise<void> {
    const id = canonicalUuid(streamId);
    if (!id) throw streamNotFound();
    const now = this.clock.now();
    const outcome = await this.streams.requestVerification(clientId, id, state, now, MIN_VERIFICATION_INTERVAL_SECONDS * 1000);
    if (outcome === 'not_found') throw streamNotFound();
    if (outcome !== 'queued') {
      throw new AppError('rate_limited', {
        message: `Verification events may be asked for once every ${MIN_VERIFICATION_INTERVAL_SECONDS} s.`,
        retryAfterSeconds: Math.max(1, Math.ceil((outcome.tooSoonUntil.getTime() - now.getTime()) / 1000)),
      });
    }
  }

  /** The stream if it is this receiver's; 404 otherwise, whether it exists or not. */
  async owned(clientId: string, streamId: string): Promise<StreamRecord> {
    const id = canonicalUuid(streamId);
    const stream = id ? await this.streams.findOwned(clientId, id) : null;
    if (!stream) throw streamNotFound();
    return stream;
  }

  describe(stream: StreamRecord): StreamConfiguration {
    return streamConfiguration(stream, { issuer: this.config.tokens.issuer, inactivityDays: this.config.sharedSignals.streamInactivityDays });
  }

  /** SSF 1.0 §8.1.1.3–4: repeated transmitter-supplied properties must be what we say. */
  private assertTransmitterFieldsMatch(request: StreamRequest, current: StreamRecord): void {
    const mismatched = transmitterFieldMismatches(request, this.describe(current));
    if (mismatched.length > 0) {
      throw AppError.invalidRequest(
        `${mismatched.join(', ')}: supplied by the transmitter, and not what it says`,
        mismatched.map((field) => ({ field, reason: 'is supplied by the transmitter; send it as read, or leave it out' })),
      );
    }
  }

  /**
   * The receiver-supplied properties: on creation a missing list of events
   * means all we send; a replacement (PUT) clears what it leaves out; an
   * update (PATCH) keeps it.
   */
  private async settings(streamId: string, request: StreamRequest, mode: 'create' | 'put' | { patch: StreamRecord }): Promise<StreamSettings> {
    const current = typeof mode === 'object' ? mode.patch : null;
    const eventsRequested = request.events_requested ?? current?.eventsRequested ?? (mode === 'create' ? [...EVENTS_SUPPORTED] : []);
    const base = { eventsRequested: [...new Set(eventsRequested)], description: request.description ?? current?.description ?? null };
    if (!request.delivery && current) return { ...base, deliveryMethod: current.deliveryMethod, endpointUrl: current.endpointUrl };
    return { ...base, ...(await this.delivery(streamId, request.delivery ?? {})) };
  }

  private async delivery(streamId: string, delivery: NonNullable<StreamRequest['delivery']>) {
    const method = Object.entries(DELIVERY_METHOD).find(([, urn]) => urn === (delivery.method ?? DELIVERY_METHOD.poll))?.[0] as DeliveryMethod | undefined;
    if (!method) throw AppError.invalidField('delivery.method', `must be ${DELIVERY_METHOD.push} (push) or ${DELIVERY_METHOD.poll} (poll)`);
    if (method === 'poll') {
      if (delivery.endpoint_url !== undefined && delivery.endpoint_url !== transmitterEndpoints(this.config.tokens.issuer).poll(streamId)) {
        throw AppError.invalidField('delivery.endpoint_url', 'is supplied by the transmitter for poll delivery; leave it out');
      }
      if (delivery.authorization_header !== undefined) throw AppError.invalidField('delivery.authorization_header', 'is for push delivery only');
      return { deliveryMethod: method, endpointUrl: null, authorizationCiphertext: null };
    }
    if (delivery.endpoint_url === undefined) throw AppError.invalidField('delivery.endpoint_url', 'is required for push delivery');
    try {
      await this.addresses.checkEndpoint(delivery.endpoint_url);
    } catch (error) {
      if (error instanceof PushAddressRefused) throw AppError.invalidField('delivery.endpoint_url', error.message);
      throw error;
    }
    const header = delivery.authorization_header;
    const sealed = header === undefined ? null : sealAuthorization(this.config.tokens.keyEncryptionSecret, streamId, header, this.random.bytes(12));
    return { deliveryMethod: method, endpointUrl: delivery.endpoint_url, authorizationCiphertext: sealed };
  }

  /** The sessions revoked within the revocation window, read in the creating transaction (see StreamsRepository). */
  private async recentRevocations(tx: Prisma.TransactionClient, at: Date): Promise<EndedSessions[]> {
    const since = new Date(at.getTime() - revocationWindowSeconds(this.config) * 1000);
    const rows = await this.revokedSessions.listRevokedSince(since, MAX_BACKFILL, tx);
    return rows.map((row) => ({ userId: row.userId, sessionIds: [row.id], reason: row.revokeReason ?? 'unknown', at: row.revokedAt ?? at }));
  }

  /** Where a stream delivers, fit for a log line: a push endpoint's origin only (its path or query may hold a token). */
  private loggable(stream: StreamRecord) {
    return { delivery: stream.deliveryMethod, endpoint: stream.endpointUrl ? new URL(stream.endpointUrl).origin : null, events: stream.eventsRequested };
  }
}
