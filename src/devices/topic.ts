// Device topics (`home/<device>/<property>`) and payload typing, shared by the registry and the rule engine.
export const ID_PATTERN = /^[a-z0-9_-]{1,64}$/;

export interface DeviceTopic {
  deviceId: string;
  property: string;
}

/** `home/kitchen/temperature` → { deviceId: 'kitchen', property: 'temperature' }; anything else → undefined. */
export function parseDeviceTopic(topic: string): DeviceTopic | undefined {
  const parts = topic.split('/');
  if (parts.length !== 3 || parts[0] !== 'home') return undefined;
  const [, deviceId, property] = parts as [string, string, string];
  if (!ID_PATTERN.test(deviceId) || !ID_PATTERN.test(property)) return undefined;
  return { deviceId, property };
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
