import {
  type CanActivate,
  createParamDecorator,
  type DynamicModule,
  type ExecutionContext,
  HttpException,
  Inject,
  Injectable,
  Module,
  type OnModuleDestroy,
} from '@nestjs/common';
import { VerificationError } from './errors.js';
import { bearerToken, refusal } from './http.js';
import { type AccessTokenClaims, createVerifier, type Verifier, type VerifierOptions } from './verify.js';

/** The injection token of the Verifier the guard uses: `{ provide: VERIFIER, useValue: createVerifier({...}) }`. */
export const VERIFIER = Symbol('auth-service access-token verifier');

type RequestWithAccessToken = { headers: Record<string, string | string[] | undefined>; accessToken?: AccessTokenClaims };

/**
 * A Nest guard (Express or Fastify): a valid Bearer token puts its claims on
 * the request for `@CurrentUser()`; a refusal is a 401 (503 when failing
 * closed) in the auth service's error shape, with an RFC 6750 challenge.
 */
@Injectable()
export class AccessTokenGuard implements CanActivate {
  constructor(@Inject(VERIFIER) private readonly verifier: Verifier) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<RequestWithAccessToken>();
    try {
      request.accessToken = await this.verifier.verify(bearerToken(request.headers.authorization));
      return true;
    } catch (error) {
      if (!(error instanceof VerificationError)) throw error;
      const { status, challenge, body } = refusal(error);
      const response = context.switchToHttp().getResponse<{ header?: (name: string, value: string) => unknown; setHeader?: (name: string, value: string) => unknown }>();
      if (response.header) response.header('www-authenticate', challenge);
      else response.setHeader?.('www-authenticate', challenge);
      throw new HttpException(body, status);
    }
  }
}

/** The verified claims of the request's access token, on a route behind AccessTokenGuard. */
export const CurrentUser = createParamDecorator((_data: unknown, context: ExecutionContext): AccessTokenClaims => {
  const claims = context.switchToHttp().getRequest<RequestWithAccessToken>().accessToken;
  if (!claims) throw new Error('@CurrentUser() used on a route without AccessTokenGuard');
  return claims;
});

@Injectable()
class VerifierShutdown implements OnModuleDestroy {
  constructor(@Inject(VERIFIER) private readonly verifier: Verifier) {}

  onModuleDestroy(): void {
    this.verifier.close();
  }
}

/** One verifier for the whole app, closed with it: `imports: [VerifierModule.forRoot({ issuer, audience, ... })]`. */
@Module({})
export class VerifierModule {
  static forRoot(options: VerifierOptions): DynamicModule {
    return {
      module: VerifierModule,
      global: true,
      providers: [{ provide: VERIFIER, useFactory: () => createVerifier(options) }, AccessTokenGuard, VerifierShutdown],
      exports: [VERIFIER, AccessTokenGuard],
    };
  }
}
