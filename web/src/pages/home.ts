// Home: a card per device, grouped by room; live values; controls that show pending until the device confirms.
import { api, type Device } from '../api.js';
import { ago, h, mount, toast } from '../dom.js';
import { controlFor, displayName, kindOf, show, unitOf } from '../format.js';
import { onLive } from '../live.js';
import { quickActions } from './scenes.js';

const PENDING_MS = 10_000;

export function homePage(root: HTMLElement): () => void {
  const devices = new Map<string, Device>();
  const pending = new Map<string, { value: unknown; timer: number; failed?: boolean }>();
  // Scene and script buttons above the devices (scenes.ts), once there are some.
  const quick = quickActions(() => render());

  const render = () => {
    const rooms = new Map<string, Device[]>();
    for (const d of [...devices.values()].sort((a, b) => displayName(a).localeCompare(displayName(b)))) {
      const room = d.room ?? 'Other devices';
      rooms.set(room, [...(rooms.get(room) ?? []), d]);
    }
    const groups = [...rooms.entries()].sort(([a], [b]) => (a === 'Other devices' ? 1 : b === 'Other devices' ? -1 : a.localeCompare(b)));
    mount(
      root,
      quick.hasChildNodes() ? quick : null,
      devices.size === 0 ? h('p', { class: 'empty' }, 'No devices yet. A device appears as soon as it publishes to home/<device>/<property>.') : null,
      groups.map(([room, list]) =>
        h('section', { class: 'room' }, rooms.size > 1 || room !== 'Other devices' ? h('h2', {}, room) : null, h('div', { class: 'cards' }, list.map(card))),
      ),
    );
  };

  const card = (d: Device) =>
    h(
      'article',
      { class: `card ${d.status}`, dataset: { device: d.id } },
      h('header', {}, h('a', { href: `#/device/${d.id}`, class: 'name' }, displayName(d)), h('span', { class: `badge ${d.status}`, title: `last seen ${ago(d.lastSeen)}` }, d.status)),
      h('p', { class: 'seen' }, `Last seen ${ago(d.lastSeen)}`),
      h(
        'dl',
        {},
        Object.entries(d.properties).map(([p, { value }]) => [h('dt', {}, p), h('dd', { dataset: { property: p } }, control(d, p, value) ?? `${show(value)} ${unitOf(p, value)}`.trim())]),
      ),
    );

  const control = (d: Device, property: string, value: unknown) => {
    const c = controlFor(property, value);
    if (!c) return undefined;
    const key = `${d.id}/${property}`;
    const p = pending.get(key);
    const state = p ? (p.failed ? h('span', { class: 'state failed', role: 'alert' }, 'failed') : h('span', { class: 'state pending' }, 'pending…')) : null;
    const label = `${displayName(d)} ${property}`;
    if (c.kind === 'toggle') {
      return h('span', { class: 'control' }, h('label', { class: 'switch' }, h('input', { type: 'checkbox', role: 'switch', 'aria-label': label, checked: c.on, onchange: (e: Event) => send(d, property, (e.target as HTMLInputElement).checked ? c.values[0] : c.values[1]) }), h('span', { class: 'slider' })), state);
    }
    if (c.kind === 'slider') {
      return h('span', { class: 'control' }, h('input', { type: 'range', 'aria-label': label, min: c.min, max: c.max, step: c.step, value: String(value), onchange: (e: Event) => send(d, property, Number((e.target as HTMLInputElement).value)) }), h('output', {}, `${show(value)} ${unitOf(property, value)}`.trim()), state);
    }
    return h('span', { class: 'control' }, h('select', { 'aria-label': label, onchange: (e: Event) => send(d, property, (e.target as HTMLSelectElement).value) }, c.options.map((o) => h('option', { value: o, selected: o === value }, o))), state);
  };

  const send = async (d: Device, property: string, value: unknown) => {
    const key = `${d.id}/${property}`;
    clearTimeout(pending.get(key)?.timer);
    const timer = window.setTimeout(() => {
      const p = pending.get(key);
      if (p) {
        p.failed = true;
        render();
        toast(`${displayName(d)} did not confirm ${property} = ${show(value)}`, 'error');
      }
    }, PENDING_MS);
    pending.set(key, { value, timer });
    render();
    try {
      await api('POST', `/api/devices/${d.id}/${property}/set`, { value });
    } catch (err) {
      pending.delete(key);
      clearTimeout(timer);
      render();
      toast((err as Error).message, 'error');
    }
  };

  const load = async () => {
    for (const d of await api<Device[]>('GET', '/api/devices')) devices.set(d.id, d);
    render();
  };

  const off = onLive((type, e) => {
    if (type === 'device.state') {
      const d = devices.get(e.deviceId);
      if (!d) return void load();
      d.properties[e.property] = { value: e.value, updatedAt: new Date(e.ts).toISOString(), type: d.properties[e.property]?.type ?? kindOf(e.value) };
      d.lastSeen = new Date(e.ts).toISOString();
      const key = `${e.deviceId}/${e.property}`;
      const p = pending.get(key);
      if (p && show(p.value) === show(e.value)) {
        clearTimeout(p.timer);
        pending.delete(key);
      }
      render();
    } else if (type === 'device.online') {
      const d = devices.get(e.deviceId);
      if (!d) return void load();
      d.status = e.online ? 'online' : 'offline';
      d.online = e.online;
      render();
    } else if (type === 'device.created' || type === 'device.updated' || type === 'device.deleted') {
      if (type === 'device.deleted') devices.delete(e.deviceId);
      void load();
    }
  });
  const tick = window.setInterval(render, 30_000);
  void load().catch((err) => toast(err.message, 'error'));
  return () => {
    off();
    clearInterval(tick);
    for (const p of pending.values()) clearTimeout(p.timer);
  };
}
