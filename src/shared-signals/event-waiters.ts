import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { NotificationListener } from '../database/notification-listener.js';
import { CHANNEL, type SecurityEventsNotice } from '../database/notifications.js';

/** Without the notice listener (the embedded database, or while it reconnects), a waiting poll looks again this often. */
const RECHECK_WITHOUT_NOTICES_MS = 1000;

interface Waiter {
  /** Set once the poll has looked and found nothing: from then on it holds no database connection. */
  asleep: boolean;
  wake: () => void;
}

/**
 * Long polls wait here, holding no database connection: a NOTIFY from the
 * transaction that wrote events for their stream (on any instance) wakes
 * them; without the listener they wake every second to look again.
 */
@Injectable()
export class EventWaiters implements OnModuleDestroy {
  private readonly waiting = new Map<string, Set<Waiter>>();
  private closed = false;

  constructor(private readonly listener: NotificationListener) {
    listener.on(CHANNEL.securityEvents, (payload) => this.wake(payload as SecurityEventsNotice));
    // Notices may have been missed while the connection was down: everyone looks again.
    listener.onLost(() => this.wake({ all: true }));
  }

  /**
   * Starts listening for the stream's events now, before the caller looks
   * for them, so that a notice landing between that look and the wait is not
   * missed. `sleep()` resolves when events may have arrived (at once if a
   * notice came meanwhile), when `deadline` aborts, at shutdown, or (without
   * the listener) after a second; the caller then looks again with a new
   * listen. `stop` must be called either way.
   */
  listen(streamId: string, deadline: AbortSignal): { sleep: () => Promise<void>; stop: () => void } {
    if (this.closed || deadline.aborted) return { sleep: () => Promise.resolve(), stop: () => undefined };
    const waiters = this.waiting.get(streamId) ?? new Set<Waiter>();
    this.waiting.set(streamId, waiters);
    let woken!: () => void;
    const wakeUp = new Promise<void>((resolve) => (woken = resolve));
    const waiter: Waiter = {
      asleep: false,
      wake: () => {
        clearTimeout(recheck);
        deadline.removeEventListener('abort', waiter.wake);
        waiters.delete(waiter);
        if (waiters.size === 0 && this.waiting.get(streamId) === waiters) this.waiting.delete(streamId);
        woken();
      },
    };
    const recheck = this.listener.ticket().listening ? undefined : setTimeout(waiter.wake, RECHECK_WITHOUT_NOTICES_MS);
    deadline.addEventListener('abort', waiter.wake, { once: true });
    waiters.add(waiter);
    return {
      sleep: () => {
        waiter.asleep = true;
        return wakeUp;
      },
      stop: waiter.wake,
    };
  }

  get closing(): boolean {
    return this.closed;
  }

  /** Whether a poll of the stream is asleep on this instance now (not looking for events). */
  isWaiting(streamId: string): boolean {
    return [...(this.waiting.get(streamId) ?? [])].some((waiter) => waiter.asleep);
  }

  /** Answers every waiting poll at shutdown, so that the drain is not held up by them. */
  onModuleDestroy(): void {
    this.closed = true;
    this.wake({ all: true });
  }

  private wake(notice: SecurityEventsNotice | undefined): void {
    const streams = notice && 'streams' in notice && Array.isArray(notice.streams) ? notice.streams : [...this.waiting.keys()];
    for (const streamId of streams) {
      for (const waiter of [...(this.waiting.get(streamId) ?? [])]) waiter.wake();
    }
  }
}
