/**
 * What the client takes from the browser, gathered here so that tests can
 * hand it fakes. Web Locks, localStorage (private modes, sandboxed frames)
 * and BroadcastChannel may each be missing; the client works with what
 * there is.
 */

export interface LockManagerLike {
  /** Runs `work` while holding the lock `name`, which every tab of the origin shares. */
  request<T>(name: string, work: () => Promise<T>): Promise<T>;
}

export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** A BroadcastChannel as the client uses it: a message reaches the other channels of that name, never its sender. */
export interface ChannelLike {
  postMessage(message: unknown): void;
  onMessage(handler: (message: unknown) => void): void;
  close(): void;
}

export interface ClientEnvironment {
  fetch(url: string, init: RequestInit): Promise<Response>;
  now(): number;
  random(): number;
  /** Runs `callback` once after `delayMs`; the returned function cancels it. */
  setTimer(callback: () => void, delayMs: number): () => void;
  locks: LockManagerLike | undefined;
  storage: StorageLike | undefined;
  openChannel(name: string): ChannelLike | undefined;
}

/** The browser globals that may be missing; declared here because the client also type-checks without the DOM library (its tests run in Node). */
interface OptionalGlobals {
  navigator?: { locks?: LockManagerLike };
  localStorage?: StorageLike;
}

export function browserEnvironment(): ClientEnvironment {
  const globals = globalThis as OptionalGlobals;
  return {
    // Called through an arrow: the browser's fetch refuses to run with another `this`.
    fetch: (url, init) => fetch(url, init),
    now: () => Date.now(),
    random: () => Math.random(),
    setTimer(callback, delayMs) {
      const timer = setTimeout(callback, delayMs);
      return () => clearTimeout(timer);
    },
    locks: globals.navigator?.locks,
    storage: localStorageIfAllowed(globals),
    openChannel(name) {
      if (typeof BroadcastChannel !== 'function') return undefined;
      const channel = new BroadcastChannel(name);
      return {
        postMessage: (message) => channel.postMessage(message),
        onMessage(handler) {
          channel.onmessage = (event) => handler(event.data);
        },
        close: () => channel.close(),
      };
    },
  };
}

/** Merely reading `localStorage` throws where the page may not use storage. */
function localStorageIfAllowed(globals: OptionalGlobals): StorageLike | undefined {
  try {
    return globals.localStorage;
  } catch {
    return undefined;
  }
}
