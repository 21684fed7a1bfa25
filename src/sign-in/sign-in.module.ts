import { Module } from '@nestjs/common';
import { SessionsModule } from '../sessions/sessions.module.js';
import { TokensModule } from '../tokens/tokens.module.js';
import { UsersModule } from '../users/users.module.js';
import { SignInService } from './sign-in.service.js';

@Module({
  imports: [UsersModule, SessionsModule, TokensModule],
  providers: [SignInService],
  exports: [SignInService],
})
export class SignInModule {}
