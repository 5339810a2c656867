// The registry's writes, coalesced: for each device changed, one op in the write queue writes its row, description
// and latest values once, however many messages changed them before it ran. History rows are appended one by one elsewhere.
import type { DeviceRepo } from '../store/device-repo.js';
import type { WriteQueue } from '../store/write-queue.js';
import type { DeviceRecord } from './device-record.js';

/** A property's latest value, updated in place until its device's op takes it. */
interface PropertyWrite {
  property: string;
  value: unknown;
  ts: number;
}

/** What changed in a device since its op last ran: its row always, its description and properties when marked. */
interface Dirty {
  description: boolean;
  /** A list, not a Map: a device changes one or a few properties at a time, and this runs for every reading. */
  props: PropertyWrite[];
  /** Deleted meanwhile: its op writes nothing. */
  forgotten: boolean;
}

export class StateWriter {
  readonly #repo: DeviceRepo;
  readonly #writes: WriteQueue;
  readonly #lookup: (id: string) => DeviceRecord | undefined;
  /** Devices changed since their op ran, each with one op waiting in the write queue. */
  readonly #dirty = new Map<string, Dirty>();

  constructor(repo: DeviceRepo, writes: WriteQueue, lookup: (id: string) => DeviceRecord | undefined) {
    this.#repo = repo;
    this.#writes = writes;
    this.#lookup = lookup;
  }

  /** The device's row (online state, last seen, source and key). */
  device(id: string): void {
    this.#mark(id);
  }

  /** What its adapter says of it (name there, model, maker, capabilities, addressing), and its row. */
  description(id: string): void {
    this.#mark(id).description = true;
  }

  /** Its latest value of `property`. */
  property(deviceId: string, property: string, value: unknown, ts: number): void {
    const props = this.#mark(deviceId).props;
    for (const p of props) {
      if (p.property === property) {
        p.value = value;
        p.ts = ts;
        return;
      }
    }
    props.push({ property, value, ts });
  }

  /** A property its device no longer has. */
  deleteProperty(deviceId: string, property: string): void {
    const props = this.#dirty.get(deviceId)?.props;
    const at = props?.findIndex((p) => p.property === property) ?? -1;
    if (at >= 0) props!.splice(at, 1);
    const repo = this.#repo;
    this.#writes.enqueue(() => repo.deleteProperty(deviceId, property));
  }

  /** A deleted device: nothing of it is written any more. */
  forget(id: string): void {
    const dirty = this.#dirty.get(id);
    if (!dirty) return;
    dirty.forgotten = true;
    this.#dirty.delete(id);
  }

  /**
   * One op per changed device, queued at its first change: however many messages change it before the op runs, it
   * writes its row, description and latest values once. When the op runs it takes the device's changes, so a change
   * made after that (while the batch's commit goes on over several turns) queues a new op behind it; a batch that
   * failed runs the op again with the same changes, before any newer op.
   */
  #mark(id: string): Dirty {
    const found = this.#dirty.get(id);
    if (found) return found;
    const dirty: Dirty = { description: false, props: [], forgotten: false };
    this.#dirty.set(id, dirty);
    this.#writes.enqueue(() => {
      if (this.#dirty.get(id) === dirty) this.#dirty.delete(id);
      if (dirty.forgotten) return;
      const d = this.#lookup(id);
      if (!d) return;
      this.#repo.saveDevice(d);
      if (dirty.description) this.#repo.saveDescription(d);
      for (const p of dirty.props) this.#repo.saveProperty(id, p.property, p.value, p.ts);
    });
    return dirty;
  }
}
