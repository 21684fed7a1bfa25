/** A user as this API shows one: never with a password hash. */
export function toUserView(user: { id: string; email: string; roles: string[]; createdAt: Date; emailVerifiedAt: Date | null }) {
  return { id: user.id, email: user.email, roles: user.roles, createdAt: user.createdAt.toISOString(), emailVerified: user.emailVerifiedAt !== null };
}
