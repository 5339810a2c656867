// The ESPHome adapter, after its MQTT client component (esphome.io/components/mqtt; esphome/components/mqtt/*.cpp):
// a node publishes `<topic_prefix>/status` (`online` birth, `offline` will and shutdown, retained), each entity's state
// on `<topic_prefix>/<component>/<object_id>/state` (fan and cover parts one level deeper), listens on `…/command`,
// and, with `discover_ip` (on by default), tells `esphome/discover/<node name>` its name, MAC, board and platform.
//
// Recognition: ESPHome's topic_prefix defaults to the node name, so there is no fixed root. Hearth listens to
// `+/status`, `+/+/+/state` and `+/+/+/+/state`, and takes a prefix as an ESPHome node only once it has said
// `online`/`offline` on `<prefix>/status`, announced itself on `esphome/discover/<prefix>`, is listed in
// `adapters.esphome.nodes` (the way to take a prefix of several levels), or was taken before (the registry remembers).
// States of a prefix not (yet) taken are kept, a bounded few, and read once it is: retained messages arrive in no
// promised order. Roots of other ecosystems (homeassistant/…, whose own examples use `<component>/<id>/state`) are
// never taken, and only ESPHome's component names count as the second level, so other `x/status` devices stay out.
import { idFromName } from '../device-id.js';
import type { Capability } from '../device-schema.js';
import { encodeEsphomeCommand, ESPHOME_COMPONENTS, readEsphomeState, type EsphomeProperty } from './esphome-components.js';
import { problem, type Adapter, type AdapterMessage, type AdapterSettings, type Decoded, type KnownDevice } from './types.js';

/** How the adapter addresses a node, kept by the registry: its topic prefix and each property's component topic. */
export interface EsphomeNative {
  prefix: string;
  props: Record<string, EsphomeProperty>;
}

interface Node {
  prefix: string;
  name?: string;
  model?: string;
  manufacturer?: string;
  props: Map<string, EsphomeProperty>;
  online?: boolean;
  /** Described to the registry since the hub started (a node restored from before is described again). */
  described: boolean;
}

/** Roots other ecosystems use for their own `<root>/status`: never ESPHome nodes. */
const NOT_NODES = new Set([
  'homeassistant',
  'hearth',
  'home',
  'homie',
  'zigbee2mqtt',
  'tasmota',
  'tele',
  'stat',
  'cmnd',
  'shellies',
  'owntracks',
  '$SYS',
]);
// A state is a number, ON/OFF or a small JSON object; a text sensor rarely more than a few hundred bytes.
const MAX_PAYLOAD = 16 * 1024;
/** States of prefixes not taken yet, kept to be read when they are (bounded: anyone may publish x/sensor/y/state). */
const MAX_PENDING = 500;

/** `<prefix>/status` and ESPHome-shaped state topics of any prefix, the discovery topic, and the nodes listed. */
export function esphomeFilters(base: string, nodes: string[] = []): string[] {
  const own = (p: string) => [`${p}/status`, `${p}/+/+/state`, `${p}/+/+/+/state`];
  return [...own('+'), `${base}/discover/+`, ...nodes.flatMap(own)];
}

/** Which of a node's topics a topic is: [prefix, what] (a listed prefix of several levels first). */
export function splitEsphomeTopic(topic: string, nodes: string[] = []): { prefix: string; rest: string[] } | undefined {
  const listed = nodes.filter((n) => topic.startsWith(`${n}/`)).sort((a, b) => b.length - a.length)[0];
  const prefix = listed ?? topic.slice(0, topic.indexOf('/'));
  if (!prefix) return undefined;
  const rest = topic.slice(prefix.length + 1).split('/');
  if (rest.length === 1 && rest[0] === 'status') return { prefix, rest };
  if ((rest.length === 3 || rest.length === 4) && rest.at(-1) === 'state' && ESPHOME_COMPONENTS.includes(rest[0]!)) return { prefix, rest };
  return undefined;
}

export function esphomeAdapter(settings: Pick<AdapterSettings, 'baseTopic' | 'nodes'>): Adapter {
  const base = settings.baseTopic;
  const listed = settings.nodes ?? [];
  const nodes = new Map<string, Node>();
  const pending = new Map<string, string>();

  const take = (prefix: string): Node => {
    const n = nodes.get(prefix) ?? { prefix, props: new Map(), described: false };
    nodes.set(prefix, n);
    return n;
  };
  for (const prefix of listed) take(prefix);

  const describe = (n: Node): Decoded => {
    n.described = true;
    const capabilities: Record<string, Capability> = {};
    for (const [id, p] of n.props) capabilities[id] = p.capability;
    const native: EsphomeNative = { prefix: n.prefix, props: Object.fromEntries(n.props) };
    const about = { ...(n.model ? { model: n.model } : {}), ...(n.manufacturer ? { manufacturer: n.manufacturer } : {}) };
    return { kind: 'device', key: n.prefix, name: n.name ?? n.prefix, ...about, capabilities, native };
  };
  const availability = (n: Node, reason: string): Decoded[] =>
    n.online === undefined ? [] : [{ kind: 'availability', key: n.prefix, online: n.online, reason }];

  const onState = (n: Node, topic: string, rest: string[], payload: string): Decoded[] => {
    const [component, objectId] = rest as [string, string];
    const read = readEsphomeState(component, objectId, rest.length === 4 ? rest[2] : undefined, payload);
    if ('error' in read) {
      return [problem(`state ${topic}`, `${topic} was not read: ${read.error} (logged once for this topic)`, 'malformed')];
    }
    const out: Decoded[] = [];
    let changed = !n.described;
    for (const p of read) {
      const before = n.props.get(p.id);
      if (!before || JSON.stringify(before.address) !== JSON.stringify(p.address)) {
        n.props.set(p.id, { id: p.id, capability: p.capability, address: p.address });
        changed = true;
      }
    }
    const fresh = !n.described;
    if (changed) out.push(describe(n));
    if (read.length > 0) out.push({ kind: 'readings', key: n.prefix, values: Object.fromEntries(read.map((p) => [p.id, p.value])) });
    if (fresh) out.push(...availability(n, `said ${n.online ? 'online' : 'offline'} on ${n.prefix}/status`));
    return out;
  };

  /** A prefix taken now: what it said before is read. */
  const replay = (n: Node): Decoded[] => {
    const out: Decoded[] = [];
    for (const [topic, payload] of [...pending]) {
      if (!topic.startsWith(`${n.prefix}/`)) continue;
      pending.delete(topic);
      const split = splitEsphomeTopic(topic, [n.prefix]);
      if (split) out.push(...onState(n, topic, split.rest, payload));
    }
    return out;
  };

  const onDiscover = (name: string, payload: string): Decoded[] => {
    let info: Record<string, unknown>;
    try {
      info = JSON.parse(payload) as Record<string, unknown>;
    } catch {
      return [problem(`discover ${name}`, `${base}/discover/${name} is not JSON; ignored (logged once)`, 'malformed')];
    }
    if (!info || typeof info !== 'object') return [];
    const n = take(name);
    const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
    n.name = text(info.friendly_name) ?? text(info.name) ?? n.name;
    n.model = text(info.board) ?? n.model;
    n.manufacturer = text(info.platform) ?? n.manufacturer;
    return [describe(n), ...availability(n, 'announced on esphome/discover'), ...replay(n)];
  };

  return {
    name: 'esphome',
    filters: esphomeFilters(base, listed),
    maxPayload: MAX_PAYLOAD,
    restore(known: KnownDevice[]) {
      for (const d of known) {
        const native = d.native as Partial<EsphomeNative> | null;
        const n = take(native?.prefix ?? d.key);
        n.name = d.name ?? undefined;
        for (const [id, p] of Object.entries(native?.props ?? {})) n.props.set(id, p);
      }
    },
    decode(message: AdapterMessage): Decoded[] {
      const { topic } = message;
      const payload = message.payload.toString('utf8');
      if (message.payload.length === 0) return [];
      if (topic.startsWith(`${base}/discover/`)) return onDiscover(topic.slice(base.length + '/discover/'.length), payload);
      const split = splitEsphomeTopic(topic, listed);
      if (!split || NOT_NODES.has(split.prefix) || idFromName(split.prefix) === '') return [];
      const { prefix, rest } = split;
      if (rest[0] === 'status') {
        if (payload !== 'online' && payload !== 'offline') return [];
        const n = take(prefix);
        n.online = payload === 'online';
        if (!n.described) {
          const out = replay(n);
          // A node known from before (restored) is described again at its first word; a new one at its first state.
          return n.described || n.props.size === 0 ? out : [describe(n), ...availability(n, `said ${payload} on ${topic}`)];
        }
        return availability(n, message.retain ? 'retained status' : `said ${payload} on ${topic}`);
      }
      const n = nodes.get(prefix);
      if (!n) {
        if (pending.size >= MAX_PENDING) pending.delete(pending.keys().next().value!);
        pending.set(topic, payload);
        return [];
      }
      return onState(n, topic, rest, payload);
    },
    encode(device, property, value) {
      const native = device.native as Partial<EsphomeNative> | null;
      const prefix = native?.prefix ?? device.key;
      const p = native?.props?.[property] ?? nodes.get(prefix)?.props.get(property);
      if (!p) return `${device.name ?? device.id} has reported no property ${property} on its ESPHome topics`;
      const encoded = encodeEsphomeCommand(prefix, p, value);
      return typeof encoded === 'string' ? `${property} of ${device.name ?? device.id} cannot be set: ${encoded}` : [encoded];
    },
    // The node's own topics, its discovery info, and (default prefix) the Home Assistant discovery it also sends.
    credentialTopics: (id) => ({
      publish: [`${id}/#`, `${base}/discover/${id}`, `homeassistant/+/${id}/+/config`],
      subscribe: [`${id}/#`, `${base}/discover`, `${base}/ping/${id}`, 'homeassistant/status'],
    }),
  };
}

/**
 * The ESPHome node a Home Assistant discovery config comes from, as `esphome:<topic prefix>`: ESPHome's configs
 * (mqtt_component.cpp, send_discovery_) name the node's MAC as `device.identifiers`, `<prefix>/status` as
 * availability topic and `<prefix>/<component>/<object_id>/state|command` as topics.
 */
export function esphomeTwin(component: string, config: Record<string, unknown>): string | undefined {
  const device = (config.device ?? {}) as Record<string, unknown>;
  const ids = Array.isArray(device.identifiers) ? device.identifiers : [device.identifiers];
  if (!ids.some((id) => typeof id === 'string' && /^[0-9a-f]{12}$/i.test(id))) return undefined;
  const avty = typeof config.availability_topic === 'string' ? config.availability_topic : undefined;
  if (!avty?.endsWith('/status')) return undefined;
  const prefix = avty.slice(0, -'/status'.length);
  const own = (t: unknown) => typeof t === 'string' && t.startsWith(`${prefix}/${component}/`) && /\/(state|command)$/.test(t);
  return prefix && (own(config.state_topic) || own(config.command_topic)) ? `esphome:${prefix}` : undefined;
}
