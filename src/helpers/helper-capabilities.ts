// What a helper's device says of its properties, so that it is drawn with a control of its own wherever devices are
// (the device page, the dashboard's cards), as a Zigbee2MQTT device is from its exposes: a toggle a switch, a number
// a slider with its range, step and unit, a select its options. A timer's value is its state (idle, active, paused),
// set by the verbs start, pause and cancel, which its own controls on the Scenes page send.
import type { Capability } from '../devices/device-schema.js';
import type { HelperDefinition } from './helper-schema.js';

export function helperCapabilities(def: HelperDefinition): Record<string, Capability> {
  const value = { settable: true, label: 'value' } as const;
  switch (def.type) {
    case 'toggle':
      return { value: { type: 'boolean', on: 'on', off: 'off', ...value } };
    case 'number':
      return {
        value: { type: 'number', min: def.min, max: def.max, step: def.step ?? 1, ...(def.unit ? { unit: def.unit } : {}), ...value },
      };
    case 'counter':
      return {
        value: {
          type: 'number',
          step: def.step ?? 1,
          ...(def.min !== undefined ? { min: def.min } : {}),
          ...(def.max !== undefined ? { max: def.max } : {}),
          ...value,
        },
      };
    case 'select':
      return { value: { type: 'enum', values: def.options, ...value } };
    case 'text':
    case 'datetime':
      return { value: { type: 'text', ...value } };
    case 'timer':
      return {
        value: { type: 'enum', values: ['idle', 'active', 'paused'], settable: false, label: 'value' },
        remaining: { type: 'number', unit: 's', settable: false, label: 'remaining' },
        event: { type: 'text', settable: false, label: 'event' },
      };
  }
}
