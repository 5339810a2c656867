// The adapter seam: how an ecosystem's MQTT messages become Hearth devices, readings and availability, and how a
// command for a device property becomes the device's own topic and payload.
import type { Capability } from '../device-schema.js';

export interface AdapterMessage {
  topic: string;
  payload: Buffer;
  /** A stored retained message delivered at subscribe time (it may be older than what the hub already knows). */
  retain: boolean;
}

/** What one message says; a message may say several things (a Zigbee2MQTT state carries many properties). */
export type Decoded =
  /** A device and what it is: announced, or its description changed. `capabilities` replace the ones known. */
  | {
      kind: 'device';
      key: string;
      name: string;
      model?: string | null;
      manufacturer?: string | null;
      capabilities?: Record<string, Capability>;
      native?: unknown;
      /** Keys it may have been known by before its adapter learnt its proper key (its name, before its address). */
      aliases?: string[];
      /**
       * The same device as another adapter knows it, `<adapter>:<key>` (a discovery config of an ESPHome node names
       * `esphome:<its topic prefix>`): one Hearth device results, owned by that adapter, which speaks its own dialect.
       */
      sameAs?: string[];
    }
  | { kind: 'readings'; key: string; values: Record<string, unknown>; name?: string }
  | { kind: 'availability'; key: string; online: boolean; reason: string }
  /** Gone from its ecosystem (removed, left the network, its discovery config deleted). */
  | { kind: 'removed'; key: string; reason: string }
  /** A command on home/<id>/<property>/set (the home adapter decodes those for every adapter's devices). */
  | { kind: 'command'; key: string; property: string; value: unknown }
  /** Something wrong with a message, in words; logged once per `once` key (nothing else of the message is lost). */
  | { kind: 'problem'; once: string; message: string; reason?: string };

/** One MQTT publish, in the device's own dialect. */
export interface Encoded {
  topic: string;
  payload: string;
  retain?: boolean;
}

/** A device as the registry hands it back to its adapter (after a restart, or to encode a command). */
export interface KnownDevice {
  key: string;
  id: string;
  name: string | null;
  native: unknown;
  capabilities: Record<string, Capability>;
}

/** What an adapter may ask of the hub while it runs. */
export interface AdapterContext {
  /** Listen to one more exact topic (a state topic a discovery config names); retained messages on it are delivered. */
  watch(topic: string): void;
  /** Stop listening to a topic `watch` added. */
  unwatch(topic: string): void;
  /** Publish (e.g. Home Assistant's birth message, so devices announce themselves again). */
  publish(message: Encoded): void;
}

export interface Adapter {
  /** The `source` of its devices and its key under `adapters:` in the configuration. */
  readonly name: string;
  /** Topic filters it listens to from the start. */
  readonly filters: string[];
  /** Largest payload it decodes, in bytes; a bigger one is logged once and dropped. */
  readonly maxPayload: number;
  /** Devices the registry knows from before (with what the adapter said of them), before the first message. */
  restore?(devices: KnownDevice[], ctx: AdapterContext): void;
  /** Called once its subscriptions are in place. */
  start?(ctx: AdapterContext): void;
  decode(message: AdapterMessage, ctx: AdapterContext): Decoded[];
  /** The device's own topic and payload for a command, or the reason it cannot be sent, in words. */
  encode(device: KnownDevice, property: string, value: unknown): Encoded[] | string;
  /** Filters a device credential of this adapter may publish and subscribe to (`hearth device add <id> --adapter`). */
  credentialTopics(deviceId: string): { publish: string[]; subscribe: string[] };
}

export interface AdapterSettings {
  enabled: boolean;
  baseTopic: string;
  /** Publish its devices' readings on home/<id>/<property> and availability on home/<id>/status. */
  mirror: boolean;
  /** Topic prefixes of devices it takes without waiting for them to announce themselves (ESPHome nodes). */
  nodes?: string[];
}

/** A problem with a message (see `Decoded`): logged once per `once` key, counted by `reason` when it has one. */
export function problem(once: string, message: string, reason?: string): Extract<Decoded, { kind: 'problem' }> {
  return { kind: 'problem', once, message, ...(reason ? { reason } : {}) };
}
