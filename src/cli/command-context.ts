import { AppError } from '../common/app-error.js';
import type { Actor } from '../common/client-info.js';
import { canonicalUuid } from '../common/uuid.js';
import type { PublicUser } from '../users/user.js';
import { UsersService } from '../users/users.service.js';
import type { OperatorIo } from './operator-io.js';

/** The service's providers, by class: the CLI's own application context, or the running service's. */
export interface Services {
  get<T>(type: abstract new (...args: never[]) => T): T;
}

/** Who runs the CLI and where: the default actor and the host named in audit events. */
export interface Operator {
  defaultActor: string;
  host: string;
}

export interface CommandContext {
  io: OperatorIo;
  /** Opened on first use: `--help` and usage errors need no database. */
  services(): Promise<Services>;
  operator: Operator;
}

export interface GlobalOptions {
  json?: boolean;
  actor?: string;
}

const ACTOR_NAME = /^[A-Za-z0-9._@-]{1,64}$/;

/** The operator as audit events name them: `--actor` or the OS user; origin `cli`, no IP, the host in the user agent. */
export function operatorActor(context: CommandContext, options: GlobalOptions): Actor {
  const id = options.actor ?? context.operator.defaultActor;
  if (!ACTOR_NAME.test(id)) throw AppError.invalidField('actor', 'must be 1 to 64 letters, digits or . _ @ -');
  return { id, client: { ip: null, userAgent: `auth-service CLI on ${context.operator.host}`.slice(0, 512), origin: 'cli' } };
}

/** A user named by id or by email. */
export async function findUser(services: Services, who: string): Promise<PublicUser> {
  const users = services.get(UsersService);
  const id = canonicalUuid(who);
  const user = id === undefined ? await users.findByEmail(who) : await users.findById(id);
  if (!user) throw new AppError('user_not_found', { message: `No user ${who}.` });
  return user;
}

/** A result: JSON on stdout for scripts, or the human rendering. */
export function print(context: CommandContext, options: GlobalOptions, value: unknown, human: () => string): void {
  context.io.out(options.json ? JSON.stringify(value, null, 2) : human());
}
