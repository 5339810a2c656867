// The device registry, the one decoder's memory: devices from every adapter with their capabilities and latest
// state, persisted through the write queue, and the readings that rules, the API, the dashboard and history consume.
// Long file: it is the one place both sides meet, what adapters tell and what the hub asks; its writes are in
// state-writer.ts and its view in device-view.ts.
import type { MessageBus } from '../bus/message-bus.js';
import type { Clock } from '../shared/clock.js';
import type { EventBus } from '../shared/event-bus.js';
import { HearthError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { Metrics } from '../shared/metrics.js';
import type { DeviceRepo } from '../store/device-repo.js';
import type { HistoryRepo } from '../store/history-repo.js';
import type { WriteQueue } from '../store/write-queue.js';
import type { Decoded, KnownDevice } from './adapters/types.js';
import { historyNumber, inferCapability, sameValue } from './capabilities.js';
import { idFromName, uniqueId } from './device-id.js';
import type { DeviceRecord } from './device-record.js';
import type { Device } from './device-schema.js';
import { commandProblem, deviceView } from './device-view.js';
import { FirstSeen } from './first-seen.js';
import { type HistoryWrite, HistorySampler, type SamplingRule } from './history-sampler.js';
import { OddValues } from './odd-values.js';
import { StateWriter } from './state-writer.js';
import { formatPayload, HOME, homeTopic, statusTopic } from './topic.js';
import { byCodeUnit } from '../shared/compare.js';

// Problems already logged (topic patterns, devices); a client inventing new topics cannot grow it without bound.
const MAX_LOGGED_PROBLEMS = 1000;

/** One reading as rules and other consumers see it: on `home/<id>/<property>` whatever adapter it came through. */
export interface Reading {
  topic: string;
  deviceId: string;
  /** `status` for online/offline. */
  property: string;
  value: unknown;
  payload: string;
  ts: number;
  /** From a retained message replayed at subscribe time: state to know, not a change to react to. */
  retained: boolean;
}

/** A reading as the registry hands it on: its payload text is made only when asked (most readings no rule watches). */
class RegistryReading implements Reading {
  constructor(
    readonly topic: string,
    readonly deviceId: string,
    readonly property: string,
    readonly value: unknown,
    readonly ts: number,
    readonly retained: boolean,
  ) {}

  get payload(): string {
    return formatPayload(this.value);
  }
}

export interface DeviceRegistryDeps {
  bus: MessageBus;
  repo: DeviceRepo;
  history: HistoryRepo;
  writes: WriteQueue;
  /** Where history rows go, when they are committed apart from the states (default: `writes`). */
  historyWrites?: WriteQueue;
  /** `history.minIntervalMs`: number readings go to history at most about this often per property (0: every one). */
  historyMinIntervalMs?: number;
  /** `history.sampling`: intervals of the properties they name, apart from `historyMinIntervalMs`. */
  historySampling?: SamplingRule[];
  clock: Clock;
  events: EventBus;
  logger: Logger;
  metrics: Metrics;
}

export class DeviceRegistry {
  readonly #deps: DeviceRegistryDeps;
  readonly #devices = new Map<string, DeviceRecord>();
  /** `<source>\0<native key>` → device id, for adapters other than home (whose keys are the ids). */
  readonly #byKey = new Map<string, string>();
  readonly #writer: StateWriter;
  /** Demo devices removed as the demo ends: what their clients still send while they leave is not a new device. */
  readonly #retired = new Set<string>();
  readonly #odd: OddValues;
  readonly #loggedProblems = new FirstSeen(MAX_LOGGED_PROBLEMS);
  readonly #ignored: (labels: { reason: string }) => void;
  /** Queues one history row (on `historyWrites` when history is committed apart). */
  readonly #appendHistory: HistoryWrite;
  readonly #sampler: HistorySampler | undefined;
  /** Replaced, never changed in place: a reader added or removed during a reading does not disturb its loop. */
  #readers: Array<(reading: Reading) => void> = [];
  messagesIngested = 0;

  constructor(deps: DeviceRegistryDeps) {
    this.#deps = deps;
    this.#odd = new OddValues({ logger: deps.logger, events: deps.events });
    this.#writer = new StateWriter(deps.repo, deps.writes, (id) => this.#devices.get(id));
    this.#ignored = deps.metrics.counter(
      'hearth_device_topics_ignored_total',
      'Device messages (or parts of them) not taken as readings, by reason',
    );
    const { history } = deps;
    const queue = deps.historyWrites ?? deps.writes;
    this.#appendHistory = (deviceId, property, value, ts, num) => queue.enqueue(() => history.append(deviceId, property, value, ts, num));
    const sampler = new HistorySampler({
      minIntervalMs: deps.historyMinIntervalMs ?? 0,
      rules: deps.historySampling,
      clock: deps.clock,
      write: this.#appendHistory,
    });
    this.#sampler = sampler.active ? sampler : undefined;
  }

  /** Loads the devices the store knows. (Messages reach the registry through its adapters: src/devices/adapter-host.ts.) */
  start(): void {
    for (const d of this.#deps.repo.loadAll()) {
      this.#devices.set(d.id, d);
      if (d.source !== HOME && d.nativeKey !== null) this.#byKey.set(`${d.source}\0${d.nativeKey}`, d.id);
    }
    this.#odd.seed(this.#deps.repo.numericProperties());
  }

  /** Stops handing out readings; the readings history sampling held back are queued for the last commit. */
  stop(): void {
    this.#readers = [];
    this.#sampler?.flush();
  }

  /** Every reading (and online/offline change, as property `status`) from now on; returns the unsubscribe. */
  onReading(handler: (reading: Reading) => void): () => void {
    this.#readers = [...this.#readers, handler];
    return () => {
      this.#readers = this.#readers.filter((r) => r !== handler);
    };
  }

  // ——— what adapters tell (through the adapter host) ———

  /** The device an adapter knows by `key` (for `home`, the key is the id). */
  find(source: string, key: string): DeviceRecord | undefined {
    if (source === HOME) return this.#devices.get(key);
    const id = this.#byKey.get(`${source}\0${key}`);
    return id === undefined ? undefined : this.#devices.get(id);
  }

  /** Devices of one adapter as it described them, to hand back to it at start. */
  knownDevices(source: string): KnownDevice[] {
    return [...this.#devices.values()].filter((d) => d.source === source && d.nativeKey !== null).map((d) => this.known(d));
  }

  known(d: DeviceRecord): KnownDevice {
    return { key: d.nativeKey ?? d.id, id: d.id, name: d.nativeName ?? d.name, native: d.native, capabilities: d.capabilities };
  }

  /** An adapter's description of a device: created if new (its id from its name), else updated. */
  describe(source: string, ev: Extract<Decoded, { kind: 'device' }>): DeviceRecord | undefined {
    const now = this.#deps.clock.now();
    let d = this.find(source, ev.key) ?? this.#twin(source, ev);
    for (const alias of ev.aliases ?? []) {
      if (d) break;
      const known = this.find(source, alias);
      if (known) d = this.#rekey(known, ev.key);
    }
    if (!d) d = this.#create(source, ev.key, ev.name, now);
    if (!d) return undefined;
    if (d.source !== source) {
      // One device seen through two adapters (ESPHome natively and by discovery): its native adapter owns it.
      if (ev.sameAs?.includes(`${d.source}:${d.nativeKey}`)) return d;
      this.#takeOver(d, source, ev.key);
    }
    for (const twin of ev.sameAs ?? []) this.#link(twin, d.id);
    const before = JSON.stringify([d.nativeName, d.model, d.manufacturer, d.capabilities, d.native]);
    d.nativeName = ev.name;
    if (ev.model !== undefined) d.model = ev.model;
    if (ev.manufacturer !== undefined) d.manufacturer = ev.manufacturer;
    if (ev.native !== undefined) d.native = ev.native;
    if (ev.capabilities) {
      // Properties it no longer describes (an entity removed from its discovery configs) go with their description.
      for (const p of Object.keys(d.capabilities))
        if (!(p in ev.capabilities) && d.properties.delete(p)) this.#writer.deleteProperty(d.id, p);
      d.capabilities = ev.capabilities;
    }
    if (JSON.stringify([d.nativeName, d.model, d.manufacturer, d.capabilities, d.native]) !== before) {
      this.#writer.description(d.id);
      this.#deps.events.emit('device.updated', { deviceId: d.id });
    }
    return d;
  }

  /**
   * Readings of one message (several properties at once for a JSON state). Returns the device, or nothing for a
   * device retired by the demo, or for `home/<id>/…` of a device another adapter owns (the mirror's echo, counted
   * once already). `taken`, when given, gets each property and value taken (the mirror republishes them).
   */
  record(
    source: string,
    key: string,
    values: Record<string, unknown>,
    options: { retain: boolean; name?: string | undefined; taken?: Array<[string, unknown]> },
  ): DeviceRecord | undefined {
    const existing = this.find(source, key);
    if (existing && existing.source !== source) return undefined;
    if (source === HOME && this.#retired.has(key)) return undefined;
    const now = this.#deps.clock.now();
    const device = existing ?? this.#create(source, key, options.name ?? key, now);
    if (!device) return undefined;
    this.messagesIngested++;
    const { taken } = options;
    // for…in rather than Object.entries: no array of pairs for every message.
    for (const property in values) {
      const value = values[property];
      const previous = device.properties.get(property);
      // A retained message replayed at start-up must not overwrite a newer reading already in the store.
      if (options.retain && previous && sameValue(previous.value, value)) continue;
      // Updated in place: readers of a device copy its values out (device-view.ts, the state replay).
      let entry = previous;
      if (entry) {
        entry.value = value;
        entry.ts = now;
      } else {
        entry = { value, ts: now };
        device.properties.set(property, entry);
      }
      taken?.push([property, value]);
      this.#odd.check(device.id, property, value, now);
      this.#writer.property(device.id, property, value, now);
      const capability =
        typeof value === 'object' || typeof value === 'string'
          ? (device.capabilities[property] ?? inferCapability(property, value, false))
          : undefined;
      const num = historyNumber(value, capability);
      const deviceId = device.id;
      if (this.#sampler) this.#sampler.offer(entry, deviceId, property, value, now, num);
      else this.#appendHistory(deviceId, property, value, now, num);
      if (this.#deps.events.listening('device.state')) this.#deps.events.emit('device.state', { deviceId, property, value, ts: now });
      // The topic is made once per property: its readings carry the same string, hashed once in the engine's maps.
      entry.topic ??= homeTopic(deviceId, property);
      this.#emit(new RegistryReading(entry.topic, deviceId, property, value, now, options.retain));
    }
    if (!options.retain) device.lastSeen = now;
    this.#writer.device(device.id);
    return device;
  }

  /** Online/offline from the device's adapter; true when it changed. (Not for the mirror's echo: see `record`.) */
  setAvailability(source: string, key: string, online: boolean, reason: string, retained = false): DeviceRecord | undefined {
    let device = this.find(source, key);
    if (device && device.source !== source) return undefined;
    if (source === HOME && this.#retired.has(key)) return undefined;
    const now = this.#deps.clock.now();
    if (!device && source === HOME) device = this.#create(source, key, key, now);
    if (!device) return undefined; // other adapters announce devices before saying they are online
    this.messagesIngested++;
    return this.#setOnline(device, online, now, reason, retained) ? device : undefined;
  }

  /** A device its ecosystem removed: forgotten with its history and retained home/ topics. */
  async forget(source: string, key: string, reason: string): Promise<void> {
    const d = this.find(source, key);
    if (!d || d.source !== source) return;
    this.#deps.logger.info(`device ${d.id} removed: ${reason}`);
    await this.delete(d.id);
  }

  /** A problem with a message, logged once per `once` key and adapter, counted by reason. */
  problem(source: string, p: Extract<Decoded, { kind: 'problem' }>, level: 'warn' | 'info' = 'warn'): void {
    if (p.reason) this.#ignored({ reason: p.reason });
    if (!this.#loggedProblems.first(`${source}\0${p.once}`)) return;
    this.#deps.logger[level](p.message);
  }

  /** How many problems are remembered as already logged (bounded). */
  get loggedPatternCount(): number {
    return this.#loggedProblems.size;
  }

  // ——— what the hub and the API ask ———

  /** Marks a device offline on behalf of a client that went away without saying so, and fixes its retained status. */
  async markOffline(deviceId: string, reason: string): Promise<void> {
    const device = this.#devices.get(deviceId);
    if (!device || device.online === false) return;
    this.#setOnline(device, false, this.#deps.clock.now(), reason, false);
    await this.#deps.bus.publish(statusTopic(deviceId), 'offline', { qos: 1, retain: true }).catch((err: Error) => {
      this.#deps.logger.warn(`could not publish offline status of ${deviceId}: ${err.message}`);
    });
  }

  list(): Device[] {
    return [...this.#devices.values()].sort((a, b) => byCodeUnit(a.id, b.id)).map((d) => deviceView(d, this.#odd));
  }

  get(id: string): Device {
    return deviceView(this.recordOf(id), this.#odd);
  }

  /** The record of a device, or HEARTH_DEVICE_NOT_FOUND. */
  recordOf(id: string): DeviceRecord {
    const device = this.#devices.get(id);
    if (!device) throw new HearthError('HEARTH_DEVICE_NOT_FOUND', { id });
    return device;
  }

  has(id: string): boolean {
    return this.#devices.has(id);
  }

  /** Why a command to a property cannot reach the device, in words; undefined when it can (or when only the device knows). */
  commandProblem(id: string, property: string): string | undefined {
    return commandProblem(this.recordOf(id), property);
  }

  /** Devices recorded online (used to reconcile after a restart). */
  onlineDeviceIds(source = HOME): string[] {
    return [...this.#devices.values()].filter((d) => d.online === true && d.source === source).map((d) => d.id);
  }

  /** Every `home/<device>/<property>` topic with its latest value, to seed the rule engine. */
  *states(): Iterable<[string, unknown]> {
    for (const d of this.#devices.values()) {
      if (d.online !== null) yield [statusTopic(d.id), d.online ? 'online' : 'offline'];
      for (const [property, p] of d.properties) yield [homeTopic(d.id, property), p.value];
    }
  }

  updateMeta(id: string, meta: { name?: string | null; room?: string | null; description?: string | null }): Device {
    const device = this.recordOf(id);
    if (meta.name !== undefined) device.name = meta.name;
    if (meta.room !== undefined) device.room = meta.room;
    if (meta.description !== undefined) device.description = meta.description;
    const repo = this.#deps.repo;
    const snapshot = { ...device };
    this.#deps.writes.enqueue(() => repo.saveMeta(snapshot));
    this.#deps.events.emit('device.updated', { deviceId: id });
    return deviceView(device, this.#odd);
  }

  /** Marks a device as simulated by demo mode (it is removed when the demo ends, or at a start without --demo). */
  markDemo(id: string): void {
    const device = this.#devices.get(id);
    if (!device || device.demo) return;
    device.demo = true;
    this.#writer.device(id);
  }

  /**
   * Removes every demo device (history and retained topics too); with `retire`, as the demo ends, messages its
   * leaving clients still send are ignored, so no device comes back and no rule sees it go offline.
   */
  async removeDemoDevices(options: { retire?: boolean } = {}): Promise<string[]> {
    const ids = [...this.#devices.values()].filter((d) => d.demo).map((d) => d.id);
    for (const id of ids) {
      const d = this.#devices.get(id)!;
      if (options.retire) this.#retired.add(d.source === HOME ? id : `${d.source}\0${d.nativeKey}`);
      await this.delete(id);
    }
    if (ids.length > 0) this.#deps.logger.info(`removed ${ids.length} demo device(s): ${ids.join(', ')}`);
    return ids;
  }

  /** Forgets a device and clears its retained home/ topics so it does not come back from the broker's store. */
  async delete(id: string): Promise<void> {
    const device = this.recordOf(id);
    const topics = [...device.properties.keys()].map((p) => homeTopic(id, p)).concat(statusTopic(id));
    this.#devices.delete(id);
    if (device.nativeKey !== null) this.#byKey.delete(`${device.source}\0${device.nativeKey}`);
    this.#writer.forget(id);
    this.#odd.forget(id);
    this.#sampler?.forget(id);
    const { repo, history } = this.#deps;
    // History rows still waiting apart must be committed first, or they would bring the deleted series back.
    if (this.#deps.historyWrites && this.#deps.historyWrites !== this.#deps.writes) this.#deps.historyWrites.flush();
    this.#deps.writes.enqueue(() => {
      history.forgetDevice(id);
      repo.deleteDevice(id);
    });
    // [MQTT-3.3.1-10] a retained PUBLISH with an empty payload removes the retained message.
    await Promise.all(topics.map((t) => this.#deps.bus.publish(t, Buffer.alloc(0), { qos: 1, retain: true })));
    this.#deps.events.emit('device.deleted', { deviceId: id });
  }

  #emit(reading: Reading): void {
    for (const r of this.#readers) {
      try {
        r(reading);
      } catch (err) {
        this.#deps.logger.error(`a reader of ${reading.topic} failed: ${(err as Error).message}`);
      }
    }
  }

  /** A new device: a home device has its key as id; another adapter's gets an id from its name, unique among all. */
  #create(source: string, key: string, name: string, now: number): DeviceRecord | undefined {
    if (source !== HOME && this.#retired.has(`${source}\0${key}`)) return undefined;
    const id = source === HOME ? key : uniqueId(idFromName(name), (x) => this.#devices.has(x) || this.#retired.has(x));
    const device: DeviceRecord = {
      id,
      name: null,
      room: null,
      description: null,
      source,
      nativeKey: source === HOME ? null : key,
      nativeName: source === HOME ? null : name,
      model: null,
      manufacturer: null,
      capabilities: {},
      native: null,
      online: null,
      lastSeen: now,
      onlineChangedAt: null,
      createdAt: now,
      demo: false,
      properties: new Map(),
    };
    this.#devices.set(id, device);
    if (source !== HOME) {
      this.#byKey.set(`${source}\0${key}`, id);
      this.#writer.description(id);
    } else this.#writer.device(id);
    this.#deps.logger.info(source === HOME ? `new device ${id}` : `new device ${id} (${JSON.stringify(name)} from ${source})`);
    this.#deps.events.emit('device.created', { deviceId: id });
    return device;
  }

  /** The device another adapter knows by one of `sameAs` (`<adapter>:<key>`): this adapter's key now leads there too. */
  #twin(source: string, ev: Extract<Decoded, { kind: 'device' }>): DeviceRecord | undefined {
    for (const twin of ev.sameAs ?? []) {
      const d = this.#byTwin(twin);
      if (d) {
        this.#byKey.set(`${source}\0${ev.key}`, d.id);
        return d;
      }
    }
    return undefined;
  }

  #byTwin(twin: string): DeviceRecord | undefined {
    const at = twin.indexOf(':');
    return at > 0 ? this.find(twin.slice(0, at), twin.slice(at + 1)) : undefined;
  }

  /** Messages of the twin's adapter lead to this device before that adapter has said anything of it. */
  #link(twin: string, id: string): void {
    const at = twin.indexOf(':');
    if (at > 0 && !this.#byTwin(twin)) this.#byKey.set(`${twin.slice(0, at)}\0${twin.slice(at + 1)}`, id);
  }

  /**
   * The native adapter of a device first seen through another (by discovery) takes it over: same id, history and
   * name; the other adapter's key still leads here, and what it says of the device is ignored from now on.
   */
  #takeOver(d: DeviceRecord, source: string, key: string): void {
    this.#deps.logger.info(`device ${d.id} is now read through ${source} (it was seen through ${d.source} first)`);
    d.source = source;
    d.nativeKey = key;
    this.#byKey.set(`${source}\0${key}`, d.id);
    this.#writer.device(d.id);
  }

  /** An adapter learnt a device's proper key (an address, where it knew only the name): same device, same id. */
  #rekey(d: DeviceRecord, key: string): DeviceRecord {
    this.#byKey.delete(`${d.source}\0${d.nativeKey}`);
    d.nativeKey = key;
    this.#byKey.set(`${d.source}\0${key}`, d.id);
    this.#writer.device(d.id);
    return d;
  }

  #setOnline(device: DeviceRecord, online: boolean, now: number, reason: string, retained: boolean): boolean {
    if (online) device.lastSeen = now;
    this.#writer.device(device.id);
    if (device.online === online) return false;
    device.online = online;
    device.onlineChangedAt = now;
    this.#deps.logger.info(`device ${device.id} is ${online ? 'online' : 'offline'} (${reason})`);
    this.#deps.events.emit('device.online', { deviceId: device.id, online, ts: now, reason });
    const status = online ? 'online' : 'offline';
    this.#emit({
      topic: statusTopic(device.id),
      deviceId: device.id,
      property: 'status',
      value: status,
      payload: status,
      ts: now,
      retained,
    });
    return true;
  }
}
