import { basicAuthorization, TEST_SERVICE_CLIENT } from './config.js';
import type { TestApp } from './app.js';
import { HttpClient } from './http-client.js';
import { PASSWORD } from './users.js';

/** A second device of the same user: its own cookies, its own session. */
export async function loginAgain(t: TestApp, email: string, password = PASSWORD): Promise<{ client: HttpClient; sessionId: string }> {
  const client = new HttpClient(t.baseUrl);
  const reply = await client.post('/auth/login', { email, password });
  if (reply.status !== 200) throw new Error(`login failed: ${reply.status} ${reply.text}`);
  return { client, sessionId: reply.body.session.id as string };
}

/** The session ids that other services read from the revocation feed right now. */
export async function revokedInFeed(t: TestApp): Promise<string[]> {
  const reply = await new HttpClient(t.baseUrl).get('/.well-known/revoked-sessions', { headers: { authorization: basicAuthorization(TEST_SERVICE_CLIENT) } });
  return reply.body.revoked.map((entry: { sid: string }) => entry.sid);
}

/** The state a refused request must leave alone: the user's hash and flags, their live sessions, tokens and audit trail. */
export async function accountState(t: TestApp, userId: string) {
  const [user, liveSessions, accountTokens, auditEvents] = await Promise.all([
    t.prisma.user.findUniqueOrThrow({ where: { id: userId }, select: { email: true, passwordHash: true, emailVerifiedAt: true, deletedAt: true } }),
    t.prisma.session.count({ where: { userId, revokedAt: null } }),
    t.prisma.accountToken.findMany({ where: { userId }, orderBy: { id: 'asc' } }),
    t.prisma.auditEvent.count({ where: { userId } }),
  ]);
  return { user, liveSessions, accountTokens, auditEvents };
}
