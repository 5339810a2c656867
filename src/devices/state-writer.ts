// The registry's writes, coalesced: one device row, one description and one latest value per property per batch of
// the write queue, however many messages changed them meanwhile. History rows are appended one by one elsewhere.
import type { DeviceRepo } from '../store/device-repo.js';
import type { WriteQueue } from '../store/write-queue.js';
import type { DeviceRecord } from './device-record.js';

export class StateWriter {
  readonly #repo: DeviceRepo;
  readonly #writes: WriteQueue;
  readonly #lookup: (id: string) => DeviceRecord | undefined;
  readonly #devices = new Set<string>();
  /** Devices whose adapter description changed (written after their row, in the same batch). */
  readonly #descriptions = new Set<string>();
  readonly #props = new Map<string, { deviceId: string; property: string; value: unknown; ts: number }>();
  #queued = false;

  constructor(repo: DeviceRepo, writes: WriteQueue, lookup: (id: string) => DeviceRecord | undefined) {
    this.#repo = repo;
    this.#writes = writes;
    this.#lookup = lookup;
  }

  /** The device's row (online state, last seen, source and key). */
  device(id: string): void {
    this.#devices.add(id);
    this.#queue();
  }

  /** What its adapter says of it (name there, model, maker, capabilities, addressing), and its row. */
  description(id: string): void {
    this.#descriptions.add(id);
    this.device(id);
  }

  /** `key` is `<deviceId>\0<property>` when the caller has it already. */
  property(deviceId: string, property: string, value: unknown, ts: number, key = `${deviceId}\0${property}`): void {
    this.#props.set(key, { deviceId, property, value, ts });
    this.device(deviceId);
  }

  /** A property its device no longer has. */
  deleteProperty(deviceId: string, property: string): void {
    this.#props.delete(`${deviceId}\0${property}`);
    const repo = this.#repo;
    this.#writes.enqueue(() => repo.deleteProperty(deviceId, property));
  }

  /** A deleted device: nothing of it is written any more. */
  forget(id: string): void {
    for (const key of [...this.#props.keys()]) if (key.startsWith(`${id}\0`)) this.#props.delete(key);
    this.#devices.delete(id);
    this.#descriptions.delete(id);
  }

  #queue(): void {
    if (this.#queued) return;
    this.#queued = true;
    this.#writes.enqueue(() => {
      for (const id of this.#devices) {
        const d = this.#lookup(id);
        if (d) this.#repo.saveDevice(d);
      }
      for (const id of this.#descriptions) {
        const d = this.#lookup(id);
        if (d) this.#repo.saveDescription(d);
      }
      for (const p of this.#props.values()) this.#repo.saveProperty(p.deviceId, p.property, p.value, p.ts);
      // Only once committed: a batch the disk refused runs again on the retry, with everything still dirty.
      return () => {
        this.#queued = false;
        this.#devices.clear();
        this.#descriptions.clear();
        this.#props.clear();
      };
    });
  }
}
