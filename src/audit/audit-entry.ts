import type { Prisma } from '../database/prisma.service.js';

/** Every kind of event in the audit trail: the one list readers may filter on. */
export const AUDIT_EVENT = {
  register: 'user_registered',
  login: 'login_succeeded',
  loginFailed: 'login_failed',
  refresh: 'session_refreshed',
  graceReplay: 'refresh_replayed',
  logout: 'session_revoked_by_user',
  logoutAll: 'all_sessions_revoked_by_user',
  reuse: 'refresh_token_reuse_detected',
  adminRevokeSession: 'session_revoked_by_admin',
  adminRevokeUser: 'all_sessions_revoked_by_admin',
  roleGranted: 'user_role_granted',
  roleRevoked: 'user_role_revoked',
  keyStaged: 'signing_key_staged',
  keyPromoted: 'signing_key_promoted',
  keyWithdrawn: 'signing_key_withdrawn',
  /** A retired key's publication ended: every token it signed has expired, and it left the JWKS. */
  keyExpired: 'signing_key_expired',
  passwordChanged: 'password_changed',
  passwordResetRequested: 'password_reset_requested',
  passwordReset: 'password_reset',
  emailVerified: 'email_verified',
  accountDeleted: 'account_deleted',
  /** An admin queued a stream's dead-lettered security events for delivery again. */
  securityEventsRequeued: 'security_events_requeued',
} as const;

export type AuditEventType = (typeof AUDIT_EVENT)[keyof typeof AUDIT_EVENT];

export const AUDIT_EVENT_TYPES: readonly AuditEventType[] = Object.values(AUDIT_EVENT);

/** Who did it: a user's id, an operator's name (origin `cli`), `system` for what the service decides by itself (reuse detection, the key schedule), `anonymous` for a failed login. */
export const SYSTEM_ACTOR = 'system';
export const ANONYMOUS_ACTOR = 'anonymous';

/** Where a change came from: the API, the operator's command line, or the service's own schedule. */
export type AuditOrigin = 'http' | 'cli' | 'schedule';

/** One event, with the same fields whoever writes it; `data` holds what is particular to the type. */
export interface AuditEntry {
  at: Date;
  type: AuditEventType;
  actor: string;
  origin: AuditOrigin;
  userId: string | null;
  sessionId: string | null;
  ip: string | null;
  userAgent: string | null;
  data?: Prisma.InputJsonObject;
}
