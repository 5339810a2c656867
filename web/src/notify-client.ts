// Alerts in the browser: the unread count beside "Alerts" in the navigation, the browser's Notification API while a
// dashboard is open (through the service worker, as phones require), and the worker's registration itself.
import { api } from './api.js';
import { h, toast } from './dom.js';
import { onLive } from './live.js';

export interface LiveNotification {
  id: number;
  title: string | null;
  message: string;
  priority: string;
  tag: string | null;
  unread: number;
}

const badge = h('span', { class: 'count', hidden: true });
let started = false;

function showUnread(n: number): void {
  badge.hidden = n === 0;
  badge.textContent = String(n);
  badge.setAttribute('aria-label', `${n} unread`);
}

/** The navigation link to the notification centre, with its unread count. */
export function alertsLink(link: HTMLAnchorElement): HTMLAnchorElement {
  link.append(' ', badge);
  return link;
}

/** Whether this browser can show system notifications here (they need a secure context: HTTPS or localhost). */
export const canNotify = () => 'Notification' in window && window.isSecureContext;

/** Keeps the unread count live and shows each new notification; once per page, whatever the logins in between. */
export function startNotifications(): void {
  void api<{ unread: number }>('GET', '/api/notifications?limit=1').then(
    (r) => showUnread(r.unread),
    () => undefined,
  );
  if (started) return;
  started = true;
  onLive((type, e) => {
    if (type === 'notification.read') showUnread(e.unread);
    if (type !== 'notification.created') return;
    showUnread(e.unread);
    void showNotification(e as LiveNotification);
  });
}

async function showNotification(n: LiveNotification): Promise<void> {
  const title = n.title ?? 'Hearth';
  if (!canNotify() || Notification.permission !== 'granted') {
    toast(`${title}: ${n.message}`, n.priority === 'high' || n.priority === 'urgent' ? 'error' : 'info');
    return;
  }
  // The same tag replaces the notification on screen; one per id otherwise, so two open tabs show it once.
  const options = {
    body: n.message,
    tag: n.tag ?? `hearth-${n.id}`,
    icon: '/assets/icon-192.png',
    requireInteraction: n.priority === 'urgent',
    data: { url: '/#/notifications' },
  };
  const registration = await navigator.serviceWorker?.getRegistration();
  // Phones refuse `new Notification()`: only a service worker may show one there.
  if (registration) await registration.showNotification(title, options);
  else new Notification(title, options);
}

/** The worker that keeps the shell for offline use; browsers allow it only in a secure context. */
export function registerServiceWorker(): void {
  if (!('serviceWorker' in navigator) || !window.isSecureContext) return;
  navigator.serviceWorker
    .register('/sw.js', { scope: '/' })
    .catch((err: Error) => console.warn(`service worker not registered: ${err.message}`));
}
