import { AuthClientError, type AuthState, createAuthClient } from '../src/auth-client.js';

/**
 * The admin console: served by the service itself (ADMIN_CONSOLE_PATH), so
 * the API is this page's own origin. It signs in with the SPA client
 * library and calls the /admin API; every change asks for confirmation and,
 * for revocations, a reason that goes into the audit trail. Text is only
 * ever set with textContent.
 */
const auth = createAuthClient({ baseUrl: location.origin, name: 'admin-console' });

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

interface UserRow { id: string; email: string; roles: string[]; createdAt: string }
interface SessionRow {
  id: string; state: string; rotations: number; createdAt: string; lastUsedAt: string; idleExpiresAt: string;
  absoluteExpiresAt: string; revokeReason: string | null; userAgent: string | null; ip: string | null;
}
interface AuditRow { occurredAt: string; type: string; actor: string | null; origin: string; sessionId: string | null; ip: string | null; data: unknown }
interface KeyRow { kid: string; state: string; createdAt: string; activatedAt: string | null; retiredAt: string | null; publishUntil: string | null }

let selected: UserRow | undefined;

const time = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : '–');

function say(text: string, kind: 'info' | 'error' = 'info'): void {
  $('message').textContent = text;
  $('message').dataset.kind = kind;
}

function cells(row: HTMLTableRowElement, values: Array<string | number | null>): void {
  for (const value of values) {
    const cell = row.insertCell();
    cell.textContent = value === null ? '–' : String(value);
  }
}

/** A refusal for lack of the admin role shows the refusal; other failures are said in the message line. */
async function api<T>(path: string, init?: RequestInit): Promise<T | undefined> {
  const response = await auth.fetch(path, init);
  if (response.ok) return response.status === 204 ? undefined : ((await response.json()) as T);
  const body = (await response.json().catch(() => ({}))) as { error?: string; message?: string };
  if (body.error === 'insufficient_role') showRefusal();
  else say(body.message ?? `The service answered ${response.status}.`, 'error');
  return undefined;
}

/** Resolves to the reason typed (or '' when none is asked), or undefined when cancelled. */
function confirmAction(text: string, askReason: boolean): Promise<string | undefined> {
  const dialog = $<HTMLDialogElement>('confirm');
  const reason = $<HTMLInputElement>('confirm-reason');
  $('confirm-text').textContent = text;
  $('confirm-error').textContent = '';
  $('confirm-reason-label').hidden = !askReason;
  reason.value = '';
  dialog.showModal();
  return new Promise((resolve) => {
    const finish = (value: string | undefined) => {
      $('confirm-ok').removeEventListener('click', onOk);
      dialog.removeEventListener('close', onClose);
      dialog.close();
      resolve(value);
    };
    const onOk = () => {
      if (askReason && reason.value.trim() === '') {
        $('confirm-error').textContent = 'Say why: the reason goes into the audit trail.';
        return;
      }
      finish(askReason ? reason.value.trim() : '');
    };
    const onClose = () => finish(undefined);
    $('confirm-ok').addEventListener('click', onOk);
    dialog.addEventListener('close', onClose);
  });
}
$('confirm-cancel').addEventListener('click', () => $<HTMLDialogElement>('confirm').close());

async function searchUsers(): Promise<void> {
  const prefix = $<HTMLInputElement>('search-email').value.trim();
  const page = await api<{ users: UserRow[] }>(`/admin/users?email=${encodeURIComponent(prefix)}&limit=50`);
  if (!page) return;
  $('users').replaceChildren(
    ...page.users.map((user) => {
      const item = document.createElement('li');
      const open = document.createElement('button');
      open.type = 'button';
      open.dataset.userId = user.id;
      open.textContent = user.email;
      open.addEventListener('click', () => void openUser(user));
      item.append(open, ` ${user.roles.join(', ')}`);
      return item;
    }),
  );
  if (page.users.length === 0) say(`No user's email starts with "${prefix}".`);
}

async function openUser(user: UserRow): Promise<void> {
  selected = user;
  $('user-title').textContent = user.email;
  $('user-panel').hidden = false;
  await Promise.all([loadSessions(user), loadAudit(user)]);
}

async function loadSessions(user: UserRow): Promise<void> {
  const page = await api<{ sessions: SessionRow[] }>(`/admin/sessions?userId=${user.id}&status=all&limit=100`);
  if (!page) return;
  const body = $<HTMLTableElement>('sessions').tBodies[0]!;
  body.replaceChildren();
  for (const session of page.sessions) {
    const row = body.insertRow();
    row.dataset.sessionId = session.id;
    row.dataset.state = session.state;
    if (session.state !== 'active') row.className = 'ended';
    const state = session.state === 'revoked' ? `revoked (${session.revokeReason ?? '?'})` : session.state;
    cells(row, [session.id.slice(0, 8), state, session.userAgent, session.ip, time(session.createdAt), time(session.lastUsedAt),
      time(session.idleExpiresAt), time(session.absoluteExpiresAt), session.rotations]);
    row.cells[0]!.className = 'mono';
    row.cells[0]!.title = session.id;
    const actions = row.insertCell();
    if (session.state === 'active') {
      const revoke = document.createElement('button');
      revoke.type = 'button';
      revoke.className = 'revoke danger';
      revoke.textContent = 'Revoke';
      revoke.addEventListener('click', () => void revokeSession(user, session));
      actions.append(revoke);
    }
  }
}

async function loadAudit(user: UserRow): Promise<void> {
  const page = await api<{ events: AuditRow[] }>(`/admin/audit?userId=${user.id}&limit=50`);
  if (!page) return;
  const body = $<HTMLTableElement>('audit').tBodies[0]!;
  body.replaceChildren();
  for (const event of page.events) {
    cells(body.insertRow(), [time(event.occurredAt), event.type, `${event.actor ?? '–'}${event.origin === 'cli' ? ' (cli)' : ''}`,
      event.sessionId?.slice(0, 8) ?? null, event.ip, event.data === null ? null : JSON.stringify(event.data)]);
  }
}

async function revokeSession(user: UserRow, session: SessionRow): Promise<void> {
  const reason = await confirmAction(`Revoke session ${session.id.slice(0, 8)} of ${user.email} (${session.userAgent ?? 'unknown device'})? Its holder is signed out at their next refresh.`, true);
  if (reason === undefined) return;
  const result = await api<{ revoked: boolean }>(`/admin/sessions/${session.id}/revoke`, { method: 'POST', body: JSON.stringify({ reason }) });
  if (result) say(result.revoked ? `Revoked session ${session.id.slice(0, 8)}.` : 'That session had already been revoked.');
  await openUser(user);
}

$('revoke-all').addEventListener('click', async () => {
  const user = selected;
  if (!user) return;
  const reason = await confirmAction(`Revoke every live session of ${user.email}? They are signed out everywhere.`, true);
  if (reason === undefined) return;
  const result = await api<{ revoked: number }>(`/admin/users/${user.id}/revoke-sessions`, { method: 'POST', body: JSON.stringify({ reason }) });
  if (result) say(`Revoked ${result.revoked} session(s) of ${user.email}.`);
  await openUser(user);
});

async function loadKeys(): Promise<void> {
  const page = await api<{ keys: KeyRow[] }>('/admin/keys');
  if (!page) return;
  const body = $<HTMLTableElement>('keys').tBodies[0]!;
  body.replaceChildren();
  for (const key of page.keys) {
    const row = body.insertRow();
    cells(row, [key.kid.slice(0, 16), key.state, time(key.createdAt), time(key.activatedAt), time(key.retiredAt), time(key.publishUntil)]);
    row.cells[0]!.title = key.kid;
  }
}

$('rotate').addEventListener('click', async () => {
  const ok = await confirmAction('Rotate the signing keys? The first rotation publishes a next key; the next one, once verifiers have it, makes it current.', false);
  if (ok === undefined) return;
  const result = await api<{ action: string; current: string; next: string | null }>('/admin/keys/rotate', { method: 'POST', body: '{}' });
  if (result) say(result.action === 'staged' ? `Published the next key ${result.next?.slice(0, 16)}.` : `The current key is now ${result.current.slice(0, 16)}.`);
  await loadKeys();
});

$('search-form').addEventListener('submit', (event) => {
  event.preventDefault();
  void searchUsers();
});

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

$('logout').addEventListener('click', () => void auth.logout().catch(() => say('Could not sign out; try again.', 'error')));

function showRefusal(): void {
  $('status').dataset.status = 'refused';
  $('status').textContent = 'Signed in without the admin role.';
  $('console').hidden = true;
  $('refused').hidden = false;
}

function render(state: AuthState): void {
  const status = $('status');
  $('sign-in').hidden = state.status !== 'logged-out';
  $('logout').hidden = state.status !== 'logged-in';
  $('refused').hidden = true;
  $('console').hidden = true;
  if (state.status === 'logged-out') {
    status.dataset.status = 'logged-out';
    status.textContent = state.reason === 'logout' || state.reason === 'no-session' ? 'Signed out.' : `Signed out (session ${state.reason}).`;
  } else if (state.status === 'logged-in') {
    if (!state.user.roles.includes('admin')) return showRefusal();
    status.dataset.status = 'admin';
    status.textContent = `Signed in as ${state.user.email}.`;
    $('console').hidden = false;
    void loadKeys();
  }
}

auth.subscribe(render);
render(auth.state);
void auth.start();
