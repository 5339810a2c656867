// Presence: which client announced which device online, so a device is marked offline when that client goes away
// even if the broker never delivers its will (aedes does not in every case).
import type { Aedes, Client } from 'aedes';
import type { Logger } from '../shared/logger.js';
import type { DeviceRegistry } from './device-registry.js';
import { parseDeviceTopic } from './topic.js';

export class PresenceTracker {
  readonly #broker: Aedes;
  readonly #registry: DeviceRegistry;
  readonly #logger: Logger;
  readonly #announcer = new Map<string, Client>();
  readonly #byClient = new Map<Client, Set<string>>();
  #listeners: Array<[string, (...args: any[]) => void]> = [];

  constructor(deps: { broker: Aedes; registry: DeviceRegistry; logger: Logger }) {
    this.#broker = deps.broker;
    this.#registry = deps.registry;
    this.#logger = deps.logger;
  }

  start(): void {
    this.#on('publish', (packet: { topic: string; payload: Buffer }, client: Client | null) => {
      if (!client) return;
      const parsed = parseDeviceTopic(packet.topic);
      if (!parsed || parsed.property !== 'status') return;
      const online = packet.payload.toString('utf8').trim() === 'online';
      this.#forget(parsed.deviceId);
      // aedes acknowledges a QoS 1 message before it routes it: a device that says online and leaves at once can be
      // gone (and its will routed) before its `online` arrives here. Its client is gone, so it is offline.
      if (online && (client as Client & { closed?: boolean }).closed) {
        void this.#registry.markOffline(parsed.deviceId, 'its client left right after announcing online');
        return;
      }
      if (online) {
        this.#announcer.set(parsed.deviceId, client);
        const set = this.#byClient.get(client) ?? new Set<string>();
        set.add(parsed.deviceId);
        this.#byClient.set(client, set);
      }
    });
    this.#on('clientDisconnect', (client: Client) => this.#clientGone(client, 'its client disconnected without publishing offline'));
    this.#on('keepaliveTimeout', (client: Client) => this.#clientGone(client, 'its client missed its keepalive'));
  }

  stop(): void {
    for (const [event, fn] of this.#listeners) this.#broker.removeListener(event, fn);
    this.#listeners = [];
    this.#announcer.clear();
    this.#byClient.clear();
  }

  /** After a restart no client is connected yet: devices recorded online are marked offline until they announce again. */
  async reconcile(): Promise<number> {
    const stale = this.#registry.onlineDeviceIds().filter((id) => !this.#announcer.has(id));
    for (const id of stale) await this.#registry.markOffline(id, 'its client is not connected since the hub started');
    if (stale.length > 0) this.#logger.info(`marked ${stale.length} device(s) offline whose clients are gone: ${stale.join(', ')}`);
    return stale.length;
  }

  #clientGone(client: Client, reason: string): void {
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

  #on(event: string, fn: (...args: any[]) => void): void {
    this.#broker.on(event as any, fn);
    this.#listeners.push([event, fn]);
  }
}
