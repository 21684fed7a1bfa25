import type { Prisma } from '../database/prisma.service.js';

/** Every kind of event in the audit trail: the one list readers may filter on. */
export const AUDIT_EVENT = {
  login: 'login_succeeded',
  logout: 'session_revoked_by_user',
  logoutAll: 'all_sessions_revoked_by_user',
  reuse: 'refresh_token_reuse_detected',
  adminRevokeSession: 'session_revoked_by_admin',
  adminRevokeUser: 'all_sessions_revoked_by_admin',
  keyStaged: 'signing_key_staged',
  keyPromoted: 'signing_key_promoted',
  keyWithdrawn: 'signing_key_withdrawn',
  /** A retired key's publication ended: every token it signed has expired, and it left the JWKS. */
  keyExpired: 'signing_key_expired',
  passwordChanged: 'password_changed',
  passwordReset: 'password_reset',
  accountDeleted: 'account_deleted',
  /** An admin queued a stream's dead-lettered security events for delivery again. */
  securityEventsRequeued: 'security_events_requeued',
} as const;

export type AuditEventType = (typeof AUDIT_EVENT)[keyof typeof AUDIT_EVENT];

/** Who did it: a user's id, or `system` for what the service decides by itself (reuse detection, the key schedule). */
export const SYSTEM_ACTOR = 'system';

/** One event, with the same fields whoever writes it; `data` holds what is particular to the type. */
export interface AuditEntry {
  at: Date;
  type: AuditEventType;
  actor: string;
  userId: string | null;
  sessionId: string | null;
  ip: string | null;
  userAgent: string | null;
  data?: Prisma.InputJsonObject;
}
