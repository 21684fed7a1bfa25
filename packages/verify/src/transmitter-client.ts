import { randomBytes } from 'node:crypto';
import { CREDENTIAL_CHANGE, SESSION_REVOKED } from './security-event-token.js';

const METHOD = { poll: 'urn:ietf:rfc:8936', push: 'urn:ietf:rfc:8935' } as const;

/** A stream this process receives on, and where to reach it. */
export interface Stream {
  id: string;
  pollUrl: string | null;
  configurationUrl: string;
  verificationUrl: string | undefined;
}

export type StreamDelivery = { method: 'poll' } | { method: 'push'; endpointUrl: string; authorization: string };

/** The stream answered 404: deleted by the auth service (idle too long) or by ops; open another. */
export class StreamGone extends Error {}

/**
 * The receiver's side of the SSF management API and of RFC 8936 polls, over
 * HTTP with the service credential: discovery (SSF 1.0 §7), a stream
 * created, polled, verified and deleted. JSON in and out, no redirects.
 */
export class TransmitterClient {
  constructor(
    private readonly settings: { issuer: string; configurationUrl?: string; clientId: string; clientSecret: string; timeoutMs: number },
    private readonly fetchFn: typeof globalThis.fetch,
    /** Aborts whatever is in flight when the receiver stops. */
    private readonly stopped: AbortSignal,
  ) {}

  async openStream(delivery: StreamDelivery, description: string | undefined): Promise<Stream> {
    const { issuer, clientId } = this.settings;
    const configurationUrl = this.settings.configurationUrl ?? new URL('.well-known/ssf-configuration', issuer.endsWith('/') ? issuer : `${issuer}/`).href;
    const metadata = (await this.request('GET', configurationUrl, undefined, { authenticate: false })) as Record<string, unknown>;
    if (metadata.issuer !== issuer) throw new Error(`the transmitter at ${configurationUrl} is ${String(metadata.issuer)}, not ${issuer}`);
    if (!(metadata.delivery_methods_supported as unknown[] | undefined)?.includes(METHOD[delivery.method])) {
      throw new Error(`the transmitter does not deliver by ${delivery.method}`);
    }
    const endpoint = String(metadata.configuration_endpoint);
    const requested =
      delivery.method === 'push'
        ? { method: METHOD.push, endpoint_url: delivery.endpointUrl, authorization_header: delivery.authorization }
        : { method: METHOD.poll };
    const created = (await this.request('POST', endpoint, { delivery: requested, events_requested: [SESSION_REVOKED, CREDENTIAL_CHANGE], description })) as Record<string, any>;
    if (created.iss !== issuer || created.aud !== clientId) throw new Error('the new stream names another issuer or audience');
    return {
      id: String(created.stream_id),
      pollUrl: delivery.method === 'poll' ? String(created.delivery?.endpoint_url) : null,
      configurationUrl: endpoint,
      verificationUrl: typeof metadata.verification_endpoint === 'string' ? metadata.verification_endpoint : undefined,
    };
  }

  /** RFC 8936 §2.4; a long poll is given `timeoutMs` of its own. */
  async poll(stream: Stream, body: Record<string, unknown>, timeoutMs?: number): Promise<Record<string, unknown>> {
    const answer = (await this.request('POST', stream.pollUrl!, body, { timeoutMs, stream: true })) as { sets?: unknown } | null;
    if (typeof answer?.sets !== 'object' || answer.sets === null) throw new Error('the poll answered something that is not RFC 8936');
    return answer.sets as Record<string, unknown>;
  }

  async requestVerification(stream: Stream): Promise<void> {
    if (!stream.verificationUrl) return;
    await this.request('POST', stream.verificationUrl, { stream_id: stream.id, state: randomBytes(12).toString('base64url') }, { stream: true });
  }

  /** Sent on the way out, so not aborted with the rest. */
  async deleteStream(stream: Stream): Promise<void> {
    await this.request('DELETE', `${stream.configurationUrl}?stream_id=${encodeURIComponent(stream.id)}`, undefined, { abortable: false });
  }

  private async request(
    method: string,
    url: string,
    body: unknown,
    options: { timeoutMs?: number; authenticate?: boolean; stream?: boolean; abortable?: boolean } = {},
  ): Promise<unknown> {
    const { clientId, clientSecret } = this.settings;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.authenticate !== false) headers.authorization = `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const timeout = AbortSignal.timeout(options.timeoutMs ?? this.settings.timeoutMs);
    const response = await this.fetchFn(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      redirect: 'error',
      signal: options.abortable === false ? timeout : AbortSignal.any([this.stopped, timeout]),
    });
    if (response.status === 404 && options.stream) throw new StreamGone(`${method} ${new URL(url).pathname} answered 404: the stream is gone`);
    if (response.status === 401 || response.status === 403) {
      throw new Error(`the auth service refused the credential of "${clientId}" (${response.status}): check SERVICE_CREDENTIALS and its ssf scope`);
    }
    if (!response.ok) throw new Error(`${method} ${new URL(url).pathname} answered ${response.status}`);
    return response.status === 204 ? undefined : response.json();
  }
}
