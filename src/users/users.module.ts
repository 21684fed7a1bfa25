import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { PasswordHasher } from './password-hasher.js';
import { UsersRepository } from './users.repository.js';
import { UsersService } from './users.service.js';

/** Accounts and passwords; the account room composes the repository's transactional changes with session revocation. */
@Module({
  imports: [AuditModule],
  providers: [UsersRepository, UsersService, PasswordHasher],
  exports: [UsersService, UsersRepository],
})
export class UsersModule {}
