/** A user as the rest of the service sees one: never with its password hash. */
export interface PublicUser {
  id: string;
  email: string;
  roles: string[];
  createdAt: Date;
  /** Null until the user opened a mailed verification (or password-reset) link. */
  emailVerifiedAt: Date | null;
}

/** What a deleted account's row holds until the purge removes it: no address, so the address can be registered again. */
export function tombstoneEmail(userId: string): string {
  return `deleted:${userId}`;
}
