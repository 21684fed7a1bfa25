import { type ExecutionContext, Injectable } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import jwt from 'jsonwebtoken';
import { AppError } from '../common/app-error.js';
import { AppConfig } from '../config/app-config.js';
import { invalidToken } from '../tokens/access-tokens.service.js';
import { ACCESS_TOKEN_STRATEGY, extractAccessToken } from './access-token.strategy.js';
import type { Principal } from './principal.js';

/**
 * Runs passport with the access-token strategy and turns each way it can
 * fail into a code of the error catalog. Called by the route guard.
 */
@Injectable()
export class AccessTokenGuard extends AuthGuard(ACCESS_TOKEN_STRATEGY) {
  constructor(private readonly config: AppConfig) {
    super();
  }

  /** `optional`: a route that works without a token (logout) still reads a valid one, and ignores a bad one. */
  async authenticate(context: ExecutionContext, optional: boolean): Promise<void> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (extractAccessToken(request, this.config.cookies.accessName) === null) {
      if (optional) return;
      throw new AppError('authentication_required');
    }
    try {
      await super.canActivate(context);
    } catch (error) {
      if (!optional || !(error instanceof AppError)) throw error;
    }
  }

  override handleRequest<T = Principal>(error: unknown, principal: T | false, info: unknown): T {
    if (error) throw error;
    if (principal) return principal;
    if (info instanceof AppError) throw info;
    if (info instanceof jwt.TokenExpiredError) throw new AppError('token_expired');
    throw invalidToken();
  }
}
