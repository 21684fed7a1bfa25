import { Injectable } from '@nestjs/common';
import { constantTimeEqual, sha256 } from '../common/crypto.js';
import { AppConfig } from '../config/app-config.js';
import type { ServiceScope } from '../config/service-credentials.js';

/** Another backend service, as its credential names it. */
export interface ServiceClient {
  clientId: string;
  scopes: readonly ServiceScope[];
}

/** Compared against when the client id is unknown, so that an unknown id costs what a wrong secret costs. */
const NO_CLIENT_HASH = sha256('no such service client');

/**
 * The service clients of SERVICE_CREDENTIALS. Only the SHA-256 of each
 * secret is held (the secrets are long and random, so a slow hash would add
 * cost and no safety), compared in constant time.
 */
@Injectable()
export class ServiceClients {
  private readonly byId: Map<string, ServiceClient & { secretHash: Buffer }>;

  constructor(config: AppConfig) {
    this.byId = new Map(config.serviceClients.map((client) => [client.clientId, client]));
  }

  authenticate(clientId: string, secret: string): ServiceClient | null {
    const client = this.byId.get(clientId);
    const matches = constantTimeEqual(sha256(secret), client?.secretHash ?? NO_CLIENT_HASH);
    return client && matches ? { clientId: client.clientId, scopes: client.scopes } : null;
  }
}
