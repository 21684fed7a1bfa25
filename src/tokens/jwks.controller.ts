import { Controller, Get, Header, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Public } from '../common/public.decorator.js';
import { AppConfig } from '../config/app-config.js';
import { SigningKeysService } from './signing-keys.service.js';

@Controller('.well-known')
export class JwksController {
  constructor(
    private readonly keys: SigningKeysService,
    private readonly config: AppConfig,
  ) {}

  /**
   * Public keys for offline verification. The next key is published before it
   * signs anything and a retired key stays until its tokens have expired, so
   * a verifier caching this for `max-age` never meets an unknown kid.
   */
  @Public()
  @Get('jwks.json')
  @Header('content-type', 'application/jwk-set+json')
  jwks(@Res({ passthrough: true }) reply: FastifyReply) {
    reply.header('cache-control', `public, max-age=${this.config.tokens.jwksMaxAgeSeconds}`);
    return this.keys.jwks();
  }
}
