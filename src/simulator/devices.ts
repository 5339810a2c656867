// Simulated devices with believable behaviour: thermometers that drift, motion sensors, door contacts, and
// switches and lights that obey `/set` and report their new state back (retained).
export type DeviceKind = 'thermometer' | 'motion' | 'door' | 'switch' | 'light';

export interface SimulatedDevice {
  id: string;
  kind: DeviceKind;
  /** The readings to publish now (called at the device's share of the rate). */
  tick(random: () => number): Array<[property: string, value: string]>;
  /** A `/set` command; returns the state to report back. */
  command(property: string, value: string): Array<[string, string]>;
  /** The retained state published on connect. */
  initial(): Array<[string, string]>;
}

export function createDevice(id: string, kind: DeviceKind, random: () => number): SimulatedDevice {
  switch (kind) {
    case 'thermometer': {
      // A mean-reverting random walk around a room's own setpoint: realistic slow drift, never runaway values.
      const mean = 19 + random() * 5;
      let t = mean + (random() - 0.5) * 2;
      let humidity = 40 + random() * 20;
      return {
        id,
        kind,
        tick: (r) => {
          t += (mean - t) * 0.05 + (r() - 0.5) * 0.3;
          humidity = Math.min(90, Math.max(20, humidity + (r() - 0.5)));
          return [
            ['temperature', t.toFixed(2)],
            ['humidity', humidity.toFixed(0)],
          ];
        },
        command: () => [],
        initial: () => [
          ['temperature', t.toFixed(2)],
          ['humidity', humidity.toFixed(0)],
          ['battery', String(60 + Math.round(random() * 40))],
        ],
      };
    }
    case 'motion': {
      let motion = false;
      return {
        id,
        kind,
        tick: (r) => {
          const next = motion ? r() > 0.3 : r() > 0.85;
          if (next === motion) return [];
          motion = next;
          return [['motion', String(motion)]];
        },
        command: () => [],
        initial: () => [['motion', 'false']],
      };
    }
    case 'door': {
      let open = false;
      return {
        id,
        kind,
        tick: (r) => {
          if (r() > 0.1) return [];
          open = !open;
          return [['contact', open ? 'open' : 'closed']];
        },
        command: () => [],
        initial: () => [['contact', 'closed']],
      };
    }
    case 'switch':
    case 'light': {
      const state: Record<string, string> = { power: 'off', ...(kind === 'light' ? { brightness: '80' } : {}) };
      return {
        id,
        kind,
        tick: () => (kind === 'switch' && state.power === 'on' ? [['power_w', (40 + random() * 5).toFixed(1)]] : []),
        command: (property, value) => {
          if (property === 'power' && /^(on|off|true|false|ON|OFF)$/.test(value)) state.power = /^(on|true|ON)$/.test(value) ? 'on' : 'off';
          else if (property === 'brightness' && kind === 'light' && Number.isFinite(Number(value)))
            state.brightness = String(Math.max(0, Math.min(100, Math.round(Number(value)))));
          else return [];
          return [[property, state[property]!]];
        },
        initial: () => Object.entries(state),
      };
    }
  }
}

/** The demo home: ids that the example rules in rules/ use, so the demo shows them working. */
export const DEMO_HOME: Array<[string, DeviceKind, string]> = [
  ['livingroom', 'thermometer', 'Living room'],
  ['ac', 'switch', 'Living room'],
  ['hallway', 'motion', 'Hallway'],
  ['hallway-light', 'light', 'Hallway'],
  ['frontdoor', 'door', 'Hallway'],
  ['garden-lights', 'light', 'Garden'],
  ['kitchen', 'thermometer', 'Kitchen'],
  ['kitchen-light', 'light', 'Kitchen'],
  ['kitchen-motion', 'motion', 'Kitchen'],
  ['bedroom', 'thermometer', 'Bedroom'],
  ['bedroom-light', 'light', 'Bedroom'],
  ['bathroom', 'thermometer', 'Bathroom'],
  ['bathroom-fan', 'switch', 'Bathroom'],
  ['office', 'thermometer', 'Office'],
  ['office-light', 'light', 'Office'],
  ['backdoor', 'door', 'Kitchen'],
  ['garage', 'thermometer', 'Garage'],
  ['garage-door', 'door', 'Garage'],
  ['tv-plug', 'switch', 'Living room'],
  ['porch-motion', 'motion', 'Garden'],
];

/** The demo's Zigbee2MQTT bridge: friendly names (as people give them, with a room folder), kinds, and rooms. */
export const DEMO_ZIGBEE: Array<[string, import('./zigbee2mqtt-bridge.js').Z2mKind, string]> = [
  ['Living room/Floor lamp', 'light', 'Living room'],
  ['Living room/Climate', 'thermometer', 'Living room'],
  ['Hallway/Motion', 'motion', 'Hallway'],
  ['Kitchen/Coffee plug', 'plug', 'Kitchen'],
  ['Bedroom/Window', 'contact', 'Bedroom'],
];

/** The demo's devices announced with Home Assistant discovery (as ESPHome and Tasmota nodes do): ids, kinds, names, rooms. */
export const DEMO_DISCOVERY: Array<[string, import('./discovery-devices.js').DiscoveryKind, string, string]> = [
  ['study-thermostat', 'thermostat', 'Study thermostat', 'Office'],
  ['bedroom-blind', 'cover', 'Bedroom blind', 'Bedroom'],
  ['desk-lamp', 'light', 'Desk lamp', 'Office'],
  ['washer-plug', 'plug', 'Washer plug', 'Bathroom'],
  ['attic-climate', 'sensor', 'Attic climate', 'Garage'],
];

/** The demo's ESPHome nodes, in ESPHome's own MQTT dialect: topic prefixes (node names), kinds, names, rooms. */
export const DEMO_ESPHOME: Array<[string, import('./esphome-nodes.js').EsphomeKind, string, string]> = [
  ['porch-light', 'light', 'Porch light', 'Garden'],
  ['garage-climate', 'climate', 'Garage climate', 'Garage'],
  ['office-blind', 'cover', 'Office blind', 'Office'],
];

/** The demo's Homie 4 devices: ids, kinds, names, rooms. */
export const DEMO_HOMIE: Array<[string, import('./homie-devices.js').HomieKind, string, string]> = [
  ['boiler', 'thermostat', 'Boiler', 'Bathroom'],
  ['hall-dimmer', 'dimmer', 'Hall dimmer', 'Hallway'],
];
