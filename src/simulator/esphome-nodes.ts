// Simulated ESPHome nodes in ESPHome's own MQTT dialect (see src/devices/adapters/esphome.ts): `<node>/status`
// online/offline (birth and will), `esphome/discover/<node>`, states on `<node>/<component>/<object_id>/state`, and
// commands obeyed on `…/command`. A node's topic prefix is its id, as ESPHome's default (the node name) has it.
import type { Simulation } from './simulator.js';
import { startNodes, type Dialect, type NodesOptions, type SimNode } from './mqtt-nodes.js';

export type EsphomeKind = 'climate' | 'plug' | 'light' | 'cover';

const round = (n: number) => Math.round(n * 10) / 10;

const dialect: Dialect<EsphomeKind> = {
  what: 'ESPHome node(s)',
  initial(kind, random) {
    switch (kind) {
      case 'climate':
        return { temperature: round(19 + random() * 4), humidity: Math.round(40 + random() * 15) };
      case 'plug':
        return { relay: 'OFF', power: 0 };
      case 'light':
        return { state: 'OFF', brightness: 180 };
      case 'cover':
        return { state: 'open', position: 100 };
    }
  },
  will: (id) => ({ topic: `${id}/status`, payload: 'offline', goodbye: 'offline' }),
  announce: (n) => [
    [
      `esphome/discover/${n.id}`,
      JSON.stringify({
        name: n.id,
        friendly_name: n.name,
        version: '2025.4.0',
        mac: macOf(n.id),
        platform: 'ESP32',
        board: 'esp32dev',
        network: 'wifi',
      }),
    ],
    [`${n.id}/status`, 'online'],
  ],
  states(n: SimNode<EsphomeKind>): Array<[string, string]> {
    const s = n.state;
    switch (n.kind) {
      case 'climate':
        return [
          [`${n.id}/sensor/temperature/state`, String(s.temperature)],
          [`${n.id}/sensor/humidity/state`, String(s.humidity)],
        ];
      case 'plug':
        return [
          [`${n.id}/switch/relay/state`, String(s.relay)],
          [`${n.id}/sensor/power/state`, String(s.power)],
        ];
      case 'light':
        return [[`${n.id}/light/light/state`, JSON.stringify({ color_mode: 'brightness', state: s.state, brightness: s.brightness })]];
      case 'cover':
        return [
          [`${n.id}/cover/blind/state`, String(s.state)],
          [`${n.id}/cover/blind/position/state`, String(s.position)],
        ];
    }
  },
  subscriptions: (id) => [`${id}/+/+/command`, `${id}/+/+/+/command`],
  obey(n, topic, payload) {
    const rest = topic.slice(n.id.length + 1);
    const s = n.state;
    if (n.kind === 'plug' && rest === 'switch/relay/command' && (payload === 'ON' || payload === 'OFF'))
      Object.assign(s, { relay: payload, power: payload === 'ON' ? 38.4 : 0 });
    else if (n.kind === 'light' && rest === 'light/light/command') {
      try {
        Object.assign(s, JSON.parse(payload));
      } catch {
        return false;
      }
    } else if (n.kind === 'cover' && rest === 'cover/blind/command')
      Object.assign(s, payload === 'OPEN' ? { state: 'open', position: 100 } : payload === 'CLOSE' ? { state: 'closed', position: 0 } : {});
    else if (n.kind === 'cover' && rest === 'cover/blind/position/command' && Number.isFinite(Number(payload)))
      Object.assign(s, { position: Number(payload), state: Number(payload) > 0 ? 'open' : 'closed' });
    else return false;
    return true;
  },
  drift(n, random) {
    if (n.kind !== 'climate') return false;
    n.state.temperature = round((n.state.temperature as number) + (random() - 0.5) * 0.4);
    return true;
  },
};

/** A MAC-like identifier made from the node id (the simulator has no hardware). */
function macOf(id: string): string {
  let h = 0;
  for (const c of id) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return `5ce0${h.toString(16).padStart(8, '0')}`;
}

export function startEsphomeNodes(options: NodesOptions<EsphomeKind>): Promise<Simulation> {
  return startNodes(dialect, options);
}
