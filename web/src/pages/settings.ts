// Settings: users, API tokens, device credentials, bridges and the backup download (admins).
import { api, isAdmin } from '../api.js';
import { h, mount, toast } from '../dom.js';
import { bridgesPanel } from './bridges.js';

export function settingsPage(root: HTMLElement): () => void {
  if (!isAdmin()) {
    mount(root, h('h2', {}, 'Settings'), h('p', {}, 'Only admins can change settings.'));
    return () => undefined;
  }
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
    const [u, t, c] = await Promise.all([api<any[]>('GET', '/api/users'), api<any[]>('GET', '/api/tokens'), api<any[]>('GET', '/api/device-credentials')]);
    mount(users, h('ul', {}, u.map((x) => h('li', {}, `${x.name} (${x.role}) `, h('button', { onclick: () => run(() => api('DELETE', `/api/users/${encodeURIComponent(x.name)}`)) }, 'Delete')))));
    mount(tokens, h('ul', {}, t.map((x) => h('li', {}, `${x.name} — ${x.user}, last used ${x.lastUsedAt ?? 'never'} `, h('button', { onclick: () => run(() => api('DELETE', `/api/tokens/${x.id}`)) }, 'Revoke')))));
    mount(creds, h('ul', {}, c.map((x) => h('li', {}, `${x.username} → ${x.deviceId} `, h('button', { onclick: () => run(() => api('DELETE', `/api/device-credentials/${encodeURIComponent(x.username)}`)) }, 'Revoke')))));
  };
  const field = (id: string, label: string, attrs: Record<string, unknown> = {}) => [h('label', { for: id }, label), h('input', { id, required: true, ...attrs })];
  const value = (id: string) => (document.getElementById(id) as HTMLInputElement).value;
  mount(
    root,
    h('h2', {}, 'Settings'),
    secret,
    h('section', { class: 'panel' }, h('h3', {}, 'Users'), users,
      h('form', { onsubmit: (e: Event) => { e.preventDefault(); void run(() => api('POST', '/api/users', { name: value('u-name'), password: value('u-pass'), role: value('u-role') })); } },
        field('u-name', 'Name'), field('u-pass', 'Password', { type: 'password', minlength: 8 }), h('label', { for: 'u-role' }, 'Role'), h('select', { id: 'u-role' }, h('option', { value: 'viewer' }, 'viewer'), h('option', { value: 'admin' }, 'admin')), h('button', { type: 'submit' }, 'Add user'))),
    h('section', { class: 'panel' }, h('h3', {}, 'API tokens'), tokens,
      h('form', { onsubmit: (e: Event) => { e.preventDefault(); void run(async () => { const t = await api<any>('POST', '/api/tokens', { name: value('t-name') }); mount(secret, h('p', {}, 'New token (shown once): ', h('code', {}, t.token))); }); } },
        field('t-name', 'Token name'), h('button', { type: 'submit' }, 'Create token'))),
    h('section', { class: 'panel' }, h('h3', {}, 'Device credentials'), creds,
      h('form', { onsubmit: (e: Event) => { e.preventDefault(); void run(async () => { const c = await api<any>('POST', '/api/device-credentials', { deviceId: value('c-device') }); mount(secret, h('p', {}, `MQTT credentials for ${c.deviceId} (shown once): `, h('code', {}, `${c.username} / ${c.password}`))); }); } },
        field('c-device', 'Device id', { pattern: '[a-z0-9_-]{1,64}' }), h('button', { type: 'submit' }, 'Issue credentials'))),
    bridgesPanel(),
    h('section', { class: 'panel' }, h('h3', {}, 'Backup'), h('a', { href: '/api/backup', download: '', class: 'button' }, 'Download a backup (database, broker state, rules)')),
  );
  void load().catch((err) => toast(err.message, 'error'));
  return () => undefined;
}
