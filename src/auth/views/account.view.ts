/** The answer to "mail me a link": the same whether the address has an account or not. */
export function toMailRequestedView() {
  return { message: 'If this address belongs to an account, a mail with a link is on its way.' };
}

/** A password change: how many other sessions (devices) were signed out; this one stays. */
export function toPasswordChangedView(sessionsEnded: number) {
  return { sessionsEnded };
}
