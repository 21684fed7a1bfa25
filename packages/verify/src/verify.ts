import { decodeProtectedHeader, errors, jwtVerify, type ProtectedHeaderParameters } from 'jose';
import { consoleLogger, VerificationError, type VerifierLogger } from './errors.js';
import { JwksCache, type JwksCacheOptions, type JwksHealth } from './jwks-cache.js';
import { acquireSource, feedKey, type RevocationOptions, RevocationPoller, type RevocationsHealth } from './revocations.js';
import { SharedSignalsReceiver } from './shared-signals.js';
import { type PushAnswer, type PushedEvent, sharedSignalsKey, type SharedSignalsOptions } from './shared-signals-options.js';

export { VerificationError, type VerificationErrorCode, type VerifierLogger } from './errors.js';
export type { JwksCacheOptions, JwksHealth } from './jwks-cache.js';
export type { RevocationOptions, RevocationsHealth } from './revocations.js';
export type { PushAnswer, PushedEvent, SharedSignalsOptions } from './shared-signals-options.js';

/** The claims of the auth service's access tokens (RFC 9068, plus `sid` and `roles`). */
export interface AccessTokenClaims {
  iss: string;
  aud: string | string[];
  /** The user id. */
  sub: string;
  /** The session (refresh-token family) the token belongs to. */
  sid: string;
  jti: string;
  iat: number;
  exp: number;
  client_id?: string;
  /** The user's roles when the token was issued. */
  roles: string[];
}

export interface VerifierOptions {
  /** The auth service's AUTH_ISSUER, e.g. `https://auth.example.com`. */
  issuer: string;
  /** Its AUTH_AUDIENCE. */
  audience: string;
  /** Default: `<issuer>/.well-known/jwks.json`. */
  jwksUrl?: string;
  jwks?: JwksCacheOptions;
  /** Revoked sessions from the auth service's own feed (polled). */
  revocations?: RevocationOptions;
  /** Revoked sessions as OpenID Shared Signals (CAEP session-revoked events, by poll or push); instead of `revocations`. */
  sharedSignals?: SharedSignalsOptions;
  /** Leeway on `exp`, `nbf` and `iat` for clocks that drift; 0–60. Default 5. */
  clockToleranceSeconds?: number;
  /** Tokens issued longer ago than this are refused whatever their `exp` (the auth service issues at most 900 s). Default 900. */
  maxTokenAgeSeconds?: number;
  logger?: VerifierLogger;
  /** The time in ms; tests replace it. */
  now?: () => number;
  /** Tests replace it. */
  fetch?: typeof globalThis.fetch;
}

export interface VerifierHealth {
  /** False while no key set is held, or while revocations (feed or SSF) have been out of reach too long. */
  ok: boolean;
  jwks: JwksHealth;
  revocations: RevocationsHealth | null;
}

export interface Verifier {
  /** The token's claims, or a rejection with a VerificationError. */
  verify(token: string): Promise<AccessTokenClaims>;
  /** Asks for revocations now, rather than at the next turn. */
  refreshRevocations(): Promise<void>;
  /**
   * SSF push delivery (`sharedSignals.delivery.method: 'push'`): hand it each
   * POST your endpoint receives and answer with what it returns (RFC 8935);
   * `middleware.receivePushedEvents` does it for Node and Express.
   */
  receivePushedEvent(request: PushedEvent): Promise<PushAnswer>;
  health(): VerifierHealth;
  /** Stops the revocation poller (or deletes the SSF stream) once no other verifier shares it. */
  close(): void;
}

const ALGORITHM = 'ES256';
const TOKEN_TYPE = 'at+jwt';
const MAX_TOKEN_LENGTH = 8192;

function invalid(why: string): VerificationError {
  return new VerificationError('token_invalid', why);
}

/** Checks before any key lookup: a token that is not one of ours never costs a fetch. */
function checkedHeader(token: unknown): ProtectedHeaderParameters {
  if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) throw invalid('not a token');
  let header: ProtectedHeaderParameters;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    throw invalid('not a JWS in compact form');
  }
  if (header.alg !== ALGORITHM) throw invalid(`the algorithm must be ${ALGORITHM}`);
  const type = typeof header.typ === 'string' ? header.typ.toLowerCase().replace(/^application\//, '') : undefined;
  if (type !== TOKEN_TYPE) throw invalid(`the token type must be ${TOKEN_TYPE}`);
  // No critical extension is defined for these tokens, so any `crit` names one we cannot honour (RFC 7515 §4.1.11).
  if (header.crit !== undefined) throw invalid('the token has critical header parameters');
  if (typeof header.kid !== 'string' || header.kid.length === 0) throw invalid('the token names no key');
  return header;
}

function checkedClaims(payload: Record<string, unknown>): AccessTokenClaims {
  const { sub, sid, jti, roles } = payload;
  if (typeof sub !== 'string' || typeof sid !== 'string' || typeof jti !== 'string') throw invalid('sub, sid and jti must be strings');
  if (!Array.isArray(roles) || !roles.every((role) => typeof role === 'string')) throw invalid('roles must be a list of strings');
  return payload as unknown as AccessTokenClaims;
}

/**
 * A verifier of the auth service's access tokens: ES256 only, `typ: at+jwt`,
 * `iss`, `aud`, `exp`, `nbf` and `iat` checked with a small leeway, no
 * unknown `crit`; keys from the JWKS, cached as its headers say; with
 * `revocations` (the feed) or `sharedSignals` (SSF), tokens of revoked
 * sessions are refused.
 */
export function createVerifier(options: VerifierOptions): Verifier {
  const { revocations, sharedSignals } = options;
  if (revocations && sharedSignals) throw new TypeError('give revocations or sharedSignals, not both');
  const tolerance = options.clockToleranceSeconds ?? 5;
  if (!(tolerance >= 0 && tolerance <= 60)) throw new TypeError('clockToleranceSeconds must be between 0 and 60');
  const now = options.now ?? Date.now;
  const fetchFn = options.fetch ?? globalThis.fetch;
  const logger = options.logger ?? consoleLogger;
  const jwksUrl = options.jwksUrl ?? new URL('.well-known/jwks.json', options.issuer.endsWith('/') ? options.issuer : `${options.issuer}/`).href;
  const keys = new JwksCache(jwksUrl, options.jwks ?? {}, now, fetchFn, logger);
  keys.prefetch();
  const maxTokenAgeSeconds = options.maxTokenAgeSeconds ?? 900;
  const shared = revocations
    ? acquireSource(feedKey(revocations), () => new RevocationPoller(revocations, now, fetchFn, logger))
    : sharedSignals
      ? acquireSource(sharedSignalsKey(options.issuer, sharedSignals), () =>
          // A revoked session is remembered until every token of it is too old to be accepted anyway.
          new SharedSignalsReceiver(sharedSignals, { issuer: options.issuer, keys, rememberMs: (maxTokenAgeSeconds + tolerance) * 1000, now, fetch: fetchFn, logger }),
        )
      : undefined;
  const failMode = (revocations ?? sharedSignals)?.failMode;

  async function verify(token: string): Promise<AccessTokenClaims> {
    const header = checkedHeader(token);
    const key = await keys.keyFor(header);
    let claims: AccessTokenClaims;
    try {
      const { payload } = await jwtVerify(token, key, {
        algorithms: [ALGORITHM],
        typ: TOKEN_TYPE,
        issuer: options.issuer,
        audience: options.audience,
        clockTolerance: tolerance,
        maxTokenAge: maxTokenAgeSeconds,
        requiredClaims: ['exp', 'iat', 'sub', 'sid', 'jti'],
        currentDate: new Date(now()),
      });
      claims = checkedClaims(payload);
    } catch (error) {
      if (error instanceof errors.JWTExpired) throw new VerificationError('token_expired', 'the token has expired');
      if (error instanceof errors.JOSEError) throw invalid(error.message);
      throw error;
    }
    if (shared) {
      await shared.source.ready;
      if (shared.source.isRevoked(claims.sid)) throw new VerificationError('session_revoked', 'the session of this token has been revoked');
      if (failMode === 'closed' && !shared.source.healthy()) {
        throw new VerificationError('revocations_unavailable', 'revocations have been out of reach too long to accept tokens');
      }
    }
    return claims;
  }

  return {
    verify,
    refreshRevocations: () => shared?.source.refresh() ?? Promise.resolve(),
    async receivePushedEvent(request) {
      if (!(shared?.source instanceof SharedSignalsReceiver)) return { status: 404, body: { err: 'invalid_request', description: 'this verifier receives no pushed events' } };
      return shared.source.receivePush(request);
    },
    health() {
      const jwks = keys.health();
      const source = shared?.source.health() ?? null;
      return { ok: jwks.loaded && (source === null || source.healthy), jwks, revocations: source };
    },
    close: () => shared?.release(),
  };
}
