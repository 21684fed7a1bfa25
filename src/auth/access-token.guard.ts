import { type ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { AppError } from '../common/app-error.js';
import { IS_PUBLIC } from '../common/public.decorator.js';
import { invalidToken } from '../tokens/access-tokens.service.js';
import { ACCESS_TOKEN_STRATEGY } from './access-token.strategy.js';
import type { Principal } from './principal.js';

const OPTIONAL_ACCESS_TOKEN = 'auth:optionalAccessToken';

/** The route works without an access token too (logout); a valid one is still read. */
export const OptionalAccessToken = () => SetMetadata(OPTIONAL_ACCESS_TOKEN, true);

/**
 * Global and deny-by-default: every route needs a valid access token of a
 * live session unless it is marked @Public().
 */
@Injectable()
export class AccessTokenGuard extends AuthGuard(ACCESS_TOKEN_STRATEGY) {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    if (!this.reflector.getAllAndOverride<boolean>(OPTIONAL_ACCESS_TOKEN, targets)) {
      return (await super.canActivate(context)) as boolean;
    }
    try {
      await super.canActivate(context);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
    }
    return true;
  }

  override handleRequest<T = Principal>(error: unknown, principal: T | false, info: unknown): T {
    if (error) throw error;
    if (principal) return principal;
    if (info instanceof AppError) throw info;
    const name = (info as { name?: string; message?: string } | undefined)?.name;
    if (name === 'TokenExpiredError') {
      throw AppError.unauthorized('token_expired', 'The access token has expired; refresh it.');
    }
    if ((info as Error | undefined)?.message === 'No auth token') {
      throw AppError.unauthorized('authentication_required', 'An access token is required.');
    }
    throw invalidToken();
  }
}
