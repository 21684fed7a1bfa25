/** The options of the kit's Shared Signals receiver (shared-signals.ts), and what its push endpoint takes and answers. */

export interface SharedSignalsOptions {
  /** A service credential with the `ssf` scope (SERVICE_CREDENTIALS on the auth service). */
  credentials: { clientId: string; clientSecret: string };
  /** Default: `<issuer>/.well-known/ssf-configuration` (SSF 1.0 §7.2). */
  configurationUrl?: string;
  /**
   * `poll` (the default): this process long-polls a stream of its own, so
   * each instance of your service hears every event. `push`: the auth
   * service posts each event to `endpointUrl`, which you route to
   * `verifier.receivePushedEvent` (one instance, or one stream per instance).
   */
  delivery?: { method: 'poll' } | { method: 'push'; endpointUrl: string };
  /** As for the revocation feed: what `verify` does once the stream has been silent longer than `maxStalenessMs`. */
  failMode: 'open' | 'closed';
  /** Default: 60 s for poll (more than the auth service's long-poll wait, 20 s by default), three verification rounds for push. */
  maxStalenessMs?: number;
  /** A management request that has not answered by then fails. Default 5 s. */
  timeoutMs?: number;
  /** Push: how often a verification event is asked for; its arrival is what keeps a quiet stream healthy. Default 60 s. */
  verifyEveryMs?: number;
  /** Shown to the auth service's ops with the stream. */
  description?: string;
}

export interface PushedEvent {
  authorization: string | undefined;
  contentType: string | undefined;
  body: string;
}

export interface PushAnswer {
  status: number;
  body?: { err: string; description: string };
}

/** The sharing key of a receiver: one stream per process and configuration. */
export function sharedSignalsKey(issuer: string, options: SharedSignalsOptions): string {
  const { configurationUrl, delivery, failMode, maxStalenessMs, timeoutMs, verifyEveryMs, description } = options;
  return JSON.stringify(['ssf', issuer, configurationUrl, options.credentials.clientId, delivery, failMode, maxStalenessMs, timeoutMs, verifyEveryMs, description]);
}
