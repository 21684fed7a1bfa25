import { Injectable } from '@nestjs/common';
import { type JWTPayload, SignJWT } from 'jose';
import { SIGNING_ALGORITHM } from '../tokens/key-generation.js';
import { SigningKeysService } from '../tokens/signing-keys.service.js';

/**
 * Signs a SET at each delivery with the key that signs access tokens now
 * (so receivers verify it from the same JWKS), typed `secevent+jwt` (SSF 1.0
 * §4.1.1). The claims are stored, so a re-delivery carries the same jti.
 */
@Injectable()
export class SecurityEventSigner {
  constructor(private readonly keys: SigningKeysService) {}

  sign(claims: object): Promise<string> {
    const { kid, privateKey } = this.keys.signingKey();
    return new SignJWT(claims as JWTPayload).setProtectedHeader({ alg: SIGNING_ALGORITHM, typ: 'secevent+jwt', kid }).sign(privateKey);
  }
}
