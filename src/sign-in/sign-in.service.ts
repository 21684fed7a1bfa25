import { Injectable, Logger } from '@nestjs/common';
import { AppError } from '../common/app-error.js';
import { AppConfig } from '../config/app-config.js';
import type { ClientInfo } from '../common/client-info.js';
import { Metrics } from '../metrics/metrics.js';
import type { FamilyTokens } from '../sessions/family.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { AccessTokensService } from '../tokens/access-tokens.service.js';
import { UsersService } from '../users/users.service.js';
import { FailedLoginAudit } from './failed-login-audit.js';
import type { IssuedTokens } from './issued-tokens.js';

/**
 * Composes users, sessions and tokens: credentials become a new family, and
 * a family (new or rotated) becomes the pair of tokens the client receives.
 */
@Injectable()
export class SignInService {
  private readonly logger = new Logger(SignInService.name);

  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly accessTokens: AccessTokensService,
    private readonly config: AppConfig,
    private readonly failures: FailedLoginAudit,
    private readonly metrics: Metrics,
  ) {}

  async login(email: string, password: string, client: ClientInfo): Promise<IssuedTokens> {
    let verified;
    try {
      verified = await this.users.verifyCredentials(email, password);
    } catch (error) {
      if (error instanceof AppError && error.code === 'invalid_credentials') {
        this.metrics.login('invalid_credentials');
        this.logger.warn({ msg: 'login failed', event: 'login_failed', ip: client.ip });
        // The answer stays 401 whatever happens to the event: an audit failure must not tell a guesser anything.
        await this.failures.record(email, client).catch((auditError: unknown) =>
          this.logger.error({ msg: 'could not write the login_failed audit event', err: auditError }),
        );
      } else if (error instanceof AppError && error.code === 'service_busy') {
        this.metrics.login('queue_full');
      }
      throw error;
    }
    const { user, stillValid } = verified;
    // After the password check: only the owner learns that the address is not verified yet.
    if (this.config.account.loginRequiresVerifiedEmail && user.emailVerifiedAt === null) throw new AppError('email_not_verified');
    const family = await this.sessions.start(user, client, stillValid);
    if (!family) {
      this.metrics.login('invalid_credentials');
      this.logger.warn({ msg: 'login lost to a password change or an account deletion', event: 'login_failed', userId: user.id, ip: client.ip });
      throw new AppError('invalid_credentials');
    }
    const tokens = this.tokensFor(family);
    this.metrics.login('success');
    return tokens;
  }

  async refresh(rawToken: string | undefined, client: ClientInfo): Promise<IssuedTokens> {
    return this.tokensFor(await this.sessions.rotate(rawToken, client));
  }

  private tokensFor(family: FamilyTokens): IssuedTokens {
    const { owner, session } = family;
    return {
      user: { id: owner.id, email: owner.email, roles: owner.roles, emailVerified: owner.emailVerifiedAt !== null },
      session,
      accessToken: this.accessTokens.issue({
        userId: owner.id,
        sessionId: session.id,
        roles: owner.roles,
        emailVerified: owner.emailVerifiedAt !== null,
        sessionEndsAt: session.absoluteExpiresAt,
      }),
      refreshToken: family.refreshToken,
    };
  }
}
