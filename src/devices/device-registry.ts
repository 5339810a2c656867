// The device registry: devices and their latest state in memory, fed by `home/#`, persisted through the write queue.
import type { MessageBus, BusMessage } from '../bus/message-bus.js';
import type { Clock } from '../shared/clock.js';
import type { EventBus } from '../shared/event-bus.js';
import { HearthError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { Metrics } from '../shared/metrics.js';
import type { DeviceRecord, DeviceRepo } from '../store/device-repo.js';
import type { WriteQueue } from '../store/write-queue.js';
import { FirstSeen } from './first-seen.js';
import { OddValues } from './odd-values.js';
import { classifyDeviceTopic, parsePayload } from './topic.js';

/** How a property's values read: `number` for a property whose readings have been numbers, even if the latest is not. */
export type PropertyType = 'number' | 'boolean' | 'string' | 'json';

// Topic patterns already logged as not taken; a client inventing new topics cannot grow it without bound.
const MAX_LOGGED_PATTERNS = 1000;

export interface DeviceView {
  id: string;
  name: string | null;
  room: string | null;
  description: string | null;
  status: 'online' | 'offline' | 'unknown';
  online: boolean;
  lastSeen: string | null;
  createdAt: string;
  properties: Record<string, { value: unknown; updatedAt: string; type: PropertyType }>;
  /** The first odd value of each numeric property since the hub started ("hot" where numbers were expected). */
  problems: Array<{ property: string; message: string; at: string }>;
}

export interface DeviceRegistryDeps {
  bus: MessageBus;
  repo: DeviceRepo;
  writes: WriteQueue;
  /** Where history rows go, when they are committed apart from the states (default: `writes`). */
  historyWrites?: WriteQueue;
  clock: Clock;
  events: EventBus;
  logger: Logger;
  metrics: Metrics;
}

export class DeviceRegistry {
  readonly #deps: DeviceRegistryDeps;
  readonly #devices = new Map<string, DeviceRecord>();
  readonly #dirtyDevices = new Set<string>();
  readonly #dirtyProps = new Map<string, { deviceId: string; property: string; value: unknown; ts: number }>();
  #stateFlushQueued = false;
  /** Demo devices removed as the demo ends: what their clients still send while they leave is not a new device. */
  readonly #retired = new Set<string>();
  #unsubscribe: (() => Promise<void>) | undefined;
  readonly #odd: OddValues;
  readonly #loggedPatterns = new FirstSeen(MAX_LOGGED_PATTERNS);
  readonly #ignored: (labels: { reason: string }) => void;
  messagesIngested = 0;

  constructor(deps: DeviceRegistryDeps) {
    this.#deps = deps;
    this.#odd = new OddValues({ logger: deps.logger, events: deps.events });
    this.#ignored = deps.metrics.counter('hearth_device_topics_ignored_total', 'Messages under home/ that are not a device reading (home/<device>/<property>), by reason');
  }

  async start(): Promise<void> {
    for (const d of this.#deps.repo.loadAll()) this.#devices.set(d.id, d);
    this.#odd.seed(this.#deps.repo.numericProperties());
    // Retained messages come first: state published while the hub was down seeds the registry. `home/#` rather than
    // `home/+/+`, so that topics one level off are seen and reported instead of vanishing without a word.
    this.#unsubscribe = await this.#deps.bus.subscribe('home/#', (m) => this.ingest(m), { retained: true });
  }

  async stop(): Promise<void> {
    await this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#deps.events.removeAll('registry');
  }

  /** Applies one message from `home/<device>/<property>`; other topics under `home/` are counted and reported once. */
  ingest(message: BusMessage): void {
    // An empty payload clears a retained message; it carries no reading.
    if (message.payload.length === 0) return;
    const parsed = classifyDeviceTopic(message.topic);
    if (parsed.kind === 'command') return;
    if (parsed.kind === 'ignored') return this.#ignore(message.topic, parsed);
    if (this.#retired.has(parsed.deviceId)) return;
    this.messagesIngested++;
    const now = this.#deps.clock.now();
    const device = this.#ensureDevice(parsed.deviceId, now);
    if (parsed.property === 'status') {
      const text = message.payload.toString('utf8').trim();
      this.#setOnline(device, text === 'online', now, message.retain ? 'retained status' : `published ${text}`);
      return;
    }
    const value = parsePayload(message.payload);
    const previous = device.properties.get(parsed.property);
    // A retained message replayed at start-up must not overwrite a newer reading already in the store.
    if (message.retain && previous && isSame(previous.value, value)) return;
    device.properties.set(parsed.property, { value, ts: now });
    if (!message.retain) device.lastSeen = now;
    const key = `${device.id}\0${parsed.property}`;
    this.#odd.check(key, device.id, parsed.property, value, now);
    this.#dirtyDevices.add(device.id);
    this.#dirtyProps.set(key, { deviceId: device.id, property: parsed.property, value, ts: now });
    const repo = this.#deps.repo;
    const deviceId = device.id;
    (this.#deps.historyWrites ?? this.#deps.writes).enqueue(() => repo.appendHistory(deviceId, parsed.property, value, now));
    this.#queueStateFlush();
    this.#deps.events.emit('device.state', { deviceId: device.id, property: parsed.property, value, ts: now });
  }

  /** Marks a device offline on behalf of a client that went away without saying so, and fixes its retained status. */
  async markOffline(deviceId: string, reason: string): Promise<void> {
    const device = this.#devices.get(deviceId);
    if (!device || device.online === false) return;
    this.#setOnline(device, false, this.#deps.clock.now(), reason);
    await this.#deps.bus.publish(`home/${deviceId}/status`, 'offline', { qos: 1, retain: true }).catch((err: Error) => {
      this.#deps.logger.warn(`could not publish offline status of ${deviceId}: ${err.message}`);
    });
  }

  list(): DeviceView[] {
    return [...this.#devices.values()].sort((a, b) => a.id.localeCompare(b.id)).map((d) => this.#view(d));
  }

  get(id: string): DeviceView {
    const device = this.#devices.get(id);
    if (!device) throw new HearthError('HEARTH_DEVICE_NOT_FOUND', { id });
    return this.#view(device);
  }

  has(id: string): boolean {
    return this.#devices.has(id);
  }

  /** How many topic patterns are remembered as already reported (bounded). */
  get loggedPatternCount(): number {
    return this.#loggedPatterns.size;
  }

  /** Devices recorded online (used to reconcile after a restart). */
  onlineDeviceIds(): string[] {
    return [...this.#devices.values()].filter((d) => d.online === true).map((d) => d.id);
  }

  /** Every `home/<device>/<property>` topic with its latest value, to seed the rule engine. */
  *states(): Iterable<[string, unknown]> {
    for (const d of this.#devices.values()) {
      if (d.online !== null) yield [`home/${d.id}/status`, d.online ? 'online' : 'offline'];
      for (const [property, p] of d.properties) yield [`home/${d.id}/${property}`, p.value];
    }
  }

  updateMeta(id: string, meta: { name?: string | null; room?: string | null; description?: string | null }): DeviceView {
    const device = this.#devices.get(id);
    if (!device) throw new HearthError('HEARTH_DEVICE_NOT_FOUND', { id });
    if (meta.name !== undefined) device.name = meta.name;
    if (meta.room !== undefined) device.room = meta.room;
    if (meta.description !== undefined) device.description = meta.description;
    const repo = this.#deps.repo;
    const snapshot = { ...device };
    this.#deps.writes.enqueue(() => repo.saveMeta(snapshot));
    this.#deps.events.emit('device.updated', { deviceId: id });
    return this.#view(device);
  }

  /** Marks a device as simulated by demo mode (it is removed when the demo ends, or at a start without --demo). */
  markDemo(id: string): void {
    const device = this.#devices.get(id);
    if (!device || device.demo) return;
    device.demo = true;
    this.#dirtyDevices.add(id);
    this.#queueStateFlush();
  }

  /**
   * Removes every demo device (history and retained topics too); with `retire`, as the demo ends, messages its
   * leaving clients still send are ignored, so no device comes back and no rule sees it go offline.
   */
  async removeDemoDevices(options: { retire?: boolean } = {}): Promise<string[]> {
    const ids = [...this.#devices.values()].filter((d) => d.demo).map((d) => d.id);
    for (const id of ids) {
      if (options.retire) this.#retired.add(id);
      await this.delete(id);
    }
    if (ids.length > 0) this.#deps.logger.info(`removed ${ids.length} demo device(s): ${ids.join(', ')}`);
    return ids;
  }

  /** Forgets a device and clears its retained topics so it does not come back from the broker's store. */
  async delete(id: string): Promise<void> {
    const device = this.#devices.get(id);
    if (!device) throw new HearthError('HEARTH_DEVICE_NOT_FOUND', { id });
    const topics = [...device.properties.keys()].map((p) => `home/${id}/${p}`).concat(`home/${id}/status`);
    this.#devices.delete(id);
    for (const key of [...this.#dirtyProps.keys()]) if (key.startsWith(`${id}\0`)) this.#dirtyProps.delete(key);
    this.#dirtyDevices.delete(id);
    this.#odd.forget(id);
    const repo = this.#deps.repo;
    // History rows still waiting apart must be committed first, or they would bring the deleted series back.
    if (this.#deps.historyWrites && this.#deps.historyWrites !== this.#deps.writes) this.#deps.historyWrites.flush();
    this.#deps.writes.enqueue(() => repo.deleteDevice(id));
    // [MQTT-3.3.1-10] a retained PUBLISH with an empty payload removes the retained message.
    await Promise.all(topics.map((t) => this.#deps.bus.publish(t, Buffer.alloc(0), { qos: 1, retain: true })));
    this.#deps.events.emit('device.deleted', { deviceId: id });
  }

  #ignore(topic: string, verdict: { reason: string; why: string; pattern: string }): void {
    this.#ignored({ reason: verdict.reason });
    if (!this.#loggedPatterns.first(verdict.pattern)) return;
    const shown = topic.length > 120 ? `${topic.slice(0, 120)}…` : topic;
    this.#deps.logger.warn(`${shown} is not taken as a device reading: ${verdict.why} (logged once for ${verdict.pattern.length > 120 ? 'this pattern' : verdict.pattern})`);
  }

  #view(d: DeviceRecord): DeviceView {
    const properties: DeviceView['properties'] = {};
    for (const [name, p] of d.properties) {
      const type = this.#odd.isNumeric(`${d.id}\0${name}`) ? 'number' : typeOf(p.value);
      properties[name] = { value: p.value, updatedAt: new Date(p.ts).toISOString(), type };
    }
    return {
      id: d.id,
      name: d.name,
      room: d.room,
      description: d.description,
      status: d.online === null ? 'unknown' : d.online ? 'online' : 'offline',
      online: d.online === true,
      lastSeen: d.lastSeen ? new Date(d.lastSeen).toISOString() : null,
      createdAt: new Date(d.createdAt).toISOString(),
      properties,
      problems: this.#odd.problems(d.id).map((p) => ({ property: p.property, message: p.message, at: new Date(p.ts).toISOString() })),
    };
  }

  #ensureDevice(id: string, now: number): DeviceRecord {
    let device = this.#devices.get(id);
    if (!device) {
      device = { id, name: null, room: null, description: null, online: null, lastSeen: now, onlineChangedAt: null, createdAt: now, demo: false, properties: new Map() };
      this.#devices.set(id, device);
      this.#dirtyDevices.add(id);
      this.#queueStateFlush();
      this.#deps.logger.info(`new device ${id}`);
      this.#deps.events.emit('device.created', { deviceId: id });
    }
    return device;
  }

  #setOnline(device: DeviceRecord, online: boolean, now: number, reason: string): void {
    if (online) device.lastSeen = now;
    if (device.online === online) {
      this.#dirtyDevices.add(device.id);
      this.#queueStateFlush();
      return;
    }
    device.online = online;
    device.onlineChangedAt = now;
    this.#dirtyDevices.add(device.id);
    this.#queueStateFlush();
    this.#deps.logger.info(`device ${device.id} is ${online ? 'online' : 'offline'} (${reason})`);
    this.#deps.events.emit('device.online', { deviceId: device.id, online, ts: now, reason });
  }

  // Device rows and latest properties are coalesced: one upsert per device and property per batch.
  #queueStateFlush(): void {
    if (this.#stateFlushQueued) return;
    this.#stateFlushQueued = true;
    this.#deps.writes.enqueue(() => {
      for (const id of this.#dirtyDevices) {
        const d = this.#devices.get(id);
        if (d) this.#deps.repo.saveDevice(d);
      }
      for (const p of this.#dirtyProps.values()) this.#deps.repo.saveProperty(p.deviceId, p.property, p.value, p.ts);
      // Only once committed: a batch the disk refused runs again on the retry, with everything still dirty.
      return () => {
        this.#stateFlushQueued = false;
        this.#dirtyDevices.clear();
        this.#dirtyProps.clear();
      };
    });
  }
}

function isSame(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

function typeOf(value: unknown): PropertyType {
  if (typeof value === 'number') return 'number';
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'string') return 'string';
  return 'json';
}
