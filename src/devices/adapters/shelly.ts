// biome-ignore-all lint/suspicious/noAssignInExpressions: topics are told apart by a chain of `if ((m = re.exec(…)))`
// The Shelly adapter. Gen1 (shelly-api-docs.shelly.cloud/gen1, MQTT): `shellies/<id>/relay/<n>` on/off with
// `…/command`, `…/power` and `…/energy`, `light/<n>` and its `set` JSON, `roller/<n>` with `command` and
// `command/pos`, `sensor/<name>`, `online` (true/false, the device's last will) and `announce`. Gen2 and later
// (shelly-api-docs.shelly.cloud/gen2, Mqtt component and Notifications): `<prefix>/online`,
// `<prefix>/status/<component>:<id>` with the component's status, `<prefix>/events/rpc` with NotifyStatus deltas, and
// JSON-RPC requests on `<prefix>/rpc`, whose replies come back on `<src>/rpc`.
//
// Which Gen2 prefixes: a Gen2 device's default prefix is its id, `shelly<model>-<mac>` (shellyplus1pm-a8032ab12345),
// one level. The adapter subscribes `+/online`, `+/status/+` and `+/events/rpc` and takes only first levels that
// start with `shelly` (the rest is dropped unread, without a word); a prefix set under the Gen1 prefix
// (`shellies/<name>`) is recognised by its topics; any other prefix is listed in `adapters.shelly.gen2Prefixes`.
// Every device is keyed by its prefix without the Gen1 prefix, so `shellies/<name>/online` and its status agree.
import { commandValue } from '../capabilities.js';
import { LearntDevices } from './learnt-devices.js';
import { readGen1, readGen2 } from './shelly-components.js';
import { jsonObject } from './tasmota.js';
import { problem, type Adapter, type AdapterMessage, type Decoded, type Encoded, type KnownDevice } from './types.js';

/** How the adapter addresses a device, kept by the registry: its generation and its full topic prefix. */
export interface ShellyNative {
  gen: 1 | 2;
  prefix: string;
}

/** The `src` of Hearth's RPC requests: devices reply on `<src>/rpc` (not under hearth/, which is the hub's own). */
export const SHELLY_RPC_SRC = 'hearth-shelly';
// A component status is well under a KiB; NotifyFullStatus of a Pro 4PM a few KiB.
const MAX_PAYLOAD = 32 * 1024;
const GEN2_REST = /^(online|status\/[^/]+|events\/rpc|rpc)$/;

export function shellyAdapter(base = 'shellies', gen2Prefixes: string[] = []): Adapter {
  const devices = new LearntDevices<ShellyNative>((key) => ({ gen: 1, prefix: `${base}/${key}` }));
  const pending = new Map<number, { key: string; method: string }>();
  let nextId = 1;

  /** Where a topic belongs: the device key, its full prefix, what follows, and its generation when the topic says it. */
  const locate = (topic: string): { key: string; prefix: string; rest: string; gen?: 1 | 2 } | undefined => {
    for (const p of gen2Prefixes) if (topic.startsWith(`${p}/`)) return { key: p, prefix: p, rest: topic.slice(p.length + 1), gen: 2 };
    if (topic.startsWith(`${base}/`)) {
      const [id, ...rest] = topic.slice(base.length + 1).split('/');
      if (!id || rest.length === 0) return undefined;
      const r = rest.join('/');
      return { key: id, prefix: `${base}/${id}`, rest: r, ...(r !== 'online' && GEN2_REST.test(r) ? { gen: 2 as const } : {}) };
    }
    const slash = topic.indexOf('/');
    const first = topic.slice(0, slash);
    if (slash < 0 || !first.startsWith('shelly')) return undefined;
    return { key: first, prefix: first, rest: topic.slice(slash + 1), gen: 2 };
  };

  const readings = (key: string, prefix: string, gen: 1 | 2 | undefined, learnt: Parameters<typeof devices.readings>[2]) =>
    devices.readings(key, key, learnt, (native) => {
      if ((gen === undefined || native.gen === gen) && native.prefix === prefix) return false;
      native.gen = gen ?? native.gen;
      native.prefix = prefix;
      return true;
    });

  const onRpcEvent = (key: string, prefix: string, topic: string, payload: string): Decoded[] => {
    const frame = jsonObject(payload);
    if (!frame) return [problem(`rpc ${key}`, `${topic} is not a JSON-RPC frame; ignored (logged once for ${key})`, 'malformed')];
    if (frame.method !== 'NotifyStatus' && frame.method !== 'NotifyFullStatus') return []; // NotifyEvent: button presses and the like
    const params = (frame.params ?? {}) as Record<string, unknown>;
    const learnt = Object.assign({}, ...Object.entries(params).map(([component, status]) => readGen2(component, status)));
    return Object.keys(learnt).length ? readings(key, prefix, 2, learnt) : [];
  };

  const onReply = (payload: string): Decoded[] => {
    const frame = jsonObject(payload);
    const id = typeof frame?.id === 'number' ? frame.id : undefined;
    const request = id === undefined ? undefined : pending.get(id);
    if (!frame || !request) return [];
    pending.delete(id!);
    const error = frame.error as { code?: unknown; message?: unknown } | undefined;
    if (!error) return [];
    return [
      problem(
        `rpc error ${request.key} ${request.method} ${String(error.code)}`,
        `${request.key} refused ${request.method}: ${String(error.message ?? error.code)} (logged once)`,
      ),
    ];
  };

  return {
    name: 'shelly',
    filters: [
      `${base}/#`,
      '+/online',
      '+/status/+',
      '+/events/rpc',
      `${SHELLY_RPC_SRC}/rpc`,
      ...gen2Prefixes.flatMap((p) => [`${p}/online`, `${p}/status/+`, `${p}/events/rpc`]),
    ],
    maxPayload: MAX_PAYLOAD,
    restore(known: KnownDevice[]) {
      devices.restore(known, (k) => ({ gen: 1, prefix: `${base}/${k.key}`, ...(k.native as Partial<ShellyNative> | null) }));
    },
    decode(message: AdapterMessage): Decoded[] {
      if (message.payload.length === 0) return [];
      const payload = message.payload.toString('utf8');
      if (message.topic === `${SHELLY_RPC_SRC}/rpc`) return onReply(payload);
      if (message.topic === `${base}/announce`) {
        // Every Gen1 device answers `announce` on shellies/command here: {"id":"shelly1pm-…","model":"SHSW-PM",…}.
        const a = jsonObject(payload);
        return typeof a?.id === 'string' ? devices.identify(a.id, a.id, typeof a.model === 'string' ? a.model : null, 'Shelly') : [];
      }
      const where = locate(message.topic);
      if (!where) return [];
      const { key, prefix, rest, gen } = where;
      if (rest === 'online') {
        const text = payload.trim();
        if (text !== 'true' && text !== 'false')
          return [
            problem(
              `online ${key}`,
              `${message.topic} says ${JSON.stringify(text.slice(0, 40))}, neither true nor false; ignored (logged once)`,
              'malformed',
            ),
          ];
        return devices.availability(key, key, text === 'true', `${text === 'true' ? 'online' : 'offline'} on ${message.topic}`);
      }
      if (rest === 'announce') {
        const a = jsonObject(payload);
        return devices.identify(key, key, typeof a?.model === 'string' ? a.model : null, 'Shelly');
      }
      if (rest === 'events/rpc') return onRpcEvent(key, prefix, message.topic, payload);
      if (rest.startsWith('status/')) {
        const status = jsonObject(payload);
        if (!status)
          return [
            problem(
              `status ${message.topic}`,
              `${message.topic} is not a JSON object, which a Gen2 device's status always is; ignored (logged once)`,
              'malformed',
            ),
          ];
        const learnt = readGen2(rest.slice('status/'.length), status);
        return Object.keys(learnt).length ? readings(key, prefix, 2, learnt) : [];
      }
      // Commands, Hearth's included: not readings.
      if (gen === 2 || /\/(command|command\/pos|set)$/.test(rest) || rest === 'command') return [];
      const learnt = readGen1(rest, payload);
      return Object.keys(learnt).length ? readings(key, prefix, 1, learnt) : [];
    },
    encode(device, property, value): Encoded[] | string {
      const native = { gen: 1, prefix: `${base}/${device.key}`, ...(device.native as Partial<ShellyNative> | null) } as ShellyNative;
      const capability = device.capabilities[property];
      const name = device.name ?? device.id;
      if (!capability?.settable) return `${property} of ${name} is read-only`;
      const encoded = native.gen === 2 ? encodeRpc(property, value, capability) : encodeGen1(property, value, capability);
      if (typeof encoded === 'string') return `${property} of ${name}: ${encoded}`;
      if ('topic' in encoded) return [{ topic: `${native.prefix}/${encoded.topic}`, payload: encoded.payload }];
      const id = nextId++;
      pending.set(id, { key: device.key, method: encoded.method });
      // Requests left without reply (a device that is gone) are forgotten beyond a few hundred.
      if (pending.size > 500) pending.delete(pending.keys().next().value!);
      return [
        {
          topic: `${native.prefix}/rpc`,
          payload: JSON.stringify({ id, src: SHELLY_RPC_SRC, method: encoded.method, params: encoded.params }),
        },
      ];
    },
    // A Gen1 device's own topics and the announce it answers; a Gen2 device's prefix (its id) and its replies to Hearth.
    credentialTopics: (id) => ({
      publish: [`${base}/${id}/#`, `${base}/announce`, `${id}/#`, `${SHELLY_RPC_SRC}/rpc`],
      subscribe: [`${base}/${id}/#`, `${base}/command`, `${id}/rpc`],
    }),
  };
}

const toggle = (value: unknown) => typeof value === 'string' && value.toLowerCase() === 'toggle';
const number = (value: unknown) => (typeof value === 'boolean' || value === null || value === '' ? NaN : Number(value));

/** Gen1: a plain payload on a command topic below shellies/<id>/, or the light's `set` JSON. */
export function encodeGen1(
  property: string,
  value: unknown,
  capability: NonNullable<KnownDevice['capabilities'][string]>,
): { topic: string; payload: string } | string {
  let m: RegExpExecArray | null;
  if ((m = /^(relay|light)_(\d+)$/.exec(property))) {
    const v = toggle(value) ? 'toggle' : commandValue(capability, value);
    return v === 'on' || v === 'off' || v === 'toggle'
      ? { topic: `${m[1]}/${m[2]}/command`, payload: v }
      : `takes on, off or toggle, got ${JSON.stringify(value)}`;
  }
  if ((m = /^light_(\d+)_brightness$/.exec(property))) {
    const n = number(value);
    const brightness = Math.round(Math.max(0, Math.min(100, n)));
    if (!Number.isFinite(n)) return `takes 0-100, got ${JSON.stringify(value)}`;
    return { topic: `light/${m[1]}/set`, payload: JSON.stringify({ brightness }) };
  }
  if ((m = /^roller_(\d+)$/.exec(property))) {
    const v = String(value).toLowerCase();
    return ['open', 'close', 'stop'].includes(v)
      ? { topic: `roller/${m[1]}/command`, payload: v }
      : `takes open, close or stop, got ${JSON.stringify(value)}`;
  }
  if ((m = /^roller_(\d+)_position$/.exec(property))) {
    const n = number(value);
    return Number.isFinite(n) && n >= 0 && n <= 100
      ? { topic: `roller/${m[1]}/command/pos`, payload: String(Math.round(n)) }
      : `takes 0-100, got ${JSON.stringify(value)}`;
  }
  return 'Shelly Gen1 takes relay, light, brightness, roller and position commands only';
}

/** Gen2+: a JSON-RPC method and its params (Switch.Set, Light.Set, Cover.Open/Close/Stop, Cover.GoToPosition). */
export function encodeRpc(
  property: string,
  value: unknown,
  capability: NonNullable<KnownDevice['capabilities'][string]>,
): { method: string; params: Record<string, unknown> } | string {
  let m: RegExpExecArray | null;
  if ((m = /^(switch|light)_(\d+)$/.exec(property))) {
    const ns = m[1] === 'switch' ? 'Switch' : 'Light';
    const id = Number(m[2]);
    if (toggle(value)) return { method: `${ns}.Toggle`, params: { id } };
    const on = commandValue(capability, value);
    return typeof on === 'boolean' ? { method: `${ns}.Set`, params: { id, on } } : `takes on, off or toggle, got ${JSON.stringify(value)}`;
  }
  if ((m = /^light_(\d+)_brightness$/.exec(property))) {
    const n = number(value);
    return Number.isFinite(n)
      ? { method: 'Light.Set', params: { id: Number(m[1]), brightness: Math.round(Math.max(0, Math.min(100, n))) } }
      : `takes 0-100, got ${JSON.stringify(value)}`;
  }
  if ((m = /^cover_(\d+)$/.exec(property))) {
    const method = { open: 'Cover.Open', close: 'Cover.Close', closed: 'Cover.Close', stop: 'Cover.Stop', stopped: 'Cover.Stop' }[
      String(value).toLowerCase()
    ];
    return method ? { method, params: { id: Number(m[1]) } } : `takes open, close or stop, got ${JSON.stringify(value)}`;
  }
  if ((m = /^cover_(\d+)_position$/.exec(property))) {
    const n = number(value);
    return Number.isFinite(n) && n >= 0 && n <= 100
      ? { method: 'Cover.GoToPosition', params: { id: Number(m[1]), pos: Math.round(n) } }
      : `takes 0-100, got ${JSON.stringify(value)}`;
  }
  return 'Shelly takes switch, light, brightness, cover and position commands only';
}
