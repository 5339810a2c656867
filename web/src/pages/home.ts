// Home: a card per device, grouped by room; live values; controls drawn from each property's capabilities (a switch,
// a slider, a select), a light card for a light, battery and link quality small; pending until the device confirms.
import { api, type Device, type DeviceProperty } from '../api.js';
import { ago, h, mount, toast } from '../dom.js';
import { controlOf, displayName, isOn, isSmall, lightOf, reading, show } from '../format.js';
import { onLive } from '../live.js';
import { peopleStrip } from './people.js';
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
      peopleStrip(devices.values()),
      quick.hasChildNodes() ? quick : null,
      devices.size === 0
        ? h(
            'p',
            { class: 'empty' },
            'No devices yet. A device appears as soon as it publishes to home/<device>/<property>, or announces itself through Zigbee2MQTT or Home Assistant discovery.',
          )
        : null,
      groups.map(([room, list]) =>
        h(
          'section',
          { class: 'room' },
          rooms.size > 1 || room !== 'Other devices' ? h('h2', {}, room) : null,
          h('div', { class: 'cards' }, list.map(card)),
        ),
      ),
    );
  };

  const card = (d: Device) => {
    const light = lightOf(d);
    const inLight = new Set(light ? [light.state[0], light.brightness?.[0], light.colorTemp?.[0]] : []);
    const entries = Object.entries(d.properties).filter(([name]) => !inLight.has(name));
    const small = entries.filter(([name, p]) => isSmall(name, p) && p.value !== undefined);
    const rows = entries.filter(([name, p]) => !isSmall(name, p));
    const on = light ? isOn(light.state[1]) : false;
    const glow =
      light?.brightness && typeof light.brightness[1].value === 'number' ? light.brightness[1].value / (light.brightness[1].max || 100) : 1;
    return h(
      'article',
      {
        class: `card ${d.status}${light ? ` light${on ? ' on' : ''}` : ''}`,
        dataset: { device: d.id },
        style: light ? `--glow: ${Math.max(0.15, Math.min(1, glow)).toFixed(2)}` : undefined,
      },
      h(
        'header',
        {},
        h('a', { href: `#/device/${d.id}`, class: 'name' }, displayName(d)),
        h('span', { class: `badge ${d.status}`, title: `last seen ${ago(d.lastSeen)}` }, d.status),
      ),
      light ? lightControls(d, light.state, light.brightness, light.colorTemp) : null,
      h('p', { class: 'seen' }, `Last seen ${ago(d.lastSeen)}`),
      rows.length
        ? h(
            'dl',
            {},
            rows.map(([name, p]) => [
              h('dt', {}, name.replace(/_/g, ' ')),
              h('dd', { dataset: { property: name } }, control(d, name, p) ?? reading(p)),
            ]),
          )
        : null,
      small.length
        ? h(
            'p',
            { class: 'small' },
            small.map(([name, p]) =>
              h(
                'span',
                { dataset: { property: name }, title: name },
                `${name === 'linkquality' || p.deviceClass === 'signal_strength' ? 'link' : name} ${reading(p)}`,
              ),
            ),
          )
        : null,
    );
  };

  /** A light as a light: one big button that glows with its brightness, and its sliders beside it. */
  const lightControls = (
    d: Device,
    [name, p]: [string, DeviceProperty],
    brightness?: [string, DeviceProperty],
    colorTemp?: [string, DeviceProperty],
  ) => {
    const on = isOn(p);
    return h(
      'div',
      { class: 'lamp-row' },
      h(
        'button',
        {
          type: 'button',
          class: 'lamp',
          'aria-pressed': String(on),
          'aria-label': `${displayName(d)} light`,
          dataset: { property: name },
          onclick: () => send(d, name, on ? p.off : p.on),
          // A toggle button: its name stays, aria-pressed says on or off (and the bulb glows).
        },
        h('span', { class: 'bulb', 'aria-hidden': 'true' }),
        h('span', {}, 'Light'),
      ),
      h(
        'div',
        { class: 'lamp-sliders' },
        brightness ? h('label', { class: 'inline-label' }, 'Brightness ', slider(d, brightness[0], brightness[1])) : null,
        colorTemp ? h('label', { class: 'inline-label' }, 'Colour ', slider(d, colorTemp[0], colorTemp[1])) : null,
      ),
      stateOf(d, name),
    );
  };

  const stateOf = (d: Device, property: string) => {
    const p = pending.get(`${d.id}/${property}`);
    return p
      ? p.failed
        ? h('span', { class: 'state failed', role: 'alert' }, 'failed')
        : h('span', { class: 'state pending' }, 'pending…')
      : null;
  };

  const slider = (d: Device, property: string, p: DeviceProperty) =>
    h(
      'span',
      { class: 'control' },
      h('input', {
        type: 'range',
        'aria-label': `${displayName(d)} ${p.label ?? property}`,
        min: p.min,
        max: p.max,
        step: p.step ?? 'any',
        value: String(p.value ?? p.min),
        oninput: (e: Event) =>
          ((e.target as HTMLElement).nextElementSibling!.textContent = reading(p, Number((e.target as HTMLInputElement).value))),
        onchange: (e: Event) => send(d, property, Number((e.target as HTMLInputElement).value)),
      }),
      h('output', {}, reading(p)),
    );

  const control = (d: Device, property: string, p: DeviceProperty) => {
    const kind = controlOf(p);
    if (!kind) return undefined;
    const label = `${displayName(d)} ${p.label ?? property}`;
    const state = stateOf(d, property);
    if (kind === 'switch') {
      return h(
        'span',
        { class: 'control' },
        h(
          'label',
          { class: 'switch' },
          h('input', {
            type: 'checkbox',
            role: 'switch',
            'aria-label': label,
            checked: isOn(p),
            onchange: (e: Event) => send(d, property, (e.target as HTMLInputElement).checked ? p.on : p.off),
          }),
          h('span', { class: 'slider' }),
        ),
        state,
      );
    }
    if (kind === 'slider') return h('span', { class: 'control' }, slider(d, property, p), state);
    const values = p.values!.includes(String(p.value)) || p.value === undefined ? p.values! : [String(p.value), ...p.values!];
    return h(
      'span',
      { class: 'control' },
      h(
        'select',
        { 'aria-label': label, onchange: (e: Event) => send(d, property, (e.target as HTMLSelectElement).value) },
        p.value === undefined ? h('option', { value: '', disabled: true, selected: true }, '—') : null,
        values.map((o) => h('option', { value: o, selected: o === p.value }, o)),
      ),
      state,
    );
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
    devices.clear();
    for (const d of await api<Device[]>('GET', '/api/devices')) devices.set(d.id, d);
    render();
  };

  const off = onLive((type, e) => {
    if (type === 'device.state') {
      const d = devices.get(e.deviceId);
      // A property not seen before has capabilities the hub knows: fetch them.
      if (!d?.properties[e.property]) return void load();
      d.properties[e.property] = { ...d.properties[e.property]!, value: e.value, updatedAt: new Date(e.ts).toISOString() };
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
