// The dashboard shell: login, navigation, hash routes, and the live connection indicator.
import { currentUser, login, logout, restoreSession } from './api.js';
import { h, mount, toast } from './dom.js';
import { connectLive, disconnectLive, onLive } from './live.js';
import { activityPage } from './pages/activity.js';
import { devicePage } from './pages/device.js';
import { homePage } from './pages/home.js';
import { ruleEditorPage, rulesPage } from './pages/rules.js';
import { scenesPage } from './pages/scenes.js';
import { settingsPage } from './pages/settings.js';
import { notificationsPage } from './pages/notifications.js';
import { alertsLink, registerServiceWorker, startNotifications } from './notify-client.js';

const app = document.getElementById('app')!;
let cleanup: (() => void) | undefined;
const liveDot = h('span', {
  class: 'live off',
  role: 'img',
  title: 'live updates disconnected',
  'aria-label': 'live updates disconnected',
});
// Trouble the hub runs with (a full or read-only disk), from /healthz: shown on every page until it is over.
const healthBanner = h('div', { class: 'banner', role: 'alert', hidden: true });
let healthTimer: number | undefined;
let offHealth: (() => void) | undefined;

async function checkHealth(): Promise<void> {
  try {
    const res = await fetch('/healthz');
    const body = (await res.json()) as { status: string; problems?: Array<{ component: string; message: string; since: string }> };
    const problems = body.problems ?? [];
    healthBanner.hidden = problems.length === 0;
    mount(
      healthBanner,
      problems.map((p) => h('p', {}, h('strong', {}, `${p.component}: `), p.message, ` (since ${new Date(p.since).toLocaleTimeString()})`)),
    );
  } catch {
    // The live indicator already says when the hub cannot be reached.
  }
}

function loginPage(): void {
  cleanup?.();
  cleanup = undefined;
  const error = h('p', { class: 'error', role: 'alert' });
  const user = h('input', { id: 'username', autocomplete: 'username', required: true });
  const pass = h('input', { id: 'password', type: 'password', autocomplete: 'current-password', required: true });
  mount(
    app,
    h(
      'main',
      { class: 'login' },
      h('h1', {}, 'Hearth'),
      h(
        'form',
        {
          onsubmit: async (e: Event) => {
            e.preventDefault();
            try {
              await login(user.value, pass.value);
              start();
            } catch (err) {
              error.textContent = (err as Error).message;
            }
          },
        },
        h('label', { for: 'username' }, 'Username'),
        user,
        h('label', { for: 'password' }, 'Password'),
        pass,
        h('button', { type: 'submit' }, 'Log in'),
        error,
      ),
    ),
  );
  user.focus();
}

function shell(main: HTMLElement): void {
  const link = (href: string, label: string) =>
    h('a', { href, class: location.hash.split('/')[1] === href.split('/')[1] ? 'active' : '' }, label);
  mount(
    app,
    h(
      'header',
      { class: 'top' },
      h('h1', {}, h('a', { href: '#/' }, 'Hearth')),
      h(
        'nav',
        { 'aria-label': 'Main' },
        link('#/', 'Home'),
        link('#/scenes', 'Scenes'),
        link('#/rules', 'Rules'),
        link('#/activity', 'Activity'),
        alertsLink(link('#/notifications', 'Alerts')),
        link('#/settings', 'Settings'),
      ),
      h(
        'span',
        { class: 'who' },
        liveDot,
        ' ',
        currentUser?.name ?? '',
        ' ',
        h(
          'button',
          {
            class: 'link',
            onclick: async () => {
              disconnectLive();
              await logout();
              loginPage();
            },
          },
          'Log out',
        ),
      ),
    ),
    healthBanner,
    main,
  );
}

function route(): void {
  cleanup?.();
  const main = h('main', { id: 'main' });
  shell(main);
  const [path, query] = location.hash.replace(/^#/, '').split('?');
  const parts = (path || '/').split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'device' && parts[1]) cleanup = devicePage(main, parts[1]);
  else if (parts[0] === 'rules' && parts[1]) cleanup = ruleEditorPage(main, parts[1], query === 'new');
  else if (parts[0] === 'rules') cleanup = rulesPage(main);
  else if (parts[0] === 'scenes') cleanup = scenesPage(main);
  else if (parts[0] === 'activity') cleanup = activityPage(main);
  else if (parts[0] === 'settings') cleanup = settingsPage(main);
  else if (parts[0] === 'notifications') cleanup = notificationsPage(main);
  else cleanup = homePage(main);
}

function start(): void {
  connectLive((connected) => {
    liveDot.className = `live ${connected ? 'on' : 'off'}`;
    liveDot.title = connected ? 'live updates connected' : 'live updates disconnected; retrying';
    liveDot.setAttribute('aria-label', liveDot.title);
  });
  window.onhashchange = route;
  route();
  void checkHealth();
  window.clearInterval(healthTimer);
  healthTimer = window.setInterval(checkHealth, 15_000);
  offHealth?.();
  offHealth = onLive((type) => (type === 'hub.log' || type === 'notify.failed') && void checkHealth());
  startNotifications();
}

registerServiceWorker();
restoreSession().then(
  (ok) => (ok ? start() : loginPage()),
  () => loginPage(),
);
window.addEventListener('unhandledrejection', (e) => toast(String((e.reason as Error)?.message ?? e.reason), 'error'));
