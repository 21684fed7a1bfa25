import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { createVerifier, VerificationError, type Verifier } from '../src/verify.js';
import type { SharedSignalsOptions } from '../src/shared-signals-options.js';
import { AUDIENCE, type Exchange, FakeFetch, FakeJwks, ISSUER, RecordingLogger, type SigningKey, signingKey, TestClock, token } from './fakes.js';

const CREDENTIALS = { clientId: 'billing', clientSecret: 'billing-secret-0123456789abcdef0123456789' };
const SESSION_REVOKED = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';
const VERIFICATION = 'https://schemas.openid.net/secevent/ssf/event-type/verification';
const BASIC = `Basic ${Buffer.from(`${CREDENTIALS.clientId}:${CREDENTIALS.clientSecret}`).toString('base64')}`;

interface FakeStream {
  id: string;
  delivery: { method: string; endpoint_url?: string; authorization_header?: string };
  waiting: Map<string, string>;
  deleted: boolean;
}

/**
 * A transmitter that answers as the auth service does (SSF 1.0, RFC 8936):
 * metadata, streams, verification, polls that wait a moment when empty;
 * push streams get their SETs through `pushTo`.
 */
class FakeTransmitter {
  readonly streams: FakeStream[] = [];
  readonly polls: Array<Record<string, any>> = [];
  /** Sessions revoked before any stream: a new stream starts with them. */
  readonly recent: string[] = [];
  pushTo: ((set: string, authorization: string | undefined) => Promise<void>) | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly key: SigningKey,
    private readonly clock: TestClock,
  ) {}

  attach(server: FakeFetch): void {
    server
      .on('/.well-known/ssf-configuration', () =>
        Response.json({
          issuer: ISSUER,
          jwks_uri: `${ISSUER}/.well-known/jwks.json`,
          delivery_methods_supported: ['urn:ietf:rfc:8935', 'urn:ietf:rfc:8936'],
          configuration_endpoint: `${ISSUER}/ssf/stream`,
          verification_endpoint: `${ISSUER}/ssf/verify`,
        }),
      )
      .on('/ssf/stream', (request) => this.configuration(request))
      .on('/ssf/verify', (request) => this.verify(request));
  }

  get current(): FakeStream {
    return this.streams.at(-1)!;
  }

  /** A SET as the auth service signs it, unless told otherwise. */
  async set(type: string, subject: Record<string, unknown>, event: Record<string, unknown>, options: { key?: SigningKey; aud?: string } = {}): Promise<string> {
    const key = options.key ?? this.key;
    return new SignJWT({ iss: ISSUER, aud: options.aud ?? CREDENTIALS.clientId, jti: randomUUID(), iat: this.clock.seconds, txn: randomUUID(), sub_id: subject, events: { [type]: event } })
      .setProtectedHeader({ alg: 'ES256', typ: 'secevent+jwt', kid: key.kid })
      .sign(key.privateKey);
  }

  revocation(sid: string, options: { key?: SigningKey; aud?: string } = {}): Promise<string> {
    return this.set(SESSION_REVOKED, { format: 'complex', user: { format: 'iss_sub', iss: ISSUER, sub: randomUUID() }, session: { format: 'opaque', id: sid } }, { event_timestamp: this.clock.seconds }, options);
  }

  async deliver(set: string): Promise<void> {
    const stream = this.current;
    if (stream.delivery.method === 'urn:ietf:rfc:8935') {
      await this.pushTo!(set, stream.delivery.authorization_header);
      return;
    }
    stream.waiting.set(JSON.parse(Buffer.from(set.split('.')[1]!, 'base64url').toString()).jti, set);
    this.wake?.();
  }

  private async configuration(request: Exchange): Promise<Response> {
    if (request.headers.get('authorization') !== BASIC) return new Response(null, { status: 401 });
    if (request.method === 'DELETE') {
      const id = new URL(request.url).searchParams.get('stream_id');
      const stream = this.streams.find((each) => each.id === id);
      if (stream) stream.deleted = true;
      return new Response(null, { status: stream ? 204 : 404 });
    }
    const body = JSON.parse(request.body!) as { delivery: FakeStream['delivery'] };
    const id = randomUUID();
    const stream: FakeStream = { id, delivery: body.delivery, waiting: new Map(), deleted: false };
    this.streams.push(stream);
    this.server().on(`/ssf/poll/${id}`, (poll) => this.poll(stream, poll));
    for (const sid of this.recent) await this.deliver(await this.revocation(sid));
    const endpoint = body.delivery.method === 'urn:ietf:rfc:8936' ? `${ISSUER}/ssf/poll/${id}` : body.delivery.endpoint_url;
    return Response.json({ stream_id: id, iss: ISSUER, aud: CREDENTIALS.clientId, delivery: { method: body.delivery.method, endpoint_url: endpoint } }, { status: 201 });
  }

  private async verify(request: Exchange): Promise<Response> {
    const { stream_id: id, state } = JSON.parse(request.body!) as { stream_id: string; state: string };
    if (!this.streams.some((stream) => stream.id === id && !stream.deleted)) return new Response(null, { status: 404 });
    await this.deliver(await this.set(VERIFICATION, { format: 'opaque', id }, { state }));
    return new Response(null, { status: 204 });
  }

  private async poll(stream: FakeStream, request: Exchange): Promise<Response> {
    if (stream.deleted) return new Response(null, { status: 404 });
    const body = JSON.parse(request.body!) as Record<string, any>;
    this.polls.push(body);
    for (const jti of [...(body.ack ?? []), ...Object.keys(body.setErrs ?? {})]) stream.waiting.delete(jti);
    if (stream.waiting.size === 0 && !body.returnImmediately) {
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, 30);
      });
    }
    return Response.json({ sets: Object.fromEntries(stream.waiting), moreAvailable: false });
  }

  private server!: () => FakeFetch;
  bind(server: FakeFetch): this {
    this.server = () => server;
    this.attach(server);
    return this;
  }
}

let clock: TestClock;
let server: FakeFetch;
let key: SigningKey;
let transmitter: FakeTransmitter;
let logger: RecordingLogger;
const verifiers: Verifier[] = [];

beforeEach(async () => {
  clock = new TestClock();
  key = await signingKey();
  const jwks = new FakeJwks();
  jwks.keys = [key.jwk];
  server = new FakeFetch().on('/.well-known/jwks.json', jwks.route);
  transmitter = new FakeTransmitter(key, clock).bind(server);
  logger = new RecordingLogger();
});

afterEach(() => {
  for (const verifier of verifiers.splice(0)) verifier.close();
});

function verifierWith(options: Partial<SharedSignalsOptions> = {}): Verifier {
  const verifier = createVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    sharedSignals: { credentials: CREDENTIALS, failMode: 'closed', ...options },
    now: clock.now,
    fetch: server.fetch,
    logger,
  });
  verifiers.push(verifier);
  return verifier;
}

async function until(condition: () => boolean): Promise<void> {
  for (let tries = 0; !condition(); tries++) {
    if (tries > 400) throw new Error('condition not met');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const pollsWith = (predicate: (poll: Record<string, any>) => boolean) => transmitter.polls.some(predicate);

describe('poll delivery', () => {
  test('a session revoked before the verifier started is refused from the first token: the new stream starts with it', async () => {
    const sid = randomUUID();
    transmitter.recent.push(sid);
    const verifier = verifierWith();
    await expect(verifier.verify(await token(key, clock, { claims: { sid } }))).rejects.toMatchObject({ code: 'session_revoked' });
    expect(transmitter.streams).toHaveLength(1);
    expect(transmitter.current.delivery).toEqual({ method: 'urn:ietf:rfc:8936' });
    expect(verifier.health().revocations).toMatchObject({ source: 'ssf', healthy: true, streamId: transmitter.current.id });
  });

  test('a revocation is refused once the long poll hands it over, and acknowledged with the next poll', async () => {
    const verifier = verifierWith();
    const sid = randomUUID();
    const accepted = await token(key, clock, { claims: { sid } });
    await expect(verifier.verify(accepted)).resolves.toMatchObject({ sid });
    const set = await transmitter.revocation(sid);
    await transmitter.deliver(set);
    await until(() => transmitter.current.waiting.size === 0);
    await expect(verifier.verify(accepted)).rejects.toMatchObject({ code: 'session_revoked' });
    expect(pollsWith((poll) => poll.ack?.length === 1 && poll.returnImmediately === false)).toBe(true);
  });

  test('a SET for another audience, or not signed by the auth service, is reported in setErrs and changes nothing', async () => {
    const verifier = verifierWith();
    await verifier.refreshRevocations();
    const sid = randomUUID();
    const stranger = await signingKey();
    await transmitter.deliver(await transmitter.revocation(sid, { aud: 'someone-else' }));
    await until(() => pollsWith((poll) => Object.values(poll.setErrs ?? {}).some((error: any) => error.err === 'invalid_audience')));
    await transmitter.deliver(await transmitter.revocation(sid, { key: { ...stranger, kid: key.kid } }));
    await until(() => pollsWith((poll) => Object.values(poll.setErrs ?? {}).some((error: any) => error.err === 'invalid_key')));
    await expect(verifier.verify(await token(key, clock, { claims: { sid } }))).resolves.toMatchObject({ sid });
    expect(logger.lines.filter((line) => line.message === 'refused a security event from the auth service')).toHaveLength(2);
  });

  test('a stream the auth service deleted is opened again, and the next revocation arrives on it', async () => {
    const verifier = verifierWith();
    await verifier.refreshRevocations();
    transmitter.current.deleted = true;
    await until(() => transmitter.streams.length === 2);
    const sid = randomUUID();
    await transmitter.deliver(await transmitter.revocation(sid));
    await until(() => transmitter.current.waiting.size === 0);
    await expect(verifier.verify(await token(key, clock, { claims: { sid } }))).rejects.toMatchObject({ code: 'session_revoked' });
  });

  test('fail-closed refuses every token once the stream has been silent longer than maxStalenessMs', async () => {
    const verifier = verifierWith({ maxStalenessMs: 60_000 });
    await verifier.refreshRevocations();
    server.down = true;
    // The long poll under way (begun before the outage) has ended, failing, before the clock moves.
    await until(() => verifier.health().revocations?.lastError !== null);
    clock.advance(61_000);
    const refused = await verifier.verify(await token(key, clock)).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(VerificationError);
    expect(refused).toMatchObject({ code: 'revocations_unavailable', status: 503 });
    expect(verifier.health()).toMatchObject({ ok: false, revocations: { healthy: false, lastError: expect.stringContaining('ECONNREFUSED') } });
  });

  test('a revoked session is forgotten once all its tokens are too old to be accepted', async () => {
    const verifier = verifierWith();
    await verifier.refreshRevocations();
    await transmitter.deliver(await transmitter.revocation(randomUUID()));
    await until(() => verifier.health().revocations?.entries === 1);
    clock.advance((900 + 5) * 1000 + 1);
    await verifier.refreshRevocations();
    expect(verifier.health().revocations?.entries).toBe(0);
  });

  test('close() deletes the stream', async () => {
    const verifier = verifierWith();
    await verifier.refreshRevocations();
    verifier.close();
    await until(() => transmitter.current.deleted);
    verifiers.splice(0);
  });
});

describe('push delivery', () => {
  const ENDPOINT = 'https://billing.example/ssf/events';

  test('the stream asks for pushes with an authorization of its own; pushed SETs with it are taken, others refused as RFC 8935 says', async () => {
    let verifier: Verifier | undefined;
    const answers: number[] = [];
    transmitter.pushTo = async (set, authorization) => {
      answers.push((await verifier!.receivePushedEvent({ authorization, contentType: 'application/secevent+jwt', body: set })).status);
    };
    verifier = verifierWith({ delivery: { method: 'push', endpointUrl: ENDPOINT } });
    const sid = randomUUID();
    await verifier.verify(await token(key, clock, { claims: { sid } }));
    expect(transmitter.current.delivery).toMatchObject({ method: 'urn:ietf:rfc:8935', endpoint_url: ENDPOINT, authorization_header: expect.stringMatching(/^Bearer .{40,}/) });
    expect(answers).toEqual([202]);
    expect(verifier.health().revocations).toMatchObject({ healthy: true });

    const set = await transmitter.revocation(sid);
    expect(await verifier.receivePushedEvent({ authorization: 'Bearer guessed', contentType: 'application/secevent+jwt', body: set })).toMatchObject({ status: 401, body: { err: 'authentication_failed' } });
    const authorization = transmitter.current.delivery.authorization_header;
    expect(await verifier.receivePushedEvent({ authorization, contentType: 'application/json', body: set })).toMatchObject({ status: 400 });
    expect(await verifier.receivePushedEvent({ authorization, contentType: 'application/secevent+jwt', body: await transmitter.revocation(sid, { aud: 'x' }) })).toMatchObject({
      status: 400,
      body: { err: 'invalid_audience' },
    });
    await expect(verifier.verify(await token(key, clock, { claims: { sid } }))).resolves.toBeDefined();
    expect(await verifier.receivePushedEvent({ authorization, contentType: 'application/secevent+jwt', body: set })).toEqual({ status: 202 });
    await expect(verifier.verify(await token(key, clock, { claims: { sid } }))).rejects.toMatchObject({ code: 'session_revoked' });
  });

  test('a verifier in poll mode, or without SSF, takes no pushes', async () => {
    const verifier = verifierWith();
    expect((await verifier.receivePushedEvent({ authorization: undefined, contentType: 'application/secevent+jwt', body: 'x' })).status).toBe(404);
    expect(() => createVerifier({ issuer: ISSUER, audience: AUDIENCE, sharedSignals: { credentials: CREDENTIALS, failMode: 'open' }, revocations: { url: 'x', pollMs: 1, credentials: CREDENTIALS, failMode: 'open' } })).toThrow(TypeError);
  });
});
