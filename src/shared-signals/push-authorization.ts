import { seal, unseal } from '../common/sealed-secret.js';

/**
 * The Authorization header a receiver gives for its push endpoint is a
 * credential of its own: stored sealed under KEY_ENCRYPTION_SECRET, bound to
 * the stream, and never shown back.
 */
const PURPOSE = 'ssf-push-authorization/v1';

export function sealAuthorization(secret: string, streamId: string, header: string, iv: Buffer): Uint8Array<ArrayBuffer> {
  return new Uint8Array(seal(secret, PURPOSE, streamId, Buffer.from(header, 'utf8'), iv));
}

/** Null when it does not open (KEY_ENCRYPTION_SECRET changed since): the receiver must set it again. */
export function openAuthorization(secret: string, streamId: string, sealed: Uint8Array): string | null {
  return unseal(secret, PURPOSE, streamId, Buffer.from(sealed))?.toString('utf8') ?? null;
}
