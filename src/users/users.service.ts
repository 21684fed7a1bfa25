import { Injectable, Logger } from '@nestjs/common';
import { AppError } from '../common/app-error.js';
import { Clock } from '../common/clock.js';
import { Random } from '../common/random.js';
import { normalizeEmail } from './email.js';
import { PasswordHasher } from './password-hasher.js';
import type { PublicUser } from './user.js';
import { UsersRepository } from './users.repository.js';

/**
 * The same password typed on systems that compose accents differently (NFC
 * vs NFD) must match, as NIST SP 800-63B asks.
 */
function normalizePassword(password: string): string {
  return password.normalize('NFC');
}

@Injectable()
export class UsersService {
  private readonly logger = new Logger(UsersService.name);

  constructor(
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
    private readonly clock: Clock,
    private readonly random: Random,
  ) {}

  async register(email: string, password: string): Promise<PublicUser> {
    const passwordHash = await this.hasher.hash(normalizePassword(password));
    const user = await this.users.create({
      id: this.random.uuid(),
      email: normalizeEmail(email),
      passwordHash,
      roles: [],
      now: this.clock.now(),
    });
    if (!user) throw new AppError('email_taken');
    this.logger.log({ msg: 'user registered', event: 'user_registered', userId: user.id });
    return user;
  }

  /**
   * The same answer and the same argon2 work whether the email is unknown or
   * the password wrong, so neither the reply nor its timing tells them apart.
   */
  async verifyCredentials(email: string, password: string): Promise<PublicUser> {
    const found = await this.users.findCredentialsByEmail(normalizeEmail(email));
    password = normalizePassword(password);
    if (!found) {
      await this.hasher.verifyDummy(password);
      throw new AppError('invalid_credentials');
    }
    const { passwordHash, ...user } = found;
    const check = await this.hasher.verify(passwordHash, password);
    if (!check.valid) throw new AppError('invalid_credentials');
    if (check.needsRehash) {
      await this.users.updatePasswordHash(user.id, await this.hasher.hash(password), this.clock.now());
      this.logger.log({ msg: 'password hash upgraded to the configured argon2 parameters', userId: user.id });
    }
    return user;
  }

  /** Operator command (CLI): roles take effect on this service's routes within SESSION_CHECK_CACHE_MS, in tokens at the next refresh. */
  async changeRole(email: string, role: string, grant: boolean): Promise<PublicUser> {
    if (!/^[a-z][a-z0-9_-]{0,31}$/.test(role)) throw AppError.invalidField('role', 'is not a role name');
    const user = await this.users.changeRole(normalizeEmail(email), role, grant, this.clock.now());
    if (!user) throw new AppError('user_not_found', { message: `No user with the email ${normalizeEmail(email)}.` });
    this.logger.log({ msg: grant ? 'role granted' : 'role revoked', event: 'user_roles_changed', userId: user.id, roles: user.roles });
    return user;
  }
}
