import { Injectable, Logger } from '@nestjs/common';
import { AppError } from '../common/app-error.js';
import { Clock } from '../common/clock.js';
import { Random } from '../common/random.js';
import type { Prisma } from '../database/prisma.service.js';
import { normalizeEmail } from './email.js';
import { PasswordHasher } from './password-hasher.js';
import type { PublicUser } from './user.js';
import { UsersRepository } from './users.repository.js';

/** A user whose password was just verified, and the check that it still is the password, for the transaction that signs them in. */
export interface VerifiedCredentials {
  user: PublicUser;
  stillValid: (tx: Prisma.TransactionClient) => Promise<boolean>;
}

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
   * `stillValid` holds what was verified inside the transaction of the
   * session that the login opens (see UsersRepository.holdIfUnchanged).
   */
  async verifyCredentials(email: string, password: string): Promise<VerifiedCredentials> {
    const found = await this.users.findCredentialsByEmail(normalizeEmail(email));
    password = normalizePassword(password);
    if (!found) {
      await this.hasher.verifyDummy(password);
      throw new AppError('invalid_credentials');
    }
    const { passwordHash, ...user } = found;
    const check = await this.hasher.verify(passwordHash, password);
    if (!check.valid) throw new AppError('invalid_credentials');
    let verifiedHash = passwordHash;
    if (check.needsRehash) {
      const upgrade = { id: user.id, expectedHash: passwordHash, passwordHash: await this.hasher.hash(password), now: this.clock.now() };
      // Lost to a concurrent password change: that newer hash stays, and stillValid will say so.
      if (await this.users.replacePasswordHash(upgrade)) {
        verifiedHash = upgrade.passwordHash;
        this.logger.log({ msg: 'password hash upgraded to the configured argon2 parameters', userId: user.id });
      }
    }
    return { user, stillValid: (tx) => this.users.holdIfUnchanged(tx, user.id, verifiedHash) };
  }

  /**
   * The current password of a signed-in user, before a change that needs it
   * (a new password, deleting the account). Returns the hash that was
   * checked, for the compare-and-set of the change. An account gone meanwhile
   * costs the same argon2 work and gets the same 401.
   */
  async checkPassword(userId: string, password: string): Promise<{ user: PublicUser; passwordHash: string }> {
    const found = await this.users.findCredentialsById(userId);
    password = normalizePassword(password);
    if (!found) {
      await this.hasher.verifyDummy(password);
      throw new AppError('invalid_credentials');
    }
    const { passwordHash, ...user } = found;
    if (!(await this.hasher.verify(passwordHash, password)).valid) throw new AppError('invalid_credentials');
    return { user, passwordHash };
  }

  /** argon2id of a new password, through the bounded hashing queue. */
  hashPassword(password: string): Promise<string> {
    return this.hasher.hash(normalizePassword(password));
  }

  /** A live account by its address in any spelling that normalises to it; null when there is none. */
  findByEmail(email: string): Promise<PublicUser | null> {
    return this.users.findByEmail(normalizeEmail(email));
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
