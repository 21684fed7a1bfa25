import { Injectable, Logger } from '@nestjs/common';
import { AUDIT_EVENT } from '../audit/audit-entry.js';
import { AppError } from '../common/app-error.js';
import type { Actor, ClientInfo } from '../common/client-info.js';
import { Clock } from '../common/clock.js';
import { Random } from '../common/random.js';
import type { Prisma } from '../database/prisma.service.js';
import { Metrics } from '../metrics/metrics.js';
import { normalizeEmail } from './email.js';
import { PasswordHasher } from './password-hasher.js';
import type { PublicUser } from './user.js';
import { UsersRepository } from './users.repository.js';

/** A user whose password was just verified, and the check that it still is the password, for the transaction that signs them in. */
export interface VerifiedCredentials {
  user: PublicUser;
  stillValid: (tx: Prisma.TransactionClient) => Promise<boolean>;
}
/** Upper bound on passwords: argon2 cost is per byte of input, so length is a DoS lever. */
export const PASSWORD_MAX = 256;
export const PASSWORD_MIN = 8;

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
    private readonly metrics: Metrics,
  ) {}

  /** Self-service sign-up: the new user is the actor of its own `user_registered` event. */
  register(email: string, password: string, client: ClientInfo): Promise<PublicUser> {
    const id = this.random.uuid();
    return this.create(id, email, password, [], { id, client });
  }

  /** Operator command: an account with the admin role, created by `actor` (the first admin of a fresh install). */
  createAdmin(email: string, password: string, actor: Actor): Promise<PublicUser> {
    if (password.length < PASSWORD_MIN || password.length > PASSWORD_MAX) {
      throw AppError.invalidField('password', `must be ${PASSWORD_MIN} to ${PASSWORD_MAX} characters`);
    }
    return this.create(this.random.uuid(), email, password, ['admin'], actor);
  }

  private async create(id: string, email: string, password: string, roles: string[], actor: Actor): Promise<PublicUser> {
    const canonical = normalizeEmail(email);
    const passwordHash = await this.hasher.hash(normalizePassword(password));
    const now = this.clock.now();
    const user = await this.users.create(
      { id, email: canonical, passwordHash, roles, now },
      {
        at: now,
        type: AUDIT_EVENT.register,
        actor: actor.id,
        origin: actor.client.origin,
        sessionId: null,
        ip: actor.client.ip,
        userAgent: actor.client.userAgent,
        data: { roles },
      },
    );
    if (!user) throw new AppError('email_taken');
    this.metrics.registered();
    this.logger.log({ msg: 'user registered', event: AUDIT_EVENT.register, userId: user.id, roles });
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

  findById(id: string): Promise<PublicUser | null> {
    return this.users.findById(id);
  }

  /** Users whose email starts with `prefix` (case-insensitive as emails are stored in lower case), by email, after `after`. */
  searchByEmail(prefix: string, limit: number, after?: string): Promise<PublicUser[]> {
    return this.users.searchByEmailPrefix(prefix.normalize('NFKC').trim().toLowerCase(), limit, after);
  }

  /** Operator command: roles take effect on this service's routes within SESSION_CHECK_CACHE_MS, in tokens at the next refresh. */
  async changeRole(email: string, role: string, grant: boolean, actor: Actor): Promise<PublicUser> {
    if (!/^[a-z][a-z0-9_-]{0,31}$/.test(role)) throw AppError.invalidField('role', 'is not a role name');
    const canonical = normalizeEmail(email);
    const user = await this.users.changeRole(canonical, role, grant, {
      at: this.clock.now(),
      type: grant ? AUDIT_EVENT.roleGranted : AUDIT_EVENT.roleRevoked,
      actor: actor.id,
      origin: actor.client.origin,
      sessionId: null,
      ip: actor.client.ip,
      userAgent: actor.client.userAgent,
      data: { role },
    });
    if (!user) throw new AppError('user_not_found', { message: `No user with the email ${canonical}.` });
    this.logger.log({ msg: grant ? 'role granted' : 'role revoked', event: 'user_roles_changed', userId: user.id, roles: user.roles, actor: actor.id });
    return user;
  }
}
