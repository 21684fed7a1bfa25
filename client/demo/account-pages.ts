import { type AuthClient, AuthClientError, type AuthState } from '../src/auth-client.js';

/**
 * The account pages of the demo: change password, forgot and reset, email
 * verification, delete. Mailed links arrive as `#reset-password=<token>` or
 * `#verify-email=<token>` (the service's ACCOUNT_LINK_BASE_URL points here).
 */

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const value = (id: string) => $<HTMLInputElement>(id).value;

function say(id: string, text: string): void {
  $(id).textContent = text;
}

function reasonOf(error: unknown): string {
  if (!(error instanceof AuthClientError)) return 'Something went wrong.';
  const messages: Partial<Record<string, string>> = {
    invalid_credentials: 'That is not your current password.',
    rate_limited: 'Too many attempts; try again in a minute.',
    invalid_request: 'Passwords are 8 to 256 characters.',
  };
  return messages[error.code] ?? error.message;
}

/** The token of a mailed link, taken out of the address bar so that it stays in no history entry. */
function takeLinkToken(): { kind: string; token: string } | undefined {
  const match = /^#(reset-password|verify-email)=([A-Za-z0-9._-]+)$/.exec(location.hash);
  if (!match) return undefined;
  history.replaceState(null, '', location.pathname + location.search);
  return { kind: match[1]!, token: match[2]! };
}

function showLinkResult(text: string): void {
  $('link-result').hidden = false;
  say('link-result', text);
}

export function renderAccount(state: AuthState): void {
  if (state.status !== 'logged-in') return;
  say('email-verified', state.user.emailVerified ? 'verified' : 'not verified yet');
  $('send-verification').hidden = state.user.emailVerified;
}

/**
 * `started`: the client's start(), after which a verification shows on a
 * signed-in page at once. A link opened in a tab that shows the demo already
 * only changes the fragment, hence the hashchange listener.
 */
export function setUpAccountPages(auth: AuthClient, started: Promise<unknown>): void {
  let resetToken = '';

  function openLink(): void {
    const link = takeLinkToken();
    if (link?.kind === 'verify-email') {
      started.then(() => auth.verifyEmail(link.token)).then(
        () => showLinkResult('Your email address is verified.'),
        () => showLinkResult('This verification link is invalid, used or expired; ask for a new one.'),
      );
    }
    if (link?.kind === 'reset-password') {
      resetToken = link.token;
      $('reset').hidden = false;
    }
  }
  openLink();
  window.addEventListener('hashchange', openLink);

  $('reset-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      await auth.resetPassword(resetToken, value('reset-password'));
      $('reset').hidden = true;
      showLinkResult('Your password is changed, and every session was signed out. Log in with the new password.');
    } catch (error) {
      showLinkResult(error instanceof AuthClientError && error.code === 'invalid_reset_token' ? 'This reset link is invalid, used or expired; ask for a new one.' : reasonOf(error));
    }
  });

  $('forgot-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      await auth.requestPasswordReset(value('forgot-email'));
      say('forgot-result', 'If this address belongs to an account, a reset link is on its way.');
    } catch (error) {
      say('forgot-result', reasonOf(error));
    }
  });

  $('password-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    say('password-result', '');
    try {
      const { sessionsEnded } = await auth.changePassword(value('current-password'), value('new-password'));
      say('password-result', `Password changed; ${sessionsEnded} other session${sessionsEnded === 1 ? '' : 's'} signed out.`);
    } catch (error) {
      say('password-result', reasonOf(error));
    }
  });

  $('send-verification').addEventListener('click', async () => {
    if (auth.state.status !== 'logged-in') return;
    const response = await auth.fetch('/auth/email/verification-mail', { method: 'POST', body: JSON.stringify({ email: auth.state.user.email }) });
    say('verification-result', response.ok ? 'A verification link is on its way.' : 'Could not send it; try again later.');
  });

  $('delete-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const response = await auth.fetch('/auth/me', { method: 'DELETE', body: JSON.stringify({ password: value('delete-password') }) });
    if (response.status === 204) await auth.logout().catch(() => undefined);
    else say('delete-result', response.status === 401 ? 'That is not your password.' : 'Could not delete the account.');
  });
}
