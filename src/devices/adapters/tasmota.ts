// The Tasmota adapter, after Tasmota's MQTT documentation (docs/MQTT.md in tasmota/docs): with the default FullTopic
// `%prefix%/%topic%/`, `tele/<topic>/LWT` says Online/Offline (its retained last will), `tele/<topic>/STATE` and
// `tele/<topic>/SENSOR` carry readings, `stat/<topic>/RESULT` and `stat/<topic>/POWER<n>` state changes, and commands
// are `cmnd/<topic>/<command>` with the parameter as payload. Devices are keyed by their Topic. A custom FullTopic
// (`tasmota/%topic%/%prefix%/`) is the adapter's `baseTopic` setting.
import { commandValue } from '../capabilities.js';
import { LearntDevices } from './learnt-devices.js';
import { readSensor, readState } from './tasmota-fields.js';
import { problem, type Adapter, type AdapterMessage, type Decoded, type Encoded } from './types.js';

export const TASMOTA_FULL_TOPIC = '%prefix%/%topic%/';

/** How the adapter addresses a device, kept by the registry: its Topic and each command's name by property. */
export interface TasmotaNative {
  topic: string;
  commands: Record<string, string>;
}

// A STATE or SENSOR is a few hundred bytes (Tasmota's MAX_PACKET_SIZE is 1000 on an ESP8266, larger on an ESP32).
const MAX_PAYLOAD = 16 * 1024;

/** The parts of a FullTopic: topic filters for what devices publish, a parser, and the topic of a command. */
export function fullTopicOf(fullTopic: string) {
  const full = fullTopic.endsWith('/') ? fullTopic : `${fullTopic}/`;
  if (!full.includes('%prefix%') || !full.includes('%topic%')) {
    throw new Error(
      `adapters.tasmota.baseTopic is Tasmota's FullTopic and needs both %prefix% and %topic%, got ${JSON.stringify(fullTopic)}`,
    );
  }
  const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  // %hostname% and %id% stand for a level each; the device is told apart by %topic%.
  const parts = full.split(/(%prefix%|%topic%|%hostname%|%id%)/);
  const pattern = parts
    .map((p) => (p === '%prefix%' ? '(cmnd|stat|tele)' : p === '%topic%' ? '([^/]+)' : p.startsWith('%') ? '[^/]+' : escapeRegExp(p)))
    .join('');
  const re = new RegExp(`^${pattern}([^/]+)$`);
  const prefixFirst = full.indexOf('%prefix%') < full.indexOf('%topic%');
  const filter = (prefix: string) => `${full.replace('%prefix%', prefix).replace(/%(topic|hostname|id)%/g, '+')}+`;
  return {
    filters: [filter('tele'), filter('stat')],
    parse(topic: string): { prefix: string; topic: string; command: string } | undefined {
      const m = re.exec(topic);
      if (!m) return undefined;
      return prefixFirst ? { prefix: m[1]!, topic: m[2]!, command: m[3]! } : { prefix: m[2]!, topic: m[1]!, command: m[3]! };
    },
    topic: (prefix: string, deviceTopic: string, command: string) =>
      `${full.replace('%prefix%', prefix).replace('%topic%', deviceTopic)}${command}`,
  };
}

export function tasmotaAdapter(fullTopic: string = TASMOTA_FULL_TOPIC): Adapter {
  const full = fullTopicOf(fullTopic);
  const devices = new LearntDevices<TasmotaNative>((topic) => ({ topic, commands: {} }));

  const onState = (device: string, message: Record<string, unknown>, withWifi: boolean): Decoded[] => {
    const { learnt, keys } = readState(message, withWifi);
    if (Object.keys(learnt).length === 0) return [];
    return devices.readings(device, device, learnt, (native) => {
      const before = JSON.stringify(native.commands);
      Object.assign(native.commands, keys);
      return JSON.stringify(native.commands) !== before;
    });
  };

  return {
    name: 'tasmota',
    filters: full.filters,
    maxPayload: MAX_PAYLOAD,
    restore(known) {
      devices.restore(known, (k) => ({
        topic: (k.native as Partial<TasmotaNative> | null)?.topic ?? k.key,
        commands: { ...(k.native as Partial<TasmotaNative> | null)?.commands },
      }));
    },
    decode(message: AdapterMessage): Decoded[] {
      if (message.payload.length === 0) return [];
      const where = full.parse(message.topic);
      if (!where || where.prefix === 'cmnd') return [];
      const { topic: device, command } = where;
      const payload = message.payload.toString('utf8').trim();
      if (where.prefix === 'tele' && command === 'LWT') {
        // "tele/tasmota/LWT = Online (retained)" (API.md); the will says Offline.
        if (payload !== 'Online' && payload !== 'Offline') {
          return [
            problem(
              `lwt ${device}`,
              `${message.topic} says ${JSON.stringify(payload.slice(0, 40))}, neither Online nor Offline; ignored (logged once)`,
              'malformed',
            ),
          ];
        }
        return devices.availability(device, device, payload === 'Online', `${payload} on ${message.topic}`);
      }
      if (where.prefix === 'stat' && /^POWER[1-8]?$/.test(command)) {
        // "stat/tasmota/POWER ON", "stat/wemos2/POWER2 ON": one relay's state, plain.
        if (payload !== 'ON' && payload !== 'OFF') return [];
        return onState(device, { [command]: payload }, false);
      }
      if (!['STATE', 'SENSOR', 'RESULT', 'INFO1'].includes(command) || (command === 'RESULT') !== (where.prefix === 'stat')) return [];
      const body = jsonObject(payload);
      if (!body)
        return [
          problem(
            `json ${message.topic}`,
            `${message.topic} is not a JSON object, which Tasmota always sends there; ignored (logged once for ${device})`,
            'malformed',
          ),
        ];
      switch (command) {
        case 'SENSOR':
          return devices.readings(device, device, readSensor(body));
        case 'INFO1': {
          // Newer firmware nests it: {"Info1":{"Module":"Sonoff Basic","Version":…}}; older (API.md) does not.
          const info = (body.Info1 ?? body) as Record<string, unknown>;
          return typeof info.Module === 'string' ? devices.identify(device, device, info.Module, null) : [];
        }
        default:
          return onState(device, body, command === 'STATE');
      }
    },
    encode(device, property, value): Encoded[] | string {
      const native = device.native as Partial<TasmotaNative> | null;
      const topic = native?.topic ?? device.key;
      const command = native?.commands?.[property];
      const capability = device.capabilities[property];
      const name = device.name ?? device.id;
      if (!command || !capability?.settable) return `${property} of ${name} is read-only (Tasmota takes POWER<n>, Dimmer and CT)`;
      let payload: string;
      if (command.startsWith('POWER')) {
        const v = typeof value === 'string' && value.toLowerCase() === 'toggle' ? 'TOGGLE' : commandValue(capability, value);
        if (v !== 'ON' && v !== 'OFF' && v !== 'TOGGLE') return `${property} takes on, off or toggle, got ${JSON.stringify(value)}`;
        payload = v;
      } else {
        const n = Number(value);
        if (typeof value === 'boolean' || !Number.isFinite(n)) return `${property} takes a number, got ${JSON.stringify(value)}`;
        payload = String(Math.round(Math.min(capability.max ?? n, Math.max(capability.min ?? n, n))));
      }
      return [{ topic: full.topic('cmnd', topic, command), payload }];
    },
    // Its telemetry and status, and its own commands (docs/MQTT.md: it subscribes to cmnd/<topic>/#).
    credentialTopics: (id) => ({
      publish: [`${full.topic('tele', id, '#')}`, `${full.topic('stat', id, '#')}`],
      subscribe: [`${full.topic('cmnd', id, '#')}`],
    }),
  };
}

/** A JSON object, or undefined for anything else. */
export function jsonObject(payload: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(payload) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
