/**
 * One spelling per mailbox, so that "Ann@Example.com " and "ann@example.com"
 * are one account. Local parts are case-folded too: in practice no provider
 * treats them as case-sensitive, and users expect them not to be.
 */
export function normalizeEmail(email: string): string {
  return email.normalize('NFC').trim().toLowerCase();
}
