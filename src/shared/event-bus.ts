// A typed in-process event bus: listeners are owned by a part, and a listener that throws is logged, not propagated.
import type { Logger } from './logger.js';

export interface HubEvents {
  'device.created': { deviceId: string };
  'device.state': { deviceId: string; property: string; value: unknown; ts: number };
  'device.online': { deviceId: string; online: boolean; ts: number; reason?: string };
  'device.updated': { deviceId: string };
  'device.deleted': { deviceId: string };
  /** Something odd about a device's readings (a non-number on a numeric property), reported once per property. */
  'device.problem': { deviceId: string; property: string; message: string; ts: number };
  'rule.run': { ruleId: string; outcome: string; traceId?: string; ts: number; message?: string };
  'rule.error': { ruleId: string; message: string; ts: number };
  'rules.reloaded': { file: string; ruleIds: string[]; errors: number; ts: number };
  'hub.log': { level: 'info' | 'warn' | 'error'; message: string; ts: number };
  'notification.created': {
    id: number;
    title: string | null;
    message: string;
    priority: string;
    tag: string | null;
    ruleId: string | null;
    createdAt: string;
    unread: number;
    ts: number;
  };
  'notification.read': { unread: number; ts: number };
  'notify.failed': { channel: string; message: string; gaveUp: boolean; ruleId?: string; ts: number };
  'notify.suppressed': { channel: string; count: number; ts: number };
}

export type HubEventName = keyof HubEvents;
type Listener<K extends HubEventName> = (payload: HubEvents[K]) => void;

type Entry<K extends HubEventName> = { owner: string; fn: Listener<K> };
/** Each event's listeners, typed by the event. */
type Listeners = { [K in HubEventName]?: Array<Entry<K>> };

export class EventBus {
  #listeners: Listeners = {};
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  on<K extends HubEventName>(event: K, owner: string, fn: Listener<K>): () => void {
    const entry: Entry<K> = { owner, fn };
    const list = this.#get(event) ?? [];
    list.push(entry);
    this.#set(event, list);
    return () => this.#keep(event, (e) => e !== entry);
  }

  /** Listen to every event (used by the live event stream). */
  onAny(owner: string, fn: (event: HubEventName, payload: unknown) => void): () => void {
    const offs = (Object.keys(EVENT_NAMES) as HubEventName[]).map((event) => this.on(event, owner, (p) => fn(event, p)));
    return () => {
      for (const off of offs) off();
    };
  }

  /** Whether anything listens to `event`: an emitter on the message path builds its payload only then. */
  listening(event: HubEventName): boolean {
    return (this.#get(event)?.length ?? 0) > 0;
  }

  emit<K extends HubEventName>(event: K, payload: HubEvents[K]): void {
    for (const { owner, fn } of this.#get(event) ?? []) {
      try {
        fn(payload);
      } catch (err) {
        this.#logger.error(`listener of ${event} owned by ${owner} failed: ${(err as Error).message}`);
      }
    }
  }

  removeAll(owner: string): void {
    for (const event of HUB_EVENT_NAMES) this.#keep(event, (e) => e.owner !== owner);
  }

  /** Keeps the listeners of an event that pass `test` (a new list: an emit in progress goes on with the old one). */
  #keep<K extends HubEventName>(event: K, test: (entry: Entry<K>) => boolean): void {
    const list = this.#get(event);
    if (list) this.#set(event, list.filter(test));
  }

  #get<K extends HubEventName>(event: K): Array<Entry<K>> | undefined {
    return this.#listeners[event];
  }

  #set<K extends HubEventName>(event: K, list: Array<Entry<K>>): void {
    (this.#listeners as { [P in K]?: Array<Entry<K>> })[event] = list;
  }
}

/** Every event name; a Record over HubEventName so the compiler fails when an event is added without it. */
const EVENT_NAMES: Record<HubEventName, true> = {
  'device.created': true,
  'device.state': true,
  'device.online': true,
  'device.updated': true,
  'device.deleted': true,
  'device.problem': true,
  'rule.run': true,
  'rule.error': true,
  'rules.reloaded': true,
  'hub.log': true,
  'notification.created': true,
  'notification.read': true,
  'notify.failed': true,
  'notify.suppressed': true,
};

export const HUB_EVENT_NAMES = Object.keys(EVENT_NAMES) as HubEventName[];
