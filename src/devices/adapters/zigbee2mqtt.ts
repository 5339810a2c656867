// The Zigbee2MQTT adapter, after its "MQTT Topics and Messages" (guide/usage/mqtt_topics_and_messages.md):
// `<base>/bridge/devices` (retained) names every device with its model, vendor and exposes; `<base>/<friendly_name>`
// carries its JSON state; `<base>/<friendly_name>/availability` and `<base>/bridge/state` say online/offline (plain or
// JSON); commands are `<base>/<friendly_name>/set` with a JSON body. Devices are keyed by IEEE address, so a rename
// keeps the Hearth id and history.
import { commandValue } from '../capabilities.js';
import { exposesToCapabilities, type ExposedProperty } from './zigbee2mqtt-exposes.js';
import { idFromName } from '../device-id.js';
import type { Capability } from '../device-schema.js';
import { problem, type Adapter, type AdapterContext, type AdapterMessage, type Decoded, type Encoded, type KnownDevice } from './types.js';

/** How the adapter addresses a device, kept by the registry: its friendly name and each property's key in its state. */
export interface Z2mNative {
  friendlyName: string;
  props: Record<string, string>;
}

interface Known {
  name: string;
  props: Record<string, string>;
  /** From its exposes: keys of the state its definition lists (others are reported once). */
  exposed: boolean;
}

// A device state is a few hundred bytes; anything near this is not one (bridge/devices may be larger: not limited).
const MAX_STATE = 64 * 1024;

/** `online` / `offline` or `{"state":"online"}` (device-availability.md, "Availability payload"); undefined if neither. */
export function parseAvailability(payload: string): boolean | undefined {
  let text = payload.trim();
  if (text.startsWith('{')) {
    try {
      text = String((JSON.parse(text) as { state?: unknown }).state ?? '');
    } catch {
      return undefined;
    }
  }
  return text === 'online' ? true : text === 'offline' ? false : undefined;
}

/** The fields of a bridge/devices entry Hearth reads (guide/usage/mqtt_topics_and_messages.md, zigbee2mqtt/bridge/devices). */
interface BridgeDevice {
  type?: unknown;
  ieee_address?: unknown;
  friendly_name?: unknown;
  model_id?: unknown;
  manufacturer?: unknown;
  definition?: { model?: unknown; vendor?: unknown; exposes?: unknown } | null;
}

const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** One entry of bridge/devices as a Hearth device; undefined for the coordinator. */
export function describeBridgeDevice(entry: unknown): (Extract<Decoded, { kind: 'device' }> & { native: Z2mNative }) | undefined {
  if (!entry || typeof entry !== 'object') return undefined;
  const d = entry as BridgeDevice;
  if (d.type === 'Coordinator' || typeof d.ieee_address !== 'string') return undefined;
  const name = typeof d.friendly_name === 'string' && d.friendly_name !== '' ? d.friendly_name : d.ieee_address;
  const exposed: Record<string, ExposedProperty> = exposesToCapabilities(d.definition?.exposes);
  const capabilities: Record<string, Capability> = {};
  const props: Record<string, string> = {};
  for (const [id, p] of Object.entries(exposed)) {
    capabilities[id] = p.capability;
    props[id] = p.z2m;
  }
  return {
    kind: 'device',
    key: d.ieee_address,
    name,
    model: text(d.definition?.model) ?? text(d.model_id) ?? null,
    manufacturer: text(d.definition?.vendor) ?? text(d.manufacturer) ?? null,
    capabilities,
    native: { friendlyName: name, props },
    aliases: [name],
  };
}

/** The /set publish for one property (a nested value such as `color: {x, y}` is sent as JSON, as it came). */
export function encodeZ2mCommand(base: string, friendlyName: string, key: string, value: unknown): Encoded {
  return { topic: `${base}/${friendlyName}/set`, payload: JSON.stringify({ [key]: value }) };
}

export function zigbee2mqttAdapter(base: string): Adapter {
  const known = new Map<string, Known>(); // by key (IEEE address, or the name of a device not listed yet)
  const byName = new Map<string, string>(); // friendly name -> key
  const groups = new Set<string>();
  const available = new Map<string, boolean>();
  let bridgeOnline: boolean | undefined;

  const remember = (key: string, name: string, props: Record<string, string>, exposed: boolean) => {
    const before = known.get(key);
    if (before && byName.get(before.name) === key) byName.delete(before.name);
    known.set(key, { name, props, exposed });
    byName.set(name, key);
  };
  const availabilityOf = (key: string, reason: string): Decoded[] => {
    if (bridgeOnline === false) return [{ kind: 'availability', key, online: false, reason: 'the Zigbee2MQTT bridge is offline' }];
    const own = available.get(key);
    if (own !== undefined) return [{ kind: 'availability', key, online: own, reason }];
    // Without Zigbee2MQTT's availability feature a device is as available as its bridge (as Home Assistant has it).
    return bridgeOnline ? [{ kind: 'availability', key, online: true, reason: 'its Zigbee2MQTT bridge is online' }] : [];
  };

  const onDevices = (payload: string): Decoded[] => {
    let list: unknown;
    try {
      list = JSON.parse(payload);
    } catch {
      return [problem('bridge/devices', `${base}/bridge/devices is not JSON; its device list is ignored (logged once)`, 'malformed')];
    }
    if (!Array.isArray(list))
      return [problem('bridge/devices', `${base}/bridge/devices is not a list; ignored (logged once)`, 'malformed')];
    const out: Decoded[] = [];
    const seen = new Set<string>();
    for (const entry of list) {
      const device = describeBridgeDevice(entry);
      if (!device) continue;
      seen.add(device.key);
      remember(device.key, device.name, device.native.props, Object.keys(device.native.props).length > 0);
      out.push(device, ...availabilityOf(device.key, 'listed by its bridge'));
    }
    // Devices known before and not listed now were removed from the Zigbee network. (One known only by its name
    // until now was announced above under its address, with its name as an alias: the registry moved it there.)
    for (const [key, k] of [...known]) {
      if (seen.has(key)) continue;
      known.delete(key);
      if (byName.get(k.name) === key) byName.delete(k.name);
      out.push({ kind: 'removed', key, reason: `no longer listed in ${base}/bridge/devices` });
    }
    return out;
  };

  const onEvent = (payload: string): Decoded[] => {
    // bridge/event: { type: 'device_leave', data: { ieee_address, friendly_name } } among others.
    let event: { type?: unknown; data?: { ieee_address?: unknown; friendly_name?: unknown } | null } | null;
    try {
      event = JSON.parse(payload);
    } catch {
      return [];
    }
    if (event?.type !== 'device_leave') return [];
    const friendlyName = text(event.data?.friendly_name);
    const key = event.data?.ieee_address ?? (friendlyName === undefined ? undefined : byName.get(friendlyName));
    if (typeof key !== 'string' || !known.has(key)) return [];
    const k = known.get(key)!;
    known.delete(key);
    if (byName.get(k.name) === key) byName.delete(k.name);
    return [{ kind: 'removed', key, reason: 'it left the Zigbee network' }];
  };

  const onRename = (payload: string): Decoded[] => {
    // bridge/response/device/rename: { status: 'ok', data: { from, to } }.
    let response: { status?: unknown; data?: { from?: unknown; to?: unknown } | null } | null;
    try {
      response = JSON.parse(payload);
    } catch {
      return [];
    }
    const { from, to } = response?.data ?? {};
    if (response?.status !== 'ok' || typeof from !== 'string' || typeof to !== 'string') return [];
    const key = byName.get(from) ?? (known.has(from) ? from : undefined);
    if (!key) return [];
    const k = known.get(key)!;
    remember(key, to, k.props, k.exposed);
    return [{ kind: 'device', key, name: to, native: { friendlyName: to, props: k.props } satisfies Z2mNative }];
  };

  const onState = (name: string, payload: string): Decoded[] => {
    if (groups.has(name)) return [];
    let state: unknown;
    try {
      state = JSON.parse(payload);
    } catch {
      return [
        problem(
          `state ${name}`,
          `${base}/${name} is not JSON, which Zigbee2MQTT always publishes; ignored (logged once for this device)`,
          'malformed',
        ),
      ];
    }
    if (!state || typeof state !== 'object' || Array.isArray(state)) {
      return [
        problem(`state ${name}`, `${base}/${name} is not a JSON object of properties; ignored (logged once for this device)`, 'malformed'),
      ];
    }
    const key = byName.get(name) ?? name;
    const k = known.get(key);
    const values: Record<string, unknown> = {};
    const out: Decoded[] = [];
    const inverse = k ? new Map(Object.entries(k.props).map(([id, z]) => [z, id])) : undefined;
    for (const [z, value] of Object.entries(state)) {
      const id = inverse?.get(z) ?? idFromName(z);
      values[id] = value;
      if (k?.exposed && !inverse?.has(z)) {
        out.push(
          problem(
            `key ${key} ${z}`,
            `${base}/${name} reported "${z}", which its exposes do not list; it is kept with a type inferred from its value (logged once)`,
          ),
        );
      }
    }
    if (!k) remember(key, name, Object.fromEntries(Object.keys(state).map((z) => [idFromName(z), z])), false);
    else if (!k.exposed) for (const z of Object.keys(state)) k.props[idFromName(z)] ??= z;
    out.unshift({ kind: 'readings', key, name, values });
    return out;
  };

  return {
    name: 'zigbee2mqtt',
    filters: [`${base}/#`],
    maxPayload: Number.POSITIVE_INFINITY, // bridge/devices grows with the network; states are limited below
    restore(devices: KnownDevice[]) {
      for (const d of devices) {
        const native = d.native as Partial<Z2mNative> | null;
        remember(d.key, native?.friendlyName ?? d.name ?? d.key, { ...(native?.props ?? {}) }, Object.keys(d.capabilities).length > 0);
      }
    },
    decode(message: AdapterMessage, _ctx: AdapterContext): Decoded[] {
      const rest = message.topic.slice(base.length + 1);
      const payload = message.payload.toString('utf8');
      if (message.payload.length === 0) return [];
      if (rest.startsWith('bridge/')) {
        switch (rest) {
          case 'bridge/devices':
            return onDevices(payload);
          case 'bridge/groups':
            groups.clear();
            try {
              for (const g of JSON.parse(payload) as Array<{ friendly_name?: string }>)
                if (typeof g?.friendly_name === 'string') groups.add(g.friendly_name);
            } catch {
              // A malformed group list names no groups.
            }
            return [];
          case 'bridge/state': {
            const online = parseAvailability(payload);
            if (online === undefined || online === bridgeOnline) return [];
            bridgeOnline = online;
            return [...known.keys()].flatMap((key) =>
              availabilityOf(key, online ? 'its Zigbee2MQTT bridge is online' : 'the Zigbee2MQTT bridge is offline'),
            );
          }
          case 'bridge/event':
            return onEvent(payload);
          case 'bridge/response/device/rename':
            return onRename(payload);
          default:
            return []; // info, logging, definitions, requests, other responses: not about device state
        }
      }
      // A device's own commands (`/set`, `/get`, `/set/<property>`), including the ones Hearth sends.
      if (/\/(set|get)(\/[^/]+)?$/.test(rest)) return [];
      if (rest.endsWith('/availability')) {
        const name = rest.slice(0, -'/availability'.length);
        const online = parseAvailability(payload);
        const key = byName.get(name) ?? name;
        if (online === undefined)
          return [
            problem(
              `availability ${name}`,
              `${message.topic} says ${JSON.stringify(payload.slice(0, 40))}, neither online nor offline; ignored (logged once)`,
              'malformed',
            ),
          ];
        available.set(key, online);
        if (!known.has(key)) return []; // a device not seen yet: its availability waits for it
        return availabilityOf(key, `${online ? 'online' : 'offline'} on ${base}/${name}/availability`);
      }
      if (message.payload.length > MAX_STATE) {
        return [
          problem(
            `huge ${rest}`,
            `${message.topic} sent ${message.payload.length} bytes, more than a device state (${MAX_STATE}); ignored (logged once for this device)`,
            'too_large',
          ),
        ];
      }
      const decoded = onState(rest, payload);
      const first = decoded[0];
      if (first?.kind === 'readings' && available.has(first.key)) decoded.push(...availabilityOf(first.key, 'reported its state'));
      return decoded;
    },
    encode(device, property, value) {
      const native = device.native as Partial<Z2mNative> | null;
      const name = native?.friendlyName ?? known.get(device.key)?.name ?? device.name ?? device.key;
      const capability = device.capabilities[property];
      if (capability && !capability.settable) return `${property} of ${name} cannot be set (its Zigbee2MQTT exposes say it is read-only)`;
      const key = native?.props?.[property] ?? known.get(device.key)?.props[property] ?? property;
      return [encodeZ2mCommand(base, name, key, commandValue(capability, value))];
    },
    credentialTopics: () => ({ publish: [`${base}/#`], subscribe: [`${base}/#`] }),
  };
}
