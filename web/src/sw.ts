// The service worker: keeps the app shell (styles, icons, the offline page) in a cache, answers a page load the
// hub does not answer with "the hub cannot be reached" instead of the browser's error page, and opens the
// notification centre when a notification is tapped. API calls always go to the hub, never to a cache.
// Built on its own by web/build-pwa.mjs, which fills in SHELL (the files to keep) and VERSION (the build).
declare const SHELL: string[];
declare const VERSION: string;

// The worker's own globals, typed by hand: the dashboard's TypeScript setup knows the DOM, not the WebWorker lib.
interface ExtendableEvent extends Event {
  waitUntil(p: Promise<unknown>): void;
}
interface FetchEvent extends ExtendableEvent {
  request: Request;
  respondWith(r: Promise<Response> | Response): void;
}
interface NotificationEvent extends ExtendableEvent {
  notification: Notification & { data?: { url?: string } };
}
interface WindowClient {
  url: string;
  focus(): Promise<unknown>;
  navigate(url: string): Promise<unknown>;
}
interface WorkerScope {
  addEventListener(type: 'install' | 'activate', fn: (e: ExtendableEvent) => void): void;
  addEventListener(type: 'fetch', fn: (e: FetchEvent) => void): void;
  addEventListener(type: 'notificationclick', fn: (e: NotificationEvent) => void): void;
  skipWaiting(): Promise<void>;
  clients: { claim(): Promise<void>; matchAll(o: object): Promise<WindowClient[]>; openWindow(url: string): Promise<unknown> };
  location: Location;
}

const worker = self as unknown as WorkerScope;
const PREFIX = 'hearth-shell-';
const CACHE = PREFIX + VERSION;
const OFFLINE = '/assets/offline.html';

worker.addEventListener('install', (e) => {
  e.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(SHELL))
      .then(() => worker.skipWaiting()),
  );
});

worker.addEventListener('activate', (e) => {
  const old = caches
    .keys()
    .then((keys) => Promise.all(keys.filter((k) => k.startsWith(PREFIX) && k !== CACHE).map((k) => caches.delete(k))));
  e.waitUntil(old.then(() => worker.clients.claim()));
});

worker.addEventListener('fetch', (e) => {
  const request = e.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== worker.location.origin) return;
  if (request.mode === 'navigate') {
    // The network first: the dashboard must never show stale state. Only when the hub does not answer at all.
    e.respondWith(fetch(request).catch(async () => (await caches.match(OFFLINE)) ?? Response.error()));
    return;
  }
  // The shell's files never change under one name (the app's are hashed; the others change with VERSION).
  if (url.pathname.startsWith('/assets/')) e.respondWith(caches.match(request).then((hit) => hit ?? fetch(request)));
});

worker.addEventListener('notificationclick', (e) => {
  e.notification.close();
  const target = e.notification.data?.url ?? '/#/notifications';
  e.waitUntil(
    worker.clients.matchAll({ type: 'window', includeUncontrolled: true }).then((open) => {
      const client = open[0];
      return client ? client.navigate(target).then(() => client.focus()) : worker.clients.openWindow(target);
    }),
  );
});
