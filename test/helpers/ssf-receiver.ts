import { createLocalJWKSet, type JSONWebKeySet, jwtVerify } from 'jose';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basicAuthorization } from './config.js';

/**
 * An SSF receiver written from the specifications, not from the service's
 * code: discovery (SSF 1.0 §7), stream management (§8), RFC 8936 polls and
 * RFC 8935 pushes, and every SET verified with jose against the
 * transmitter's JWKS (RFC 8417, SSF 1.0 §4.1).
 */

export const SESSION_REVOKED = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';
export const CREDENTIAL_CHANGE = 'https://schemas.openid.net/secevent/caep/event-type/credential-change';
export const VERIFICATION = 'https://schemas.openid.net/secevent/ssf/event-type/verification';
export const PUSH = 'urn:ietf:rfc:8935';
export const POLL = 'urn:ietf:rfc:8936';

export interface ReceiverCredential {
  clientId: string;
  secret: string;
}

export const RECEIVER: ReceiverCredential = { clientId: 'ssf-receiver', secret: 'ssf-receiver-secret-0123456789abcdef-0123456789' };
export const OTHER_RECEIVER: ReceiverCredential = { clientId: 'other-receiver', secret: 'other-receiver-secret-0123456789abcdef-012345' };

/** SERVICE_CREDENTIALS for a test app that knows both receivers (and a client without the ssf scope). */
export function receiverCredentials(extra: string): string {
  return [extra, `${RECEIVER.clientId}:ssf:${RECEIVER.secret}`, `${OTHER_RECEIVER.clientId}:ssf:${OTHER_RECEIVER.secret}`].join(',');
}

export interface Answer {
  status: number;
  body: any;
  headers: Headers;
}

export interface VerifiedSet {
  jti: string;
  type: string;
  event: Record<string, any>;
  payload: Record<string, any>;
  header: Record<string, unknown>;
}

export class TestReceiver {
  constructor(
    /** Where the transmitter answers in the test (its advertised URLs are under `issuer`). */
    readonly baseUrl: string,
    readonly issuer: string,
    readonly credential: ReceiverCredential = RECEIVER,
  ) {}

  /** The transmitter's URLs name its issuer; the test reaches it on a local port. */
  local(url: string): string {
    return url.startsWith(this.issuer) ? this.baseUrl + url.slice(this.issuer.length) : url;
  }

  async request(method: string, url: string, body?: unknown, credential: ReceiverCredential | null = this.credential): Promise<Answer> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (credential) headers.authorization = basicAuthorization(credential);
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(this.local(url.startsWith('/') ? this.issuer + url : url), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
  }

  async metadata(): Promise<Record<string, any>> {
    const answer = await this.request('GET', '/.well-known/ssf-configuration', undefined, null);
    if (answer.status !== 200) throw new Error(`metadata: ${answer.status}`);
    return answer.body;
  }

  async createStream(body: unknown = {}): Promise<Answer> {
    return this.request('POST', (await this.metadata()).configuration_endpoint, body);
  }

  async verify(streamId: string, state?: string): Promise<Answer> {
    return this.request('POST', (await this.metadata()).verification_endpoint, { stream_id: streamId, state });
  }

  /** RFC 8936 §2.4. */
  poll(endpointUrl: string, body: Record<string, unknown>): Promise<Answer> {
    return this.request('POST', endpointUrl, body);
  }

  /** Verifies a SET as a receiver must: signature from the JWKS, ES256, `typ: secevent+jwt`, our issuer and audience, no `sub` nor `exp`, one event. */
  async verifySet(set: string): Promise<VerifiedSet> {
    const jwks = (await (await fetch(`${this.baseUrl}/.well-known/jwks.json`)).json()) as JSONWebKeySet;
    const { payload, protectedHeader } = await jwtVerify(set, createLocalJWKSet(jwks), {
      algorithms: ['ES256'],
      typ: 'secevent+jwt',
      issuer: this.issuer,
      audience: this.credential.clientId,
    });
    if ('sub' in payload || 'exp' in payload) throw new Error('an SSF SET carries neither sub nor exp');
    const events = Object.entries(payload.events as Record<string, Record<string, any>>);
    if (events.length !== 1) throw new Error('one event per SET');
    const [type, event] = events[0]!;
    return { jti: payload.jti as string, type, event, payload: payload as Record<string, any>, header: protectedHeader as Record<string, unknown> };
  }

  /** Polls once, verifies every SET, and acknowledges nothing (the caller decides). */
  async receive(endpointUrl: string, body: Record<string, unknown> = { returnImmediately: true }): Promise<{ sets: VerifiedSet[]; moreAvailable: boolean }> {
    const answer = await this.poll(endpointUrl, body);
    if (answer.status !== 200) throw new Error(`poll: ${answer.status} ${JSON.stringify(answer.body)}`);
    const sets: VerifiedSet[] = [];
    for (const [jti, set] of Object.entries(answer.body.sets as Record<string, string>)) {
      const verified = await this.verifySet(set);
      if (verified.jti !== jti) throw new Error('a SET is keyed by its own jti');
      sets.push(verified);
    }
    return { sets, moreAvailable: answer.body.moreAvailable === true };
  }
}

/** The session id of a session-revoked event's complex subject. */
export function revokedSession(set: VerifiedSet): string | undefined {
  return set.type === SESSION_REVOKED ? set.payload.sub_id?.session?.id : undefined;
}

export interface PushRequest {
  authorization: string | undefined;
  contentType: string | undefined;
  body: string;
  jti: string;
}

export type PushBehaviour = 'accept' | 'fail' | 'hang';

/**
 * An RFC 8935 push endpoint on a local port: records every request and
 * answers as told, one behaviour per request in order (then `accept`):
 * 202, 503 with an RFC 8935 error body, or no answer at all.
 */
export class PushEndpoint {
  readonly requests: PushRequest[] = [];
  private plan: PushBehaviour[] = [];
  private server: Server | undefined;
  url = '';

  respondWith(...behaviours: PushBehaviour[]): void {
    this.plan = behaviours;
  }

  async start(path = '/ssf/events'): Promise<this> {
    this.server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => {
        body += chunk.toString('utf8');
      });
      request.on('end', () => {
        const payload = JSON.parse(Buffer.from(body.split('.')[1] ?? '', 'base64url').toString('utf8') || '{}') as { jti?: string };
        this.requests.push({ authorization: request.headers.authorization, contentType: request.headers['content-type'], body, jti: payload.jti ?? '' });
        const behaviour = this.plan.shift() ?? 'accept';
        if (behaviour === 'hang') return;
        if (behaviour === 'fail') {
          response.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ err: 'temporarily_unavailable', description: 'try later' }));
          return;
        }
        response.writeHead(202).end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
