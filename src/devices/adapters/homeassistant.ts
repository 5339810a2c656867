// Long file: one adapter's discovery lifecycle (configs, availability, attributes, removal) on one entity map.
// The Home Assistant MQTT discovery adapter: devices that announce themselves on `<prefix>/…/config` (ESPHome,
// Tasmota, Shelly, OpenMQTTGateway, Zigbee2MQTT, … — one adapter, hundreds of models). Entities that share a `device`
// block are one Hearth device; their state, availability and attribute topics are watched as configs name them.
import { idFromName, uniqueId } from '../device-id.js';
import type { Capability } from '../device-schema.js';
import { deviceOf, parseDiscoveryTopic, readDiscovery, type DiscoveredEntity, type DiscoveryTopic } from './homeassistant-config.js';
import {
  decodeStateValue,
  describeEntity,
  encodeEntityCommand,
  haTemplate,
  templatesOf,
  type EntitySpec,
} from './homeassistant-entities.js';
import { renderValue } from './homeassistant-template.js';
import { nativeTwins } from './native-twins.js';
import { problem, type Adapter, type AdapterContext, type AdapterMessage, type Decoded, type KnownDevice } from './types.js';

/** How the adapter addresses a device, kept by the registry: its entities with their topics and templates. */
export interface HaNative {
  entities: Record<string, EntitySpec>;
}

interface HaDevice {
  key: string;
  name: string;
  model?: string;
  manufacturer?: string;
  entities: Map<string, EntitySpec>;
  /** The same device as a native adapter reads it (an ESPHome node): see native-twins.ts. */
  sameAs?: Set<string>;
}

type Handler = { key: string; entity: EntitySpec };

// Discovery configs are a few KiB; a state payload rarely more than one.
const MAX_PAYLOAD = 256 * 1024;

export function homeAssistantAdapter(prefix: string): Adapter {
  const devices = new Map<string, HaDevice>();
  const entityDevice = new Map<string, string>();
  const byConfigTopic = new Map<string, Set<string>>();
  let states = new Map<string, Handler[]>();
  let availability = new Map<string, Handler[]>();
  let attributes = new Map<string, Handler[]>();
  const availabilityState = new Map<string, Map<string, boolean>>();
  let watched = new Set<string>();
  /** The last payload on each watched topic: an entity announced later on a topic already watched (the bedroom's
   *  humidity after its temperature, on one state topic) reads it at once, as a new subscription would. */
  const last = new Map<string, string>();
  let context: AdapterContext | undefined;

  const reindex = () => {
    states = new Map();
    availability = new Map();
    attributes = new Map();
    const add = (index: Map<string, Handler[]>, topic: string, h: Handler) => {
      const list = index.get(topic) ?? [];
      if (!list.some((x) => x.entity === h.entity)) list.push(h);
      index.set(topic, list);
    };
    for (const d of devices.values()) {
      for (const entity of d.entities.values()) {
        for (const p of entity.props) if (p.state) add(states, p.state.topic, { key: d.key, entity });
        for (const a of entity.availability?.topics ?? []) add(availability, a.topic, { key: d.key, entity });
        if (entity.attributes) add(attributes, entity.attributes.topic, { key: d.key, entity });
      }
    }
    const now = new Set([...states.keys(), ...availability.keys(), ...attributes.keys()]);
    if (context) {
      for (const t of now) if (!watched.has(t)) context.watch(t);
      for (const t of watched) if (!now.has(t)) context.unwatch(t);
    }
    for (const t of last.keys()) if (!now.has(t)) last.delete(t);
    watched = now;
  };

  const describe = (d: HaDevice): Decoded => {
    const capabilities: Record<string, Capability> = {};
    for (const e of d.entities.values()) for (const p of e.props) capabilities[p.id] = p.capability;
    const native: HaNative = { entities: Object.fromEntries(d.entities) };
    return {
      kind: 'device',
      key: d.key,
      name: d.name,
      ...(d.model ? { model: d.model } : {}),
      ...(d.manufacturer ? { manufacturer: d.manufacturer } : {}),
      capabilities,
      native,
      ...(d.sameAs?.size ? { sameAs: [...d.sameAs] } : {}),
    };
  };

  /** Property ids within a device: a property keeps the id it had; a new one takes its plain name, or its entity's prefix when taken. */
  const assignIds = (d: HaDevice, spec: EntitySpec) => {
    const previous = d.entities.get(spec.id);
    const taken = new Set<string>();
    for (const e of d.entities.values()) if (e.id !== spec.id) for (const p of e.props) taken.add(p.id);
    for (const p of spec.props) {
      const kept = previous?.props.find((x) => x.base === p.base)?.id;
      let id = kept && !taken.has(kept) ? kept : p.base;
      if (taken.has(id) && spec.slug && spec.slug !== p.base) id = idFromName(`${spec.slug}_${p.base}`);
      p.id = uniqueId(id, (x) => taken.has(x));
      taken.add(p.id);
    }
  };

  const removeEntity = (entityId: string, touched: Set<string>) => {
    const key = entityDevice.get(entityId);
    if (key === undefined) return;
    entityDevice.delete(entityId);
    availabilityState.delete(entityId);
    devices.get(key)?.entities.delete(entityId);
    touched.add(key);
  };

  const problemsOfTemplates = (spec: EntitySpec, topic: string, deviceName: string): Decoded[] => {
    const out: Decoded[] = [];
    for (const p of spec.props) {
      for (const { field, template, command } of templatesOf(p)) {
        const t = haTemplate(template);
        if (!('error' in t)) continue;
        p.capability = {
          ...p.capability,
          unsupported: `its ${field} ${JSON.stringify(template)} cannot be evaluated: ${t.error}`,
          ...(command ? { settable: false } : {}),
        };
        out.push(
          problem(
            `template ${spec.id} ${field}`,
            `${topic}: ${p.id} of ${deviceName} is marked unsupported: its ${field} ${JSON.stringify(template)} is beyond Hearth's templates (${t.error}) (logged once)`,
            'unsupported',
          ),
        );
      }
    }
    return out;
  };

  const onConfig = (where: DiscoveryTopic, topic: string, payload: string): Decoded[] => {
    const out: Decoded[] = [];
    const touched = new Set<string>();
    const added = new Set<string>();
    const announced = byConfigTopic.get(topic) ?? new Set<string>();
    if (payload.length === 0) {
      // "a configuration update with an empty payload will cause a previously discovered device to be deleted"
      for (const id of announced) removeEntity(id, touched);
      byConfigTopic.delete(topic);
    } else {
      const read = readDiscovery(where, payload);
      if ('error' in read) return [problem(`config ${topic}`, `${topic} ${read.error}; the config is ignored (logged once)`, 'malformed')];
      if (read.unknownKeys.length)
        out.push(
          problem(`keys ${topic}`, `${topic} has keys Hearth does not use: ${read.unknownKeys.slice(0, 10).join(', ')} (logged once)`),
        );
      for (const id of read.removed) {
        removeEntity(id, touched);
        announced.delete(id);
      }
      for (const entity of read.entities) {
        if (entity.config.migrate_discovery === true) continue;
        if (!entityDevice.has(entity.id)) added.add(entity.id);
        out.push(...addEntity(entity, topic, touched));
        announced.add(entity.id);
      }
      byConfigTopic.set(topic, announced);
    }
    for (const key of touched) {
      const d = devices.get(key);
      if (!d) continue;
      if (d.entities.size === 0) {
        devices.delete(key);
        out.push({ kind: 'removed', key, reason: `its discovery config was removed (${topic})` });
      } else out.push(describe(d));
    }
    reindex();
    // Entities announced here for the first time read what their topics last carried.
    const topics = new Set<string>();
    for (const id of added) {
      const d = devices.get(entityDevice.get(id) ?? '');
      const e = d?.entities.get(id);
      for (const p of e?.props ?? []) if (p.state) topics.add(p.state.topic);
      for (const a of e?.availability?.topics ?? []) topics.add(a.topic);
      if (e?.attributes) topics.add(e.attributes.topic);
    }
    for (const t of topics) {
      const payload = last.get(t);
      if (payload !== undefined) out.push(...onState(t, payload, added));
    }
    return out;
  };

  const addEntity = (entity: DiscoveredEntity, topic: string, touched: Set<string>): Decoded[] => {
    const dev = deviceOf(entity);
    const existing = devices.get(dev.key);
    const name =
      dev.name ??
      existing?.name ??
      (typeof entity.config.name === 'string' && entity.config.name ? entity.config.name : entity.id.split(' ').at(-1)!);
    const spec = describeEntity(entity, name);
    if ('error' in spec)
      return [problem(`component ${topic} ${entity.id}`, `${topic}: ${spec.error}; that entity is left out (logged once)`, 'unsupported')];
    const previousKey = entityDevice.get(entity.id);
    if (previousKey !== undefined && previousKey !== dev.key) removeEntity(entity.id, touched);
    const d: HaDevice = existing ?? { key: dev.key, name, entities: new Map() };
    d.name = name;
    if (dev.model) d.model = dev.model;
    if (dev.manufacturer) d.manufacturer = dev.manufacturer;
    const twins = nativeTwins(entity.component, entity.config);
    if (twins.length > 0) d.sameAs = new Set([...(d.sameAs ?? []), ...twins]);
    devices.set(d.key, d);
    const problems = problemsOfTemplates(spec, topic, name);
    assignIds(d, spec);
    d.entities.set(spec.id, spec);
    entityDevice.set(spec.id, d.key);
    touched.add(d.key);
    return problems;
  };

  const onState = (topic: string, payload: string, only?: Set<string>): Decoded[] => {
    const out: Decoded[] = [];
    const readings = new Map<string, Record<string, unknown>>();
    const pick = (handlers: Handler[] | undefined) => (handlers ?? []).filter((h) => !only || only.has(h.entity.id));
    for (const { key, entity } of pick(states.get(topic))) {
      for (const p of entity.props) {
        if (p.state?.topic !== topic || p.capability.unsupported) continue;
        try {
          const value = decodeStateValue(p, payload);
          if (value === undefined) continue;
          const values = readings.get(key) ?? {};
          values[p.id] = value;
          readings.set(key, values);
        } catch (err) {
          out.push(
            problem(
              `state ${entity.id} ${p.id}`,
              `${topic}: ${p.id} of ${devices.get(key)?.name ?? key} was not read from ${JSON.stringify(payload.slice(0, 60))}: ${(err as Error).message} (logged once)`,
              'malformed',
            ),
          );
        }
      }
    }
    for (const { key, entity } of pick(attributes.get(topic))) {
      let attrs: unknown;
      try {
        attrs = entity.attributes!.template ? renderJson(entity.attributes!.template, payload) : JSON.parse(payload);
      } catch {
        attrs = undefined;
      }
      if (!attrs || typeof attrs !== 'object' || Array.isArray(attrs)) continue;
      const declared = new Set([...(devices.get(key)?.entities.values() ?? [])].flatMap((e) => e.props.map((p) => p.id)));
      const values = readings.get(key) ?? {};
      for (const [k, v] of Object.entries(attrs)) {
        const id = idFromName(k);
        values[declared.has(id) ? idFromName(`${entity.slug ?? 'attr'}_${k}`) : id] = v;
      }
      readings.set(key, values);
    }
    for (const [key, values] of readings) out.unshift({ kind: 'readings', key, values });
    for (const { key, entity } of pick(availability.get(topic))) {
      const spec = entity.availability!;
      const per = availabilityState.get(entity.id) ?? new Map<string, boolean>();
      for (const a of spec.topics.filter((x) => x.topic === topic)) {
        let text: unknown = payload;
        if (a.template) {
          const t = haTemplate(a.template);
          text = 'error' in t ? payload : renderValue(t, payload);
        }
        if (String(text) === a.available) per.set(topic, true);
        else if (String(text) === a.notAvailable) per.set(topic, false);
      }
      availabilityState.set(entity.id, per);
      const known = spec.topics.map((a) => per.get(a.topic));
      const online =
        spec.mode === 'all' ? known.every((v) => v === true) : spec.mode === 'any' ? known.some((v) => v === true) : per.get(topic);
      if (online !== undefined)
        out.push({ kind: 'availability', key, online, reason: `${online ? 'available' : 'not available'} on ${topic}` });
    }
    return out;
  };

  return {
    name: 'homeassistant',
    filters: [`${prefix}/#`],
    maxPayload: MAX_PAYLOAD,
    restore(known: KnownDevice[], ctx: AdapterContext) {
      context = ctx;
      for (const k of known) {
        const native = k.native as Partial<HaNative> | null;
        const entities = new Map(Object.entries(native?.entities ?? {}));
        devices.set(k.key, { key: k.key, name: k.name ?? k.key, entities });
        for (const id of entities.keys()) entityDevice.set(id, k.key);
      }
      reindex();
    },
    start(ctx: AdapterContext) {
      context = ctx;
      reindex();
      // Home Assistant's birth message: devices that announce themselves on it (ESPHome, Tasmota, Zigbee2MQTT) do so now.
      ctx.publish({ topic: `${prefix}/status`, payload: 'online' });
    },
    decode(message: AdapterMessage, ctx: AdapterContext): Decoded[] {
      context = ctx;
      const where = parseDiscoveryTopic(prefix, message.topic);
      const payload = message.payload.toString('utf8');
      if (where) return onConfig(where, message.topic, payload);
      if (message.payload.length === 0) return [];
      if (watched.has(message.topic)) last.set(message.topic, payload);
      return onState(message.topic, payload);
    },
    encode(device, property, value) {
      const native = device.native as Partial<HaNative> | null;
      for (const entity of Object.values(native?.entities ?? {})) {
        const p = entity.props.find((x) => x.id === property);
        if (!p) continue;
        const encoded = encodeEntityCommand(p, value);
        return typeof encoded === 'string' ? `${property} of ${device.name ?? device.id} cannot be set: ${encoded}` : [encoded];
      }
      return `${device.name ?? device.id} has no property ${property} in its discovery configs`;
    },
    credentialTopics: (id) => ({ publish: [`${prefix}/#`, `${id}/#`], subscribe: [`${prefix}/status`, `${id}/#`] }),
  };
}

function renderJson(template: string, payload: string): unknown {
  const t = haTemplate(template);
  if ('error' in t) return JSON.parse(payload);
  const v = renderValue(t, payload);
  return typeof v === 'string' ? JSON.parse(v) : v;
}
