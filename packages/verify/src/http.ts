import { VerificationError } from './errors.js';

const BEARER = /^Bearer[ \t]+([A-Za-z0-9._~+/-]+=*)[ \t]*$/i;

/** The token of an `Authorization: Bearer` header (RFC 6750 §2.1). */
export function bearerToken(authorization: string | string[] | undefined): string {
  const match = typeof authorization === 'string' ? BEARER.exec(authorization) : null;
  if (!match) throw new VerificationError('token_missing', 'send the access token as Authorization: Bearer <token>');
  return match[1]!;
}

/** What an adapter answers for a refusal: the status, an RFC 6750 challenge, and the auth service's error shape. */
export function refusal(error: VerificationError): { status: number; challenge: string; body: { error: string; message: string } } {
  const challenge = error.code === 'token_missing' ? 'Bearer' : `Bearer error="invalid_token", error_description="${error.code}"`;
  return { status: error.status, challenge, body: { error: error.code, message: error.message } };
}
