// One EventSource for the whole dashboard; pages subscribe and unsubscribe as they come and go.
type Listener = (type: string, data: any) => void;

const TYPES = [
  'device.state',
  'device.online',
  'device.created',
  'device.updated',
  'device.deleted',
  'device.problem',
  'rule.run',
  'rule.error',
  'rules.reloaded',
  'hub.log',
  'notification.created',
  'notification.read',
  'notify.failed',
  'notify.suppressed',
];
const listeners = new Set<Listener>();
let source: EventSource | undefined;

export function connectLive(onStatus: (connected: boolean) => void): void {
  source?.close();
  source = new EventSource('/api/events');
  source.onopen = () => onStatus(true);
  source.onerror = () => onStatus(false);
  for (const type of TYPES) {
    source.addEventListener(type, (e) => {
      const data = JSON.parse((e as MessageEvent).data);
      for (const l of [...listeners]) l(type, data);
    });
  }
}

export function disconnectLive(): void {
  source?.close();
  source = undefined;
}

export function onLive(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
