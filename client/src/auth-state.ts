/** What the client reports to the page: who is signed in, or why nobody is. */

export interface AuthUser {
  id: string;
  email: string;
  roles: string[];
  /** Whether the user has opened the verification link mailed to that address. */
  emailVerified: boolean;
}

export type LogoutReason = 'logout' | 'revoked' | 'expired' | 'reused' | 'no-session';

export type AuthState =
  | { status: 'unknown' }
  | { status: 'logged-in'; user: AuthUser; accessTokenExpiresAt: Date }
  | { status: 'logged-out'; reason: LogoutReason };
