import type { AuthUser, LogoutReason } from './auth-state.js';
import type { ChannelLike, ClientEnvironment } from './environment.js';

/**
 * Keeps the tabs of one origin in step. They share the cookies, so what
 * they need to share besides is little: when the access token expires, a
 * stamp that changes with every login or refresh (localStorage), turns at
 * refreshing (a Web Lock), and news of the session (a BroadcastChannel).
 */

/** What one tab tells the others. Expiries travel as deadlines on this browser's clock, which all its tabs share. */
export type SessionNews =
  | { type: 'refreshed' | 'logged-in'; user: AuthUser; accessTokenExpiresAt: string; localDeadline: number }
  | { type: 'logged-out'; reason: LogoutReason };

type RefreshClaim = { type: 'refresh-claim'; tab: string; at: number };

/** The latest tokens that any tab obtained. */
export interface SharedTokens {
  accessTokenExpiresAt: string;
  localDeadline: number;
  stamp: string;
}

export interface TabCoordinator {
  shared(): SharedTokens | undefined;
  /** This tab obtained new tokens: moves the stamp. */
  publish(tokens: { accessTokenExpiresAt: string; localDeadline: number }): void;
  forget(): void;
  /** Runs `work` while no other tab of the origin runs its own. */
  exclusive<T>(work: () => Promise<T>): Promise<T>;
  announce(news: SessionNews): void;
  onNews(handler: (news: SessionNews) => void): void;
  close(): void;
}

/** Without Web Locks: how long claims are collected, how long the loser gives the winner, and when a claim is stale. */
const CLAIM_WINDOW_MS = 150;
const WINNER_WAIT_MS = 1_000;
const CLAIM_LIFETIME_MS = 5_000;

export function createTabCoordinator(name: string, environment: ClientEnvironment): TabCoordinator {
  const tab = environment.random().toString(36).slice(2);
  const storageKey = `${name}:tokens`;
  const { locks, storage } = environment;
  const channel = environment.openChannel(name);
  let newsHandler: (news: SessionNews) => void = () => undefined;
  let peerClaim: RefreshClaim | undefined;

  channel?.onMessage((data) => {
    const message = data as SessionNews | RefreshClaim;
    if (message.type === 'refresh-claim') {
      peerClaim = message;
      return;
    }
    // Whatever a peer claimed, its outcome is here.
    if (message.type !== 'logged-out') peerClaim = undefined;
    newsHandler(message);
  });

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => environment.setTimer(resolve, ms));
  }

  /**
   * Announce a claim, collect the others' for a moment, and let the earliest
   * claim go first. The loser gives the winner a second and then goes ahead
   * anyway; its work sees the moved stamp if the winner got through.
   */
  async function takeTurn(channel: ChannelLike): Promise<void> {
    const claim: RefreshClaim = { type: 'refresh-claim', tab, at: environment.now() };
    channel.postMessage(claim);
    await sleep(CLAIM_WINDOW_MS);
    const other = peerClaim;
    const otherGoesFirst =
      other !== undefined &&
      environment.now() - other.at < CLAIM_LIFETIME_MS &&
      (other.at < claim.at || (other.at === claim.at && other.tab < claim.tab));
    if (otherGoesFirst) await sleep(WINNER_WAIT_MS);
  }

  return {
    shared() {
      try {
        return JSON.parse(storage?.getItem(storageKey) ?? 'null') ?? undefined;
      } catch {
        return undefined;
      }
    },

    publish({ accessTokenExpiresAt, localDeadline }) {
      // Not the user: other scripts of the origin can read storage, and the tabs learn the user from the channel.
      const shared: SharedTokens = { accessTokenExpiresAt, localDeadline, stamp: `${environment.now()}:${tab}` };
      try {
        storage?.setItem(storageKey, JSON.stringify(shared));
      } catch {
        // Storage may refuse (quota, private mode); the channel still carries the news.
      }
    },

    forget() {
      try {
        storage?.removeItem(storageKey);
      } catch {
        // See publish.
      }
    },

    async exclusive(work) {
      if (locks) return locks.request(`${name}:refresh`, work);
      if (channel) await takeTurn(channel);
      return work();
    },

    announce(news) {
      channel?.postMessage(news);
    },

    onNews(handler) {
      newsHandler = handler;
    },

    close() {
      channel?.close();
    },
  };
}
