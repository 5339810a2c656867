// Presence: which client announced which device online, so a device is marked offline when that client goes away
// even if the broker never delivers its will (aedes does not in every case). Only a broker in this process tells
// which client published what; on an external broker the devices' `status` topics and last wills are the truth.
import type { ClientActivity, ClientHandle } from '../bus/message-bus.js';
import type { Logger } from '../shared/logger.js';
import type { DeviceRegistry } from './device-registry.js';
import { parseDeviceTopic } from './topic.js';

export class PresenceTracker {
  readonly #clients: ClientActivity | undefined;
  readonly #registry: DeviceRegistry;
  readonly #logger: Logger;
  readonly #announcer = new Map<string, ClientHandle>();
  readonly #byClient = new Map<ClientHandle, Set<string>>();
  #offs: Array<() => void> = [];

  /** `clients` is the in-process broker's client activity; without it, presence is the devices' status topics alone. */
  constructor(deps: { clients?: ClientActivity; registry: DeviceRegistry; logger: Logger }) {
    this.#clients = deps.clients;
    this.#registry = deps.registry;
    this.#logger = deps.logger;
  }

  start(): void {
    const clients = this.#clients;
    if (!clients) {
      this.#logger.info(
        "presence follows each device's home/<id>/status and its last will (the broker is external: it does not tell which client left)",
      );
      return;
    }
    this.#offs.push(
      clients.onPublish((topic, payload, client) => {
        // Every message comes here: most are readings, told apart without parsing the topic.
        if (!topic.endsWith('/status')) return;
        const parsed = parseDeviceTopic(topic);
        if (parsed?.property !== 'status') return;
        const online = payload.toString('utf8').trim() === 'online';
        this.#forget(parsed.deviceId);
        // aedes acknowledges a QoS 1 message before it routes it: a device that says online and leaves at once can be
        // gone (and its will routed) before its `online` arrives here. Its client is gone, so it is offline.
        if (online && client.closed) {
          void this.#registry.markOffline(parsed.deviceId, 'its client left right after announcing online');
          return;
        }
        if (online) {
          this.#announcer.set(parsed.deviceId, client);
          const set = this.#byClient.get(client) ?? new Set<string>();
          set.add(parsed.deviceId);
          this.#byClient.set(client, set);
        }
      }),
      clients.onGone((client, reason) => this.#clientGone(client, reason)),
    );
  }

  stop(): void {
    for (const off of this.#offs) off();
    this.#offs = [];
    this.#announcer.clear();
    this.#byClient.clear();
  }

  /**
   * After a restart of the in-process broker no client is connected yet: devices recorded online are marked offline
   * until they announce again. An external broker kept running: its retained statuses (and the wills it published
   * meanwhile) say who is online, so nothing is marked here.
   */
  async reconcile(): Promise<number> {
    if (!this.#clients) return 0;
    const stale = this.#registry.onlineDeviceIds().filter((id) => !this.#announcer.has(id));
    for (const id of stale) await this.#registry.markOffline(id, 'its client is not connected since the hub started');
    if (stale.length > 0) this.#logger.info(`marked ${stale.length} device(s) offline whose clients are gone: ${stale.join(', ')}`);
    return stale.length;
  }

  #clientGone(client: ClientHandle, reason: string): void {
    const devices = this.#byClient.get(client);
    if (!devices) return;
    this.#byClient.delete(client);
    for (const id of devices) {
      if (this.#announcer.get(id) !== client) continue;
      this.#announcer.delete(id);
      void this.#registry.markOffline(id, reason);
    }
  }

  #forget(deviceId: string): void {
    const previous = this.#announcer.get(deviceId);
    if (!previous) return;
    this.#announcer.delete(deviceId);
    const devices = this.#byClient.get(previous);
    devices?.delete(deviceId);
    if (devices?.size === 0) this.#byClient.delete(previous);
  }
}
