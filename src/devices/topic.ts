// Hearth's own vocabulary, `home/<device>/<property>` (DESIGN §2): every home/… topic string is built here, and
// payloads are typed here, for the home adapter, the mirror of other adapters' devices, the API and the rules.
import { ID_RE } from './device-id.js';

export const HOME = 'home';

/** `home/<device>/<property>`: a reading (or, with property `status`, availability). */
export const homeTopic = (deviceId: string, property: string): string => `${HOME}/${deviceId}/${property}`;
/** `home/<device>/status`: `online` / `offline`. */
export const statusTopic = (deviceId: string): string => homeTopic(deviceId, 'status');
/** `home/<device>/`: everything of one device starts so. */
export const devicePrefix = (deviceId: string): string => `${HOME}/${deviceId}/`;
/** `home/<device>/<property>/set`: a command; never retained (`+` as the property: a device's command filter). */
export const commandTopic = (deviceId: string, property: string): string => `${homeTopic(deviceId, property)}/set`;

export interface DeviceTopic {
  deviceId: string;
  property: string;
}

/** `home/kitchen/temperature` → { deviceId: 'kitchen', property: 'temperature' }; anything else → undefined. */
export function parseDeviceTopic(topic: string): DeviceTopic | undefined {
  const parts = topic.split('/');
  if (parts.length !== 3 || parts[0] !== HOME) return undefined;
  const [, deviceId, property] = parts as [string, string, string];
  if (!ID_RE.test(deviceId) || !ID_RE.test(property)) return undefined;
  return { deviceId, property };
}

export type TopicVerdict =
  | { kind: 'reading'; deviceId: string; property: string }
  /** `home/<device>/<property>/set`: a command to a device, not a reading from one. */
  | { kind: 'command'; deviceId: string; property: string }
  | { kind: 'ignored'; reason: IgnoredReason; why: string; pattern: string };

/** Why a topic under `home/` is not a device reading; the label of `hearth_device_topics_ignored_total`. */
export type IgnoredReason = 'levels' | 'uppercase' | 'too_long' | 'characters';

/**
 * Sorts a topic under `home/` into a reading, a command, or a topic that is not taken, with the reason in words and
 * the pattern it stands for (the topic with its last level as `+`), so a log line can be written once per pattern.
 */
export function classifyDeviceTopic(topic: string): TopicVerdict | { kind: 'bad-command' } {
  // The common case first, allocating only the two ids (this runs for every message under home/).
  const first = topic.indexOf('/');
  const second = first < 0 ? -1 : topic.indexOf('/', first + 1);
  if (second > 0 && topic.indexOf('/', second + 1) < 0) {
    const deviceId = topic.slice(first + 1, second);
    const property = topic.slice(second + 1);
    if (ID_RE.test(deviceId) && ID_RE.test(property)) return { kind: 'reading', deviceId, property };
  }
  const parts = topic.split('/');
  if (parts.length === 4 && parts[3] === 'set') {
    return ID_RE.test(parts[1]!) && ID_RE.test(parts[2]!)
      ? { kind: 'command', deviceId: parts[1]!, property: parts[2]! }
      : { kind: 'bad-command' };
  }
  const pattern = parts.length >= 3 ? `${parts.slice(0, -1).join('/')}/+` : topic;
  if (parts.length !== 3) {
    const hint =
      parts.length > 3
        ? `; one device is one level, e.g. home/${parts.slice(1, -1).join('_').toLowerCase()}/${parts.at(-1)!.toLowerCase()}`
        : '';
    return {
      kind: 'ignored',
      reason: 'levels',
      why: `it has ${parts.length} level${parts.length === 1 ? '' : 's'}, and a device reading is home/<device>/<property>${hint}`,
      pattern,
    };
  }
  // Three levels, and the device id or the property (the first that fails) is not an id.
  const [what, id] = ID_RE.test(parts[1]!) ? (['property', parts[2]!] as const) : (['device id', parts[1]!] as const);
  if (id.length > 64)
    return { kind: 'ignored', reason: 'too_long', why: `its ${what} is ${id.length} characters long, more than 64`, pattern };
  if (id !== id.toLowerCase() && ID_RE.test(id.toLowerCase())) {
    return {
      kind: 'ignored',
      reason: 'uppercase',
      why: `its ${what} ${JSON.stringify(id)} has capital letters; ids are lowercase, e.g. ${topic.toLowerCase()}`,
      pattern,
    };
  }
  return {
    kind: 'ignored',
    reason: 'characters',
    why: `its ${what} ${JSON.stringify(id)} may hold only a-z, 0-9, _ and - (1-64 characters)`,
    pattern,
  };
}

const NUMBER = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** Numbers as numbers, `true`/`false` as booleans, JSON objects and arrays as JSON, other text as a string. */
export function parsePayload(payload: Buffer | string): unknown {
  const text = (typeof payload === 'string' ? payload : payload.toString('utf8')).trim();
  if (NUMBER.test(text)) {
    const n = Number(text);
    if (Number.isFinite(n)) return n;
  }
  if (text === 'true') return true;
  if (text === 'false') return false;
  if ((text.startsWith('{') && text.endsWith('}')) || (text.startsWith('[') && text.endsWith(']'))) {
    try {
      return JSON.parse(text);
    } catch {
      // Not JSON after all: keep it as text.
    }
  }
  return text;
}

/** The payload a value is published as: strings as they are, everything else as JSON. */
export function formatPayload(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
