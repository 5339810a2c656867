// Simulated Homie 4 devices in the convention's own dialect (see src/devices/adapters/homie.ts): attributes
// ($name, $nodes, $properties, $datatype, $format, $unit, $settable), `$state` ready with `lost` as will, values on
// `homie/<id>/<node>/<property>`, and commands obeyed on `…/set`.
import type { Simulation } from './simulator.js';
import { startNodes, type Dialect, type NodesOptions, type SimNode } from './mqtt-nodes.js';

export type HomieKind = 'thermostat' | 'dimmer';

interface Prop {
  node: string;
  id: string;
  datatype: string;
  format?: string;
  unit?: string;
  settable?: boolean;
}

const PROPS: Record<HomieKind, Prop[]> = {
  thermostat: [
    { node: 'climate', id: 'temperature', datatype: 'float', unit: '°C' },
    { node: 'climate', id: 'target', datatype: 'float', format: '5:30:0.5', unit: '°C', settable: true },
    { node: 'climate', id: 'mode', datatype: 'enum', format: 'off,heat,eco', settable: true },
  ],
  dimmer: [
    { node: 'light', id: 'power', datatype: 'boolean', settable: true },
    { node: 'light', id: 'brightness', datatype: 'integer', format: '0:100', unit: '%', settable: true },
  ],
};

const dialect: Dialect<HomieKind> = {
  what: 'Homie device(s)',
  initial: (kind, random) =>
    kind === 'thermostat'
      ? { temperature: Math.round((18 + random() * 3) * 10) / 10, target: 20, mode: 'heat' }
      : { power: false, brightness: 70 },
  will: (id) => ({ topic: `homie/${id}/$state`, payload: 'lost', goodbye: 'disconnected' }),
  announce(n) {
    const props = PROPS[n.kind];
    const nodes = [...new Set(props.map((p) => p.node))];
    const out: Array<[string, string]> = [
      [`homie/${n.id}/$homie`, '4.0.0'],
      [`homie/${n.id}/$name`, n.name],
      [`homie/${n.id}/$nodes`, nodes.join(',')],
    ];
    for (const node of nodes)
      out.push(
        [`homie/${n.id}/${node}/$name`, node],
        [
          `homie/${n.id}/${node}/$properties`,
          props
            .filter((p) => p.node === node)
            .map((p) => p.id)
            .join(','),
        ],
      );
    for (const p of props) {
      const at = `homie/${n.id}/${p.node}/${p.id}`;
      out.push([`${at}/$name`, p.id], [`${at}/$datatype`, p.datatype], [`${at}/$settable`, String(p.settable === true)]);
      if (p.format) out.push([`${at}/$format`, p.format]);
      if (p.unit) out.push([`${at}/$unit`, p.unit]);
    }
    return [...out, [`homie/${n.id}/$state`, 'ready']];
  },
  states: (n: SimNode<HomieKind>) =>
    PROPS[n.kind].map((p) => [`homie/${n.id}/${p.node}/${p.id}`, String(n.state[p.id])] as [string, string]),
  subscriptions: (id) => [`homie/${id}/+/+/set`],
  obey(n, topic, payload) {
    const p = PROPS[n.kind].find((x) => topic === `homie/${n.id}/${x.node}/${x.id}/set`);
    if (!p?.settable) return false;
    const value = p.datatype === 'boolean' ? payload === 'true' : p.datatype === 'enum' ? payload : Number(payload);
    if (typeof value === 'number' && !Number.isFinite(value)) return false;
    n.state[p.id] = value;
    return true;
  },
  drift(n) {
    if (n.kind !== 'thermostat') return false;
    const s = n.state;
    s.temperature = Math.round(((s.temperature as number) + ((s.target as number) - (s.temperature as number)) * 0.1) * 10) / 10;
    return true;
  },
};

export function startHomieDevices(options: NodesOptions<HomieKind>): Promise<Simulation> {
  return startNodes(dialect, options);
}
