/** A user as this API shows one: never with a password hash. */
export function toUserView(user: { id: string; email: string; roles: string[]; createdAt: Date }) {
  return { id: user.id, email: user.email, roles: user.roles, createdAt: user.createdAt.toISOString() };
}
