import { AuthClientError, type AuthState, createAuthClient } from '../src/auth-client.js';
import { renderAccount, setUpAccountPages } from './account-pages.js';

/** The API's address: ?api=… in the page URL, else the same host on port 3000. */
const api = new URLSearchParams(location.search).get('api') ?? `${location.protocol}//${location.hostname}:3000`;
const auth = createAuthClient({ baseUrl: api });

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

interface SessionView {
  id: string;
  current: boolean;
  userAgent: string | null;
  lastUsedAt: string;
}

function render(state: AuthState): void {
  const status = $('status');
  status.dataset.status = state.status;
  $('logged-in').hidden = state.status !== 'logged-in';
  $('logged-out').hidden = state.status !== 'logged-out';
  if (state.status === 'logged-in') {
    status.textContent = 'You are signed in.';
    delete status.dataset.reason;
    $('user-email').textContent = state.user.email;
  } else if (state.status === 'logged-out') {
    status.dataset.reason = state.reason;
    status.textContent = state.reason === 'logout' || state.reason === 'no-session' ? 'You are signed out.' : `You are signed out (session ${state.reason}).`;
    $('api-result').textContent = '';
  }
}

async function loadSessions(): Promise<void> {
  const response = await auth.fetch('/auth/sessions');
  if (!response.ok) return;
  const { sessions } = (await response.json()) as { sessions: SessionView[] };
  const list = $('sessions');
  list.replaceChildren(
    ...sessions.map((session) => {
      const item = document.createElement('li');
      item.className = session.current ? 'current' : '';
      item.dataset.sessionId = session.id;
      item.textContent = `${session.current ? 'This browser' : (session.userAgent ?? 'Unknown device')} · last used ${new Date(session.lastUsedAt).toLocaleTimeString()} `;
      const end = document.createElement('button');
      end.type = 'button';
      end.textContent = 'Log out this session';
      end.addEventListener('click', async () => {
        await auth.fetch(`/auth/sessions/${session.id}`, { method: 'DELETE' });
        if (session.current) await auth.logout().catch(() => undefined);
        else await loadSessions();
      });
      item.append(end);
      return item;
    }),
  );
}

$('login-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  $('login-error').textContent = '';
  try {
    await auth.login($<HTMLInputElement>('email').value, $<HTMLInputElement>('password').value);
  } catch (error) {
    const wrong = error instanceof AuthClientError && error.code === 'invalid_credentials';
    $('login-error').textContent = wrong ? 'Wrong email or password.' : 'Could not sign in.';
  }
});

$('call-api').addEventListener('click', async () => {
  const result = $('api-result');
  const response = await auth.fetch('/auth/me');
  result.dataset.ok = String(response.ok);
  result.textContent = response.ok ? `OK at ${new Date().toLocaleTimeString()}` : `Refused (${response.status})`;
});

$('logout').addEventListener('click', () => {
  auth.logout().catch(() => {
    $('api-result').textContent = 'Could not log out; try again.';
  });
});

auth.subscribe((state) => {
  render(state);
  renderAccount(state);
  if (state.status === 'logged-in') void loadSessions();
});
render(auth.state);
setUpAccountPages(auth, auth.start());
