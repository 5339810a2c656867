// One EventSource for the whole dashboard; pages subscribe and unsubscribe as they come and go.
import type { HubEventName, HubEvents } from '../../src/shared/event-bus.js';

/** An event as the stream sends it: its name and its payload, the hub's own event types (a type-only import). */
export type LiveEvent = { [K in HubEventName]: [type: K, data: HubEvents[K]] }[HubEventName];
type Listener = (...event: LiveEvent) => unknown;

const TYPES: HubEventName[] = [
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
// Held untyped: the stream sends each event's payload as the hub emitted it, which is what the listener's type says.
const listeners = new Set<(type: HubEventName, data: unknown) => unknown>();
let source: EventSource | undefined;

export function connectLive(onStatus: (connected: boolean) => void): void {
  source?.close();
  source = new EventSource('/api/events');
  source.onopen = () => onStatus(true);
  source.onerror = () => onStatus(false);
  for (const type of TYPES) {
    source.addEventListener(type, (e) => {
      const data: unknown = JSON.parse((e as MessageEvent).data);
      for (const l of [...listeners]) l(type, data);
    });
  }
}

export function disconnectLive(): void {
  source?.close();
  source = undefined;
}

/** Hears every live event; a listener that takes only the name needs no payload type. */
export function onLive(listener: Listener): () => void;
export function onLive(listener: (type: HubEventName) => unknown): () => void;
export function onLive(listener: Listener | ((type: HubEventName) => unknown)): () => void {
  const held = listener as (type: HubEventName, data: unknown) => unknown;
  listeners.add(held);
  return () => listeners.delete(held);
}
