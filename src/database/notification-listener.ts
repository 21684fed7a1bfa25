import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import pg from 'pg';
import { Clock } from '../common/clock.js';
import { AppConfig } from '../config/app-config.js';
import { DatabaseConnection } from './database-connection.js';
import { CHANNEL, type Channel } from './notifications.js';

/** A read made under this ticket may be trusted for long only if the listener was up throughout. */
export interface ListenTicket {
  generation: number;
  listening: boolean;
}

/** How the listener's connection shows in pg_stat_activity. */
export const LISTENER_APPLICATION_NAME = 'auth-service notice listener';

const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 15_000;

/**
 * One dedicated connection per instance that LISTENs on the service's
 * channels (a direct one: a pooler in transaction mode cannot hold a LISTEN).
 * While it is down, caches must not trust anything for long: `lost` handlers
 * run at once, and when it is back `resync` handlers get the time it was lost,
 * so that what changed meanwhile is re-read.
 */
@Injectable()
export class NotificationListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(NotificationListener.name);
  private readonly handlers = new Map<Channel, Array<(payload: unknown) => void>>();
  private readonly lostHandlers: Array<() => void> = [];
  private readonly resyncHandlers: Array<(since: Date) => Promise<void>> = [];
  private client: pg.Client | undefined;
  private listening = false;
  private generation = 0;
  private lostAt: Date | undefined;
  private stopping = false;
  private retryMs = RECONNECT_MIN_MS;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly connection: DatabaseConnection,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  on(channel: Channel, handler: (payload: unknown) => void): void {
    this.handlers.set(channel, [...(this.handlers.get(channel) ?? []), handler]);
  }

  onLost(handler: () => void): void {
    this.lostHandlers.push(handler);
  }

  onResync(handler: (since: Date) => Promise<void>): void {
    this.resyncHandlers.push(handler);
  }

  ticket(): ListenTicket {
    return { generation: this.generation, listening: this.listening };
  }

  /** True when the listener was up when `ticket` was taken and has not dropped since. */
  heldThroughout(ticket: ListenTicket): boolean {
    return ticket.listening && this.listening && ticket.generation === this.generation;
  }

  onApplicationBootstrap(): void {
    // The embedded database serves one connection, which the pool holds; one instance needs no notices.
    if (this.connection.embedded) return;
    void this.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.retryTimer);
    this.listening = false;
    await this.client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.config.database.directUrl,
      application_name: LISTENER_APPLICATION_NAME,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    });
    this.client = client;
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client));
    client.on('notification', (message) => this.dispatch(message));
    try {
      await client.connect();
      await client.query(Object.values(CHANNEL).map((channel) => `LISTEN ${channel}`).join('; '));
    } catch (error) {
      this.lost(client, error);
      return;
    }
    this.retryMs = RECONNECT_MIN_MS;
    const since = this.lostAt;
    if (since) {
      // Notices flow again from here; what changed before is re-read. Only then is anything trusted for long.
      try {
        await Promise.all(this.resyncHandlers.map((handler) => handler(since)));
      } catch (error) {
        this.lost(client, error);
        return;
      }
    }
    if (client !== this.client) return;
    this.lostAt = undefined;
    this.listening = true;
    this.logger.log(
      since
        ? { msg: 'listening for notices again; what changed meanwhile was re-read', since }
        : { msg: 'listening for notices from other instances', channels: Object.values(CHANNEL) },
    );
  }

  private lost(client: pg.Client, error?: unknown): void {
    if (client !== this.client) return;
    this.client = undefined;
    this.listening = false;
    this.generation += 1;
    this.lostAt ??= this.clock.now();
    client.removeAllListeners('notification');
    void client.end().catch(() => undefined);
    for (const handler of this.lostHandlers) handler();
    if (this.stopping) return;
    this.logger.warn({ msg: 'the notice listener lost its connection; caches fall back to short lifetimes until it is back', retryInMs: this.retryMs, err: error });
    this.retryTimer = setTimeout(() => void this.connect(), this.retryMs);
    this.retryTimer.unref();
    this.retryMs = Math.min(RECONNECT_MAX_MS, this.retryMs * 2);
  }

  private dispatch(message: pg.Notification): void {
    const handlers = this.handlers.get(message.channel as Channel);
    if (!handlers) return;
    let payload: unknown;
    try {
      payload = message.payload ? JSON.parse(message.payload) : undefined;
    } catch {
      this.logger.warn({ msg: 'ignored a notice that is not JSON', channel: message.channel });
      return;
    }
    for (const handler of handlers) handler(payload);
  }
}
