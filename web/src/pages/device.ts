// Device: every property, a history chart per numeric property, recent events and problems, settings and delete.
import { api, isAdmin, type Device, type DeviceProperty } from '../api.js';
import { chartSummary, drawChart, initialRange, RANGES, type Chart, type Point } from '../chart.js';
import { ago, h, mount, toast } from '../dom.js';
import { controlOf, displayName, reading, show } from '../format.js';
import { onLive } from '../live.js';

const SOURCES: Record<string, string> = {
  home: 'Publishes home/… itself',
  zigbee2mqtt: 'Zigbee2MQTT',
  homeassistant: 'Home Assistant discovery',
};

/** What a property is, in a few words: "number 0–254, settable", "on/off", "one of auto, heat". */
function about(p: DeviceProperty): string {
  const parts: string[] = [];
  if (p.type === 'number')
    parts.push(p.min !== undefined && p.max !== undefined ? `number ${p.min}–${p.max}${p.unit ? ` ${p.unit}` : ''}` : 'number');
  else if (p.type === 'boolean') parts.push(`${JSON.stringify(p.on)}/${JSON.stringify(p.off)}`);
  else if (p.type === 'enum') parts.push(`one of ${(p.values ?? []).join(', ')}`);
  else parts.push(p.type);
  if (p.deviceClass) parts.push(p.deviceClass.replace(/_/g, ' '));
  if (p.unsupported) parts.push(`not supported: ${p.unsupported}`);
  else if (controlOf(p) || p.settable) parts.push('settable');
  return parts.join(', ');
}

interface DeviceEvent {
  at: number;
  text: string;
  problem?: boolean;
}

export function devicePage(root: HTMLElement, id: string): () => void {
  let device: Device | undefined;
  let range = 0;
  let drawing = 0;
  const charts: Chart[] = [];
  const events: DeviceEvent[] = [];

  const drawCharts = async (container: HTMLElement) => {
    const run = ++drawing;
    for (const c of charts.splice(0)) c.destroy();
    if (!device) return;
    // Charted by the property's kind, not its latest value: a "hot" among numbers keeps the numbers' chart.
    const numeric = Object.entries(device.properties).filter(([, p]) => p.type === 'number' || p.type === 'boolean');
    if (numeric.length === 0) container.appendChild(h('p', { class: 'muted' }, 'No numeric properties to chart.'));
    for (const [property, p] of numeric) {
      const box = h('figure', { class: 'chart', dataset: { property } }, h('figcaption', {}, h('h3', {}, property)));
      container.appendChild(box);
      const to = Date.now();
      const from = to - range;
      const data = await api<{ points: Array<Point & { count: number }> }>(
        'GET',
        `/api/devices/${encodeURIComponent(id)}/history/${encodeURIComponent(property)}?from=${from}&to=${to}&bucket=auto`,
      ).catch(() => ({ points: [] }));
      if (run !== drawing) return; // the range changed meanwhile: a newer drawing owns the page
      if (data.points.length === 0) {
        box.appendChild(h('p', { class: 'muted' }, 'No history in this range.'));
        continue;
      }
      const unit = p.unit ?? '';
      charts.push(drawChart(box, data.points, { from, to, unit, bool: p.type === 'boolean' }));
      box.appendChild(chartSummary(data.points, unit));
    }
  };

  const propsBody = h('tbody');
  const eventList = h('ul', { class: 'events' });
  const badge = h('span', { class: 'badge' });
  // Live updates touch the table, the badge and the events; charts are drawn only when the range changes.
  const fillLive = () => {
    if (!device) return;
    badge.className = `badge ${device.status}`;
    badge.textContent = device.status;
    mount(
      propsBody,
      Object.entries(device.properties).map(([p, v]) =>
        h(
          'tr',
          { dataset: { property: p } },
          h('td', {}, p),
          h('td', {}, reading(v)),
          h('td', {}, about(v)),
          h('td', {}, ago(v.updatedAt)),
        ),
      ),
    );
    const recent = [...events].sort((a, b) => b.at - a.at).slice(0, 20);
    mount(
      eventList,
      recent.length
        ? recent.map((e) =>
            h(
              'li',
              { class: e.problem ? 'problem' : '' },
              h('time', {}, new Date(e.at).toLocaleTimeString()),
              ' ',
              e.problem ? h('strong', {}, 'Problem: ') : null,
              e.text,
            ),
          )
        : h(
            'li',
            { class: 'muted' },
            'No events since this page opened. Readings, online/offline changes and problems with its values appear here.',
          ),
    );
  };

  const render = () => {
    if (!device) return;
    const d = device;
    const chartsBox = h('div', { class: 'charts' });
    mount(
      root,
      h('p', {}, h('a', { href: '#/' }, '← All devices')),
      h('h2', {}, displayName(d), ' ', badge),
      h('p', { class: 'seen' }, `Last seen ${ago(d.lastSeen)} · id ${d.id}`),
      h(
        'p',
        { class: 'seen source' },
        [SOURCES[d.source] ?? d.source, [d.manufacturer, d.model].filter(Boolean).join(' ')].filter(Boolean).join(' · '),
      ),
      h(
        'table',
        { class: 'props' },
        h('thead', {}, h('tr', {}, h('th', {}, 'Property'), h('th', {}, 'Value'), h('th', {}, 'Kind'), h('th', {}, 'Updated'))),
        propsBody,
      ),
      h(
        'div',
        { class: 'ranges', role: 'group', 'aria-label': 'History range' },
        RANGES.map(([label, ms]) =>
          h(
            'button',
            {
              type: 'button',
              class: ms === range ? 'active' : '',
              'aria-pressed': String(ms === range),
              onclick: () => {
                range = ms;
                render();
              },
            },
            label,
          ),
        ),
      ),
      chartsBox,
      h('h3', {}, 'Recent events'),
      eventList,
      isAdmin() ? settings(d) : null,
    );
    fillLive();
    void drawCharts(chartsBox);
  };

  const settings = (d: Device) => {
    const name = h('input', { id: 'device-name', value: d.name ?? '', maxlength: 100 });
    const room = h('input', { id: 'device-room', value: d.room ?? '', maxlength: 100 });
    const creds = h('div', { class: 'creds' });
    return h(
      'section',
      { class: 'panel' },
      h('h3', {}, 'Settings'),
      h(
        'form',
        {
          onsubmit: async (e: Event) => {
            e.preventDefault();
            try {
              device = { ...(await api<Device>('PATCH', `/api/devices/${id}`, { name: name.value || null, room: room.value || null })) };
              toast('Saved');
              render();
            } catch (err) {
              toast((err as Error).message, 'error');
            }
          },
        },
        h('label', { for: 'device-name' }, 'Name'),
        name,
        h('label', { for: 'device-room' }, 'Room'),
        room,
        h('button', { type: 'submit' }, 'Save'),
      ),
      h(
        'div',
        { class: 'actions' },
        // A device of another adapter connects through its bridge's login (Settings, or hearth device add --adapter).
        d.source !== 'home'
          ? null
          : h(
              'button',
              {
                type: 'button',
                onclick: async () => {
                  const c = await api<{ username: string; password: string }>('POST', '/api/device-credentials', { deviceId: id });
                  mount(
                    creds,
                    h('p', {}, 'MQTT credentials (the password is shown once):'),
                    h('code', {}, `username: ${c.username}`),
                    h('br'),
                    h('code', {}, `password: ${c.password}`),
                  );
                },
              },
              'New MQTT credentials',
            ),
        h('button', { type: 'button', class: 'danger', onclick: () => confirmDelete(d) }, 'Delete device…'),
      ),
      creds,
    );
  };

  const confirmDelete = (d: Device) => {
    const dialog: HTMLDialogElement = h(
      'dialog',
      { class: 'confirm', 'aria-labelledby': 'delete-title', 'aria-describedby': 'delete-what' },
      h('h3', { id: 'delete-title' }, `Delete ${displayName(d)}?`),
      h(
        'p',
        { id: 'delete-what' },
        'Its state and history are deleted and its retained topics are cleared. If it publishes again, it comes back as a new device.',
      ),
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'button', onclick: () => dialog.close() }, 'Cancel'),
        h(
          'button',
          {
            type: 'button',
            class: 'danger',
            onclick: async () => {
              try {
                await api('DELETE', `/api/devices/${encodeURIComponent(d.id)}`);
                dialog.close();
                toast(`Deleted ${displayName(d)}`);
                location.hash = '#/';
              } catch (err) {
                toast((err as Error).message, 'error');
              }
            },
          },
          'Delete',
        ),
      ),
    );
    dialog.addEventListener('close', () => dialog.remove());
    document.body.appendChild(dialog);
    dialog.showModal(); // focuses Cancel, the harmless choice
  };

  const off = onLive((type, e) => {
    if (!('deviceId' in e) || e.deviceId !== id || !device) return;
    const at = 'ts' in e ? e.ts : Date.now();
    if (type === 'device.state') {
      const known = device.properties[e.property];
      if (known) device.properties[e.property] = { ...known, value: e.value, updatedAt: new Date(e.ts).toISOString() };
      else
        void api<Device>('GET', `/api/devices/${encodeURIComponent(id)}`).then((d) => {
          device = d;
          fillLive();
        });
      events.push({ at, text: `${e.property} = ${show(e.value, known)}` });
    } else if (type === 'device.online') {
      device.status = e.online ? 'online' : 'offline';
      events.push({ at, text: `${e.online ? 'online' : 'offline'}${e.reason ? ` (${e.reason})` : ''}` });
    } else if (type === 'device.problem') {
      events.push({ at, text: e.message, problem: true });
    } else if (type === 'device.deleted') {
      mount(root, h('p', {}, `${displayName(device)} was deleted.`), h('a', { href: '#/' }, '← All devices'));
      device = undefined;
      return;
    } else return;
    if (events.length > 200) events.splice(0, events.length - 200);
    fillLive();
  });
  api<Device>('GET', `/api/devices/${encodeURIComponent(id)}`).then(
    (d) => {
      device = d;
      range = initialRange(d);
      for (const p of d.problems) events.push({ at: Date.parse(p.at), text: p.message, problem: true });
      render();
    },
    (err) => mount(root, h('p', { class: 'error' }, err.message), h('a', { href: '#/' }, '← All devices')),
  );
  return () => {
    off();
    drawing++;
    for (const c of charts) c.destroy();
  };
}
