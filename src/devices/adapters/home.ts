// The `home` adapter: devices that speak Hearth's own vocabulary, `home/<device>/<property>` and `home/<device>/status`.
// It also decodes every `home/<id>/<property>/set`, so a command reaches a device of any adapter in its own dialect.
import { classifyDeviceTopic, commandTopic, formatPayload, HOME, parsePayload } from '../topic.js';
import type { Adapter, AdapterMessage, Decoded } from './types.js';

export function decodeHome(message: AdapterMessage): Decoded[] {
  // An empty payload clears a retained message; it carries no reading.
  if (message.payload.length === 0) return [];
  const verdict = classifyDeviceTopic(message.topic);
  switch (verdict.kind) {
    case 'bad-command':
      return [];
    case 'command':
      return [{ kind: 'command', key: verdict.deviceId, property: verdict.property, value: parsePayload(message.payload) }];
    case 'ignored': {
      const shown = message.topic.length > 120 ? `${message.topic.slice(0, 120)}…` : message.topic;
      const pattern = verdict.pattern.length > 120 ? 'this pattern' : verdict.pattern;
      return [
        {
          kind: 'problem',
          once: verdict.pattern,
          reason: verdict.reason,
          message: `${shown} is not taken as a device reading: ${verdict.why} (logged once for ${pattern})`,
        },
      ];
    }
    case 'reading': {
      if (verdict.property !== 'status')
        return [{ kind: 'readings', key: verdict.deviceId, values: { [verdict.property]: parsePayload(message.payload) } }];
      const text = message.payload.toString('utf8').trim();
      return [
        {
          kind: 'availability',
          key: verdict.deviceId,
          online: text === 'online',
          reason: message.retain ? 'retained status' : `published ${text}`,
        },
      ];
    }
  }
}

export function homeAdapter(): Adapter {
  return {
    name: HOME,
    // `home/#` rather than `home/+/+`, so that topics one level off are seen and reported instead of vanishing.
    filters: [`${HOME}/#`],
    maxPayload: Number.POSITIVE_INFINITY,
    decode: decodeHome,
    // A home device subscribes to its own …/set topics: the command is already where it listens.
    encode: (device, property, value) => [{ topic: commandTopic(device.id, property), payload: formatPayload(value) }],
    credentialTopics: (id) => ({ publish: [`${HOME}/${id}/#`], subscribe: [`${HOME}/${id}/+/set`, `${HOME}/${id}/status`] }),
  };
}
