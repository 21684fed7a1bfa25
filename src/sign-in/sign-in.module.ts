import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { TokensModule } from '../tokens/tokens.module.js';
import { UsersModule } from '../users/users.module.js';
import { FailedLoginAudit } from './failed-login-audit.js';
import { SignInService } from './sign-in.service.js';

@Module({
  imports: [UsersModule, SessionsModule, TokensModule, AuditModule],
  providers: [SignInService, FailedLoginAudit],
  exports: [SignInService],
})
export class SignInModule {}
