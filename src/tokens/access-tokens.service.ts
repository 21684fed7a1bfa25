import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import type { KeyObject } from 'node:crypto';
import { errors as joseErrors, jwtVerify } from 'jose';
import { AppError } from '../common/app-error.js';
import { Clock } from '../common/clock.js';
import { Random } from '../common/random.js';
import { isUuid } from '../common/uuid.js';
import { AppConfig } from '../config/app-config.js';
import { SIGNING_ALGORITHM } from './key-generation.js';
import { SigningKeysService } from './signing-keys.service.js';

/** The claims of an access token (RFC 9068 plus `sid` and `roles`). */
export interface AccessTokenClaims {
  iss: string;
  aud: string;
  sub: string;
  sid: string;
  jti: string;
  iat: number;
  exp: number;
  client_id: string;
  roles: string[];
  /** The OpenID Connect claim: whether the user has opened a mailed verification link. */
  email_verified: boolean;
}

export interface IssuedAccessToken {
  token: string;
  expiresAt: Date;
}

const ACCEPTED_TYPES = new Set(['at+jwt', 'application/at+jwt']);

/** How far ahead of ours another instance's clock may run when it signs. */
const CLOCK_SKEW_SECONDS = 60;

export function invalidToken(): AppError {
  return new AppError('invalid_token');
}

@Injectable()
export class AccessTokensService {
  constructor(
    private readonly jwt: JwtService,
    private readonly keys: SigningKeysService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly random: Random,
  ) {}

  /** `sessionEndsAt` caps the lifetime: no token outlives the absolute end of its session. */
  issue(subject: { userId: string; sessionId: string; roles: string[]; emailVerified: boolean; sessionEndsAt: Date }): IssuedAccessToken {
    const { kid, privateKey } = this.keys.signingKey();
    const iat = Math.floor(this.clock.now().getTime() / 1000);
    const exp = Math.min(iat + this.config.tokens.accessTtlSeconds, Math.floor(subject.sessionEndsAt.getTime() / 1000));
    const claims: AccessTokenClaims = {
      iss: this.config.tokens.issuer,
      aud: this.config.tokens.audience,
      sub: subject.userId,
      sid: subject.sessionId,
      jti: this.random.uuid(),
      iat,
      exp,
      client_id: this.config.tokens.audience,
      roles: subject.roles,
      email_verified: subject.emailVerified,
    };
    const token = this.jwt.sign(claims, {
      privateKey: privateKey as unknown as string,
      algorithm: SIGNING_ALGORITHM,
      header: { alg: SIGNING_ALGORITHM, typ: 'at+jwt', kid },
    });
    return { token, expiresAt: new Date(exp * 1000) };
  }

  /**
   * The claims of a token of ours, checked against the injectable clock: for
   * callers outside the request path (introspection). Refuses with
   * `invalid_token` or `token_expired`; says nothing of the session.
   */
  async verify(rawToken: string): Promise<AccessTokenClaims> {
    const key = await this.verificationKeyFor(rawToken);
    try {
      const { payload } = await jwtVerify(rawToken, key, {
        algorithms: [SIGNING_ALGORITHM],
        typ: 'at+jwt',
        issuer: this.config.tokens.issuer,
        audience: this.config.tokens.audience,
        currentDate: this.clock.now(),
      });
      return this.checkedClaims(payload);
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) throw new AppError('token_expired');
      if (error instanceof joseErrors.JOSEError) throw invalidToken();
      throw error;
    }
  }

  /** Claims whose signature, issuer, audience and expiry have been checked: the shape and times only we produce. */
  checkedClaims(claims: Partial<Record<keyof AccessTokenClaims, unknown>>): AccessTokenClaims {
    const { sub, sid, roles, exp, jti } = claims;
    if (!isUuid(sub) || !isUuid(sid) || !isStringArray(roles) || typeof exp !== 'number' || typeof jti !== 'string') throw invalidToken();
    this.assertPlausibleTimes(claims);
    return claims as AccessTokenClaims;
  }

  /**
   * Times a token of ours can have: `iat` not ahead of our clock by more than
   * the skew, and no longer a lifetime than we issue. A token that passes the
   * signature check but not this was not minted by this service as configured
   * (a leaked key, a bug), and is refused.
   */
  assertPlausibleTimes(claims: { iat?: unknown; exp?: unknown }): void {
    const { iat, exp } = claims;
    if (typeof iat !== 'number' || typeof exp !== 'number') throw invalidToken();
    const now = this.clock.now().getTime() / 1000;
    if (iat > now + CLOCK_SKEW_SECONDS || exp - iat > this.config.tokens.accessTtlSeconds) throw invalidToken();
  }

  /**
   * Picks the public key for a token from its header, refusing anything but
   * our own access-token type and algorithm before any signature work.
   */
  async verificationKeyFor(rawToken: string): Promise<KeyObject> {
    const header = decodeHeader(rawToken);
    if (!header || !ACCEPTED_TYPES.has(String(header.typ).toLowerCase()) || header.alg !== SIGNING_ALGORITHM) {
      throw invalidToken();
    }
    // We define no critical header extensions, so any `crit` names one we cannot honour (RFC 7515 §4.1.11).
    if (header.crit !== undefined) throw invalidToken();
    if (typeof header.kid !== 'string' || header.kid.length > 128) throw invalidToken();
    const key = await this.keys.verificationKey(header.kid);
    if (!key) throw invalidToken();
    return key;
  }
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((entry) => typeof entry === 'string');
}

function decodeHeader(rawToken: string): Record<string, unknown> | null {
  const encoded = rawToken.split('.', 1)[0];
  if (!encoded || encoded.length > 1024) return null;
  try {
    const header: unknown = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
    return header !== null && typeof header === 'object' ? (header as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
