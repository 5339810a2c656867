// Devices of firmwares that do not describe themselves up front (Tasmota, Shelly): each property's capability is
// learnt from the first message that carries it, and the device is described again (with every capability it has
// had, so the registry keeps all its properties) whenever it learns a new one or one changes (a unit, a range).
import type { Capability } from '../device-schema.js';
import type { Decoded, KnownDevice } from './types.js';

export interface LearntDevice<N> {
  key: string;
  name: string;
  model: string | null;
  manufacturer: string | null;
  capabilities: Record<string, Capability>;
  /** How the adapter addresses it (kept by the registry as the device's `native`). */
  native: N;
  /** Whether the registry has been told of it since this adapter started (or restored it). */
  announced: boolean;
}

/** One reading with the capability its name and the firmware's documentation give it. */
export type Learnt = Record<string, { value: unknown; capability: Capability }>;

export class LearntDevices<N> {
  readonly #devices = new Map<string, LearntDevice<N>>();
  readonly #fresh: (key: string) => N;

  constructor(fresh: (key: string) => N) {
    this.#fresh = fresh;
  }

  get(key: string): LearntDevice<N> | undefined {
    return this.#devices.get(key);
  }

  restore(known: KnownDevice[], native: (k: KnownDevice) => N): void {
    for (const k of known) {
      this.#devices.set(k.key, {
        key: k.key,
        name: k.name ?? k.key,
        model: null,
        manufacturer: null,
        capabilities: { ...k.capabilities },
        native: native(k),
        announced: true,
      });
    }
  }

  /** The device under `key`, made if new; its `device` description first when the registry has not had it yet. */
  ensure(key: string, name: string, out: Decoded[]): LearntDevice<N> {
    let d = this.#devices.get(key);
    if (!d) {
      d = { key, name, model: null, manufacturer: null, capabilities: {}, native: this.#fresh(key), announced: false };
      this.#devices.set(key, d);
    }
    if (!d.announced) out.push(this.describe(d));
    return d;
  }

  describe(d: LearntDevice<N>): Extract<Decoded, { kind: 'device' }> {
    d.announced = true;
    return {
      // Copies: the registry compares what it is told with what it has, so it must not share the adapter's objects.
      kind: 'device',
      key: d.key,
      name: d.name,
      capabilities: structuredClone(d.capabilities),
      native: structuredClone(d.native),
      ...(d.model ? { model: d.model } : {}),
      ...(d.manufacturer ? { manufacturer: d.manufacturer } : {}),
    };
  }

  /** Model and maker, as an announcement says them. */
  identify(key: string, name: string, model: string | null, manufacturer: string | null): Decoded[] {
    const out: Decoded[] = [];
    const d = this.ensure(key, name, out);
    if (out.length === 0 && d.model === model && d.manufacturer === manufacturer) return [];
    d.model = model;
    d.manufacturer = manufacturer;
    return [this.describe(d)];
  }

  /**
   * Readings, after the device's new description when they bring a property (or a capability) it did not have, or
   * `patch` changes how the adapter addresses it (and says so).
   */
  readings(key: string, name: string, learnt: Learnt, patch?: (native: N) => boolean): Decoded[] {
    const out: Decoded[] = [];
    const d = this.ensure(key, name, out);
    let changed = patch?.(d.native) ?? false;
    const values: Record<string, unknown> = {};
    for (const [id, { value, capability }] of Object.entries(learnt)) {
      values[id] = value;
      if (JSON.stringify(d.capabilities[id]) !== JSON.stringify(capability)) {
        d.capabilities[id] = capability;
        changed = true;
      }
    }
    if (changed && out.length === 0) out.push(this.describe(d));
    else if (changed) out[0] = this.describe(d);
    if (Object.keys(values).length > 0) out.push({ kind: 'readings', key, values });
    return out;
  }

  /** Availability; a device not seen before is described first (a retained last will may come before anything else). */
  availability(key: string, name: string, online: boolean, reason: string): Decoded[] {
    const out: Decoded[] = [];
    this.ensure(key, name, out);
    out.push({ kind: 'availability', key, online, reason });
    return out;
  }
}
