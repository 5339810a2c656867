// Settings: your own password (everyone); users, API tokens, device credentials, bridges and the backup download (admins).
import { api, currentUser, isAdmin } from '../api.js';
import { ID_CHARS } from '../../../src/devices/device-id.js';
import { h, mount, toast } from '../dom.js';
import { bridgesPanel } from './bridges.js';
import type { Static } from '@sinclair/typebox';
import type { TokenCreated, TokenInfo } from '../../../src/api/schemas/auth.js';
import type { CredentialCreated, CredentialSchema } from '../../../src/api/schemas/user.js';

interface User {
  name: string;
  role: 'admin' | 'viewer';
}

export function settingsPage(root: HTMLElement): () => void {
  mount(
    root,
    h('h2', {}, 'Settings'),
    accountPanel(),
    isAdmin() ? null : h('p', {}, 'Users, API tokens, device credentials and backups are managed by an admin.'),
  );
  if (isAdmin()) adminPanels(root);
  return () => undefined;
}

/** Changing your own password: any user, with the current one; the hub ends your other sessions. */
function accountPanel(): HTMLElement {
  const current = h('input', { id: 'own-current', type: 'password', autocomplete: 'current-password', required: true });
  const next = h('input', { id: 'own-new', type: 'password', autocomplete: 'new-password', required: true, minlength: 8 });
  const again = h('input', { id: 'own-again', type: 'password', autocomplete: 'new-password', required: true, minlength: 8 });
  const status = h('p', { class: 'form-status', role: 'status' });
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'account-title' },
    h('h3', { id: 'account-title' }, 'Your account'),
    h('p', {}, `Logged in as ${currentUser?.name ?? ''} (${currentUser?.role ?? ''}).`),
    h(
      'form',
      {
        onsubmit: async (e: Event) => {
          e.preventDefault();
          if (next.value !== again.value) {
            status.className = 'form-status error';
            status.textContent = 'The new passwords are not the same.';
            again.focus();
            return;
          }
          try {
            await api('PUT', '/api/session/password', { currentPassword: current.value, password: next.value });
            (e.target as HTMLFormElement).reset();
            status.className = 'form-status';
            status.textContent = 'Password changed. Your other sessions were logged out; this one stays.';
          } catch (err) {
            status.className = 'form-status error';
            status.textContent = (err as Error).message.replace(
              'body.currentPassword is not your current password',
              'The current password is wrong.',
            );
          }
        },
      },
      h('label', { for: 'own-current' }, 'Current password'),
      current,
      h('label', { for: 'own-new' }, 'New password (at least 8 characters)'),
      next,
      h('label', { for: 'own-again' }, 'New password again'),
      again,
      h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Change password')),
      status,
    ),
  );
}

function adminPanels(root: HTMLElement): void {
  const users = h('div');
  const tokens = h('div');
  const creds = h('div');
  const secret = h('div', { class: 'secret', 'aria-live': 'polite' });
  const run = async (fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (err) {
      toast((err as Error).message, 'error');
    }
    await load();
  };
  const load = async () => {
    const [u, t, c] = await Promise.all([
      api<User[]>('GET', '/api/users'),
      api<Static<typeof TokenInfo>[]>('GET', '/api/tokens'),
      api<Static<typeof CredentialSchema>[]>('GET', '/api/device-credentials'),
    ]);
    const admins = u.filter((x) => x.role === 'admin').length;
    // No Delete for yourself or the last admin: the hub refuses both (409), so the button would only fail.
    const why = (x: User) => (x.name === currentUser?.name ? 'you' : x.role === 'admin' && admins === 1 ? 'the last admin' : undefined);
    mount(
      users,
      h(
        'ul',
        {},
        u.map((x) =>
          h(
            'li',
            { dataset: { user: x.name } },
            `${x.name} (${x.role}) `,
            why(x)
              ? h('span', { class: 'muted' }, `— ${why(x)}`)
              : h(
                  'button',
                  {
                    type: 'button',
                    'aria-label': `Delete user ${x.name}`,
                    onclick: () => run(() => api('DELETE', `/api/users/${encodeURIComponent(x.name)}`)),
                  },
                  'Delete',
                ),
          ),
        ),
      ),
    );
    mount(
      tokens,
      h(
        'ul',
        {},
        t.map((x) =>
          h(
            'li',
            {},
            `${x.name} — ${x.user}, last used ${x.lastUsedAt ?? 'never'} `,
            h(
              'button',
              { type: 'button', 'aria-label': `Revoke token ${x.name}`, onclick: () => run(() => api('DELETE', `/api/tokens/${x.id}`)) },
              'Revoke',
            ),
          ),
        ),
      ),
    );
    mount(
      creds,
      h(
        'ul',
        {},
        c.map((x) =>
          h(
            'li',
            {},
            `${x.username} → ${x.deviceId} `,
            h(
              'button',
              {
                type: 'button',
                'aria-label': `Revoke credentials ${x.username}`,
                onclick: () => run(() => api('DELETE', `/api/device-credentials/${encodeURIComponent(x.username)}`)),
              },
              'Revoke',
            ),
          ),
        ),
      ),
    );
  };
  const field = (id: string, label: string, attrs: Record<string, unknown> = {}) => [
    h('label', { for: id }, label),
    h('input', { id, required: true, ...attrs }),
  ];
  const value = (id: string) => (document.getElementById(id) as HTMLInputElement).value;
  root.append(
    secret,
    h(
      'section',
      { class: 'panel' },
      h('h3', {}, 'Users'),
      users,
      h(
        'form',
        {
          onsubmit: (e: Event) => {
            e.preventDefault();
            void run(() => api('POST', '/api/users', { name: value('u-name'), password: value('u-pass'), role: value('u-role') }));
          },
        },
        field('u-name', 'Name'),
        field('u-pass', 'Password', { type: 'password', minlength: 8, autocomplete: 'new-password' }),
        h('label', { for: 'u-role' }, 'Role'),
        h('select', { id: 'u-role' }, h('option', { value: 'viewer' }, 'viewer'), h('option', { value: 'admin' }, 'admin')),
        h('button', { type: 'submit' }, 'Add user'),
      ),
    ),
    h(
      'section',
      { class: 'panel' },
      h('h3', {}, 'API tokens'),
      tokens,
      h(
        'form',
        {
          onsubmit: (e: Event) => {
            e.preventDefault();
            void run(async () => {
              const t = await api<Static<typeof TokenCreated>>('POST', '/api/tokens', { name: value('t-name') });
              mount(secret, h('p', {}, 'New token (shown once): ', h('code', {}, t.token)));
            });
          },
        },
        field('t-name', 'Token name'),
        h('button', { type: 'submit' }, 'Create token'),
      ),
    ),
    h(
      'section',
      { class: 'panel' },
      h('h3', {}, 'Device credentials'),
      creds,
      h(
        'form',
        {
          onsubmit: (e: Event) => {
            e.preventDefault();
            void run(async () => {
              const c = await api<Static<typeof CredentialCreated>>('POST', '/api/device-credentials', { deviceId: value('c-device') });
              mount(
                secret,
                h('p', {}, `MQTT credentials for ${c.deviceId} (shown once): `, h('code', {}, `${c.username} / ${c.password}`)),
              );
            });
          },
        },
        field('c-device', 'Device id', { pattern: ID_CHARS }),
        h('button', { type: 'submit' }, 'Issue credentials'),
      ),
    ),
    bridgesPanel(),
    h(
      'section',
      { class: 'panel' },
      h('h3', {}, 'Backup'),
      h('a', { href: '/api/backup', download: '', class: 'button' }, 'Download a backup (database, broker state, rules)'),
    ),
  );
  void load().catch((err) => toast(err.message, 'error'));
}
