// Alerts: the notification centre (newest first, unread marked, mark read), browser notifications on this device,
// and the channels' state, a failing one shown with its latest error; admins can send a test to each.
import { api, isAdmin } from '../api.js';
import { ago, h, mount, toast } from '../dom.js';
import { onLive } from '../live.js';
import { canNotify } from '../notify-client.js';
import './notifications.css';

interface Item {
  id: number;
  createdAt: string;
  title: string | null;
  message: string;
  priority: string;
  tag: string | null;
  ruleId: string | null;
  readAt: string | null;
}
interface ChannelInfo {
  name: string;
  type: string;
  enabled: boolean;
  state: string;
  pending: number;
  sent: number;
  suppressed: number;
  lastError: string | null;
  lastErrorAt: string | null;
  lastDeliveredAt: string | null;
}

export function notificationsPage(root: HTMLElement): () => void {
  const list = h('ol', { class: 'alerts', 'aria-live': 'polite' });
  const heading = h('h2', {}, 'Alerts');
  const channels = h('div', { id: 'channels' });
  const permission = h('p', { id: 'notify-permission', class: 'muted' });
  const run = async (fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (err) {
      toast((err as Error).message, 'error');
    }
  };
  // Reloaded here too, not only on the live event: the list must not wait for a reconnecting stream.
  const markRead = (body: object) =>
    run(async () => {
      await api('POST', '/api/notifications/read', body);
      await load();
    });

  const load = async () => {
    const { unread, items } = await api<{ unread: number; items: Item[] }>('GET', '/api/notifications?limit=100');
    heading.textContent = unread ? `Alerts (${unread} unread)` : 'Alerts';
    mount(
      list,
      items.length === 0 ? h('li', { class: 'empty' }, 'No alerts yet. Rules send them with action: notify.') : null,
      items.map((n) =>
        h(
          'li',
          { class: `alert ${n.priority}${n.readAt ? '' : ' unread'}`, dataset: { id: String(n.id) } },
          h(
            'div',
            { class: 'what' },
            h('strong', {}, n.title ?? 'Hearth'),
            ' ',
            h('span', { class: `badge ${n.priority}` }, n.priority),
            h('p', {}, n.message),
          ),
          h(
            'p',
            { class: 'muted' },
            h('time', { datetime: n.createdAt, title: new Date(n.createdAt).toLocaleString() }, ago(n.createdAt)),
            n.ruleId ? [' · rule ', h('a', { href: `#/rules/${encodeURIComponent(n.ruleId)}` }, n.ruleId)] : null,
          ),
          n.readAt ? null : h('button', { class: 'mark-read', onclick: () => markRead({ ids: [n.id] }) }, 'Mark read'),
        ),
      ),
    );
  };

  const loadChannels = async () => {
    const all = await api<ChannelInfo[]>('GET', '/api/notifications/channels');
    mount(
      channels,
      h(
        'ul',
        { class: 'channels' },
        all.map((c) =>
          h(
            'li',
            { class: `channel ${c.state}`, dataset: { channel: c.name } },
            h('strong', {}, c.name),
            ` (${c.type}) `,
            h('span', { class: `badge ${c.enabled ? c.state : 'disabled'}` }, c.enabled ? c.state : 'disabled'),
            h(
              'span',
              { class: 'muted' },
              ` ${c.sent} sent${c.pending ? `, ${c.pending} waiting to be retried` : ''}${c.suppressed ? `, ${c.suppressed} held back by the rate limit` : ''}${c.lastDeliveredAt ? `, last ${ago(c.lastDeliveredAt)}` : ''}`,
            ),
            c.state === 'failing' && c.lastError ? h('p', { class: 'error' }, `Failing: ${c.lastError}`) : null,
            isAdmin()
              ? h(
                  'button',
                  {
                    class: 'test',
                    onclick: () =>
                      run(async () => {
                        const { results } = await api<{ results: Array<{ channel: string; status: string; detail: string }> }>(
                          'POST',
                          '/api/notifications/test',
                          { channel: c.name },
                        );
                        for (const r of results)
                          toast(`${r.channel}: ${r.status} — ${r.detail}`, r.status === 'delivered' ? 'info' : 'error');
                        await loadChannels();
                      }),
                  },
                  'Send a test',
                )
              : null,
          ),
        ),
      ),
    );
  };

  const showPermission = () => {
    if (!canNotify()) {
      mount(
        permission,
        'This browser shows alerts on screen only while the dashboard is open here; system notifications need the hub over HTTPS (or localhost).',
      );
      return;
    }
    const state = Notification.permission;
    if (state === 'granted') mount(permission, 'Alerts also show as notifications on this device while a dashboard is open.');
    else if (state === 'denied') mount(permission, 'Notifications are blocked for this site in the browser settings.');
    else
      mount(
        permission,
        h(
          'button',
          {
            id: 'enable-notifications',
            onclick: () =>
              run(async () => {
                await Notification.requestPermission();
                showPermission();
              }),
          },
          'Show alerts as notifications on this device',
        ),
      );
  };

  mount(
    root,
    heading,
    permission,
    h('div', { class: 'actions' }, h('button', { id: 'mark-all-read', onclick: () => markRead({ all: true }) }, 'Mark all read')),
    list,
    h('section', { class: 'panel' }, h('h3', {}, 'Channels'), channels),
  );
  showPermission();
  void load().catch((err) => toast(err.message, 'error'));
  void loadChannels().catch((err) => toast(err.message, 'error'));
  return onLive((type) => {
    if (type === 'notification.created' || type === 'notification.read') void load();
    if (type === 'notify.failed' || type === 'notify.suppressed' || type === 'notification.created') void loadChannels();
  });
}
