// The Homie adapter, after the convention (homieiot/convention): Homie 4 devices describe themselves attribute by
// attribute (`homie/<device>/$name|$nodes|$state`, `<node>/$name|$properties`, `<node>/<property>/$datatype|$unit|
// $format|$settable|$name`); Homie 5 devices in one JSON document (`homie/5/<device>/$description`) beside `$state`.
// Values are on `…/<node>/<property>`, commands on `…/<node>/<property>/set`. A device's Hearth property is
// `<node>_<property>`; its key is the device id (`5/<id>` for Homie 5).
import { idFromName } from '../device-id.js';
import type { Capability } from '../device-schema.js';
import { decodeHomieValue, encodeHomieValue, homieCapability, type HomieProperty } from './homie-format.js';
import { problem, type Adapter, type AdapterMessage, type Decoded, type KnownDevice } from './types.js';

/** How the adapter addresses a device, kept by the registry: its version, id and properties by Hearth id. */
export interface HomieNative {
  version: 4 | 5;
  id: string;
  props: Record<string, HomieProperty>;
}

interface HomieDevice {
  key: string;
  version: 4 | 5;
  id: string;
  name?: string;
  props: Map<string, HomieProperty>;
  described: boolean;
  /** Homie 5: $state and values that came before the $description (retained messages come in no promised order). */
  early?: Map<string, string>;
}

// A $description of a device with a hundred properties is about 15 KiB; values are small.
const MAX_PAYLOAD = 64 * 1024;
const PROPERTY_ATTRIBUTES: Record<string, keyof HomieProperty> = {
  $name: 'name',
  $datatype: 'datatype',
  $format: 'format',
  $unit: 'unit',
  $settable: 'settable',
};

/** `$state` as online/offline: ready (and Homie 4's alert: connected, needing attention) is online; init says nothing yet. */
export function homieOnline(state: string): boolean | undefined {
  if (state === 'ready' || state === 'alert') return true;
  if (state === 'disconnected' || state === 'lost' || state === 'sleeping') return false;
  return undefined;
}

export const homiePropertyId = (node: string, property: string): string => idFromName(`${node}_${property}`);

/** A Homie 5 `$description` document's properties. */
export function readDescription(json: unknown): { name?: string; props: HomieProperty[] } | { error: string } {
  if (!json || typeof json !== 'object' || Array.isArray(json)) return { error: 'is not a JSON object' };
  type Described = { name?: unknown; properties?: Record<string, Record<string, unknown> | null> };
  const doc = json as { homie?: unknown; name?: unknown; nodes?: Record<string, Described | null> };
  if (typeof doc.homie !== 'string' || !doc.homie.startsWith('5.')) return { error: `says homie ${JSON.stringify(doc.homie)}, not 5.x` };
  const props: HomieProperty[] = [];
  for (const [node, n] of Object.entries(doc.nodes ?? {})) {
    for (const [property, p] of Object.entries(n?.properties ?? {})) {
      if (!p || typeof p !== 'object') continue;
      const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
      const { name, datatype, format, unit } = Object.fromEntries(['name', 'datatype', 'format', 'unit'].map((k) => [k, text(p[k])]));
      props.push({ node, property, name, datatype, format, unit, settable: p.settable === true });
    }
  }
  return { ...(typeof doc.name === 'string' ? { name: doc.name } : {}), props };
}

export function homieAdapter(base: string): Adapter {
  const devices = new Map<string, HomieDevice>();

  const deviceOf = (version: 4 | 5, id: string): HomieDevice => {
    const key = version === 5 ? `5/${id}` : id;
    const d = devices.get(key) ?? { key, version, id, props: new Map(), described: false };
    devices.set(key, d);
    return d;
  };
  const describe = (d: HomieDevice): Decoded => {
    d.described = true;
    const capabilities: Record<string, Capability> = {};
    for (const [id, p] of d.props) {
      const c = homieCapability(p);
      if (c) capabilities[id] = c;
    }
    const native: HomieNative = { version: d.version, id: d.id, props: Object.fromEntries(d.props) };
    return { kind: 'device', key: d.key, name: d.name ?? d.id, capabilities, native };
  };
  const propOf = (d: HomieDevice, node: string, property: string): HomieProperty => {
    const id = homiePropertyId(node, property);
    const p = d.props.get(id) ?? { node, property };
    d.props.set(id, p);
    return p;
  };

  /** A Homie 5 device is described by its $description: what comes before it waits (a bounded few). */
  const early = (d: HomieDevice, topic: string, payload: string): Decoded[] => {
    d.early ??= new Map();
    if (d.early.size < 100 || d.early.has(topic)) d.early.set(topic, payload);
    return [];
  };

  const onState = (d: HomieDevice, topic: string, payload: string): Decoded[] => {
    if (d.version === 5 && !d.described) return early(d, topic, payload);
    const online = homieOnline(payload);
    if (online === undefined && payload !== 'init') {
      const says = JSON.stringify(payload.slice(0, 40));
      return [problem(`state ${topic}`, `${topic} says ${says}, not a Homie state; ignored (logged once)`, 'malformed')];
    }
    const out: Decoded[] = d.described ? [] : [describe(d)];
    if (online !== undefined) out.push({ kind: 'availability', key: d.key, online, reason: `$state ${payload}` });
    return out;
  };

  const onValue = (d: HomieDevice, topic: string, node: string, property: string, payload: string): Decoded[] => {
    if (d.version === 5 && !d.described) return early(d, topic, payload);
    const id = homiePropertyId(node, property);
    const read = decodeHomieValue(d.props.get(id), payload);
    if ('error' in read) {
      const why = `its datatype takes ${read.error}`;
      return [problem(`value ${topic}`, `${topic} was not read: ${why} (logged once for this topic)`, 'malformed')];
    }
    return [...(d.described ? [] : [describe(d)]), { kind: 'readings', key: d.key, values: { [id]: read.value } }];
  };

  /** Homie 4's attributes, one topic each; the device is described again with what changed. */
  const onAttribute = (d: HomieDevice, rest: string[], payload: string): Decoded[] => {
    const [a, b, c] = rest;
    if (rest.length === 1 && a === '$name') d.name = payload;
    else if (rest.length === 1 && a === '$nodes') return [];
    else if (rest.length === 2 && b === '$properties') for (const p of payload.split(',').filter(Boolean)) propOf(d, a!, p);
    else if (rest.length === 3 && c! in PROPERTY_ATTRIBUTES) {
      const p = propOf(d, a!, b!);
      const key = PROPERTY_ATTRIBUTES[c!]!;
      Object.assign(p, { [key]: key === 'settable' ? payload === 'true' : payload });
    } else return [];
    return [describe(d)];
  };

  const onDescription = (d: HomieDevice, topic: string, payload: string): Decoded[] => {
    let doc: unknown;
    try {
      doc = JSON.parse(payload);
    } catch {
      return [problem(`description ${topic}`, `${topic} is not JSON; the description is ignored (logged once)`, 'malformed')];
    }
    const read = readDescription(doc);
    if ('error' in read) return [problem(`description ${topic}`, `${topic} ${read.error}; ignored (logged once)`, 'malformed')];
    d.name = read.name ?? d.name;
    d.props = new Map(read.props.map((p) => [homiePropertyId(p.node, p.property), p]));
    const out = [describe(d)];
    const waiting = d.early ?? new Map<string, string>();
    d.early = undefined;
    for (const [t, payload] of waiting) {
      const [node, property] = t.split('/').slice(-2) as [string, string];
      out.push(...(t.endsWith('/$state') ? onState(d, t, payload) : onValue(d, t, node, property, payload)));
    }
    return out;
  };

  return {
    name: 'homie',
    filters: [`${base}/#`],
    maxPayload: MAX_PAYLOAD,
    restore(known: KnownDevice[]) {
      for (const k of known) {
        const native = k.native as Partial<HomieNative> | null;
        if (!native?.id || !native.version) continue;
        const d = deviceOf(native.version, native.id);
        d.name = k.name ?? undefined;
        d.props = new Map(Object.entries(native.props ?? {}));
      }
    },
    decode(message: AdapterMessage): Decoded[] {
      const { topic } = message;
      const parts = topic.slice(base.length + 1).split('/');
      const version: 4 | 5 = parts[0] === '5' && parts.length >= 3 ? 5 : 4;
      const [id, ...rest] = version === 5 ? parts.slice(1) : parts;
      if (!id || id.startsWith('$') || rest.length === 0) return [];
      const payload = message.payload.toString('utf8');
      const key = version === 5 ? `5/${id}` : id;
      if (message.payload.length === 0) {
        // "A zero length payload published on the $state topic indicates a device removal" (Homie 5; Homie 4 alike).
        const cleared = rest.length === 1 && rest[0] === '$state' && devices.delete(key);
        return cleared ? [{ kind: 'removed', key, reason: `${topic} was cleared` }] : [];
      }
      const d = deviceOf(version, id);
      if (rest.length === 1 && rest[0] === '$state') return onState(d, topic, payload);
      if (version === 5 && rest.length === 1 && rest[0] === '$description') return onDescription(d, topic, payload);
      if (rest.at(-1) === 'set' || rest.at(-1) === '$target') return []; // commands (Hearth's own too) and intentions
      const [node, property] = rest as [string, string];
      if (rest.length === 2 && !node.startsWith('$') && !property.startsWith('$')) return onValue(d, topic, node, property, payload);
      return version === 4 ? onAttribute(d, rest, payload) : [];
    },
    encode(device, property, value) {
      const native = device.native as Partial<HomieNative> | null;
      const p = native?.props?.[property];
      if (!native?.id || !p) return `${device.name ?? device.id} has no Homie property ${property}`;
      if (!p.settable) return `${property} of ${device.name ?? device.id} is not settable ($settable is not true)`;
      const encoded = encodeHomieValue(p, value, native.version ?? 4);
      if ('error' in encoded) return `${property} of ${device.name ?? device.id} cannot be set: ${encoded.error}`;
      const root = native.version === 5 ? `${base}/5/${native.id}` : `${base}/${native.id}`;
      // [Homie] "The `set` message must not be retained" (QoS 1 is the host's).
      return [{ topic: `${root}/${p.node}/${p.property}/set`, payload: encoded.payload }];
    },
    credentialTopics: (id) => ({
      publish: [`${base}/${id}/#`, `${base}/5/${id}/#`],
      subscribe: [`${base}/${id}/#`, `${base}/5/${id}/#`, `${base}/$broadcast/#`, `${base}/5/$broadcast/#`],
    }),
  };
}
