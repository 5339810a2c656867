// Device: every property, a zoomable history chart per numeric property, recent events, rename and room, credentials.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { api, isAdmin, type Device } from '../api.js';
import { ago, h, mount, toast } from '../dom.js';
import { show, unitOf } from '../format.js';
import { onLive } from '../live.js';

const RANGES: Array<[string, number]> = [['hour', 3600_000], ['day', 86_400_000], ['week', 7 * 86_400_000], ['month', 30 * 86_400_000]];

export function devicePage(root: HTMLElement, id: string): () => void {
  let device: Device | undefined;
  let range = 86_400_000;
  const charts: uPlot[] = [];
  const events: string[] = [];

  const drawCharts = async (container: HTMLElement) => {
    charts.splice(0).forEach((c) => c.destroy());
    if (!device) return;
    const numeric = Object.entries(device.properties).filter(([, p]) => typeof p.value === 'number' || typeof p.value === 'boolean');
    for (const [property] of numeric) {
      const box = h('div', { class: 'chart', dataset: { property } }, h('h3', {}, property));
      container.appendChild(box);
      const to = Date.now();
      const data = await api<{ points: Array<{ ts: number; min: number; max: number; avg: number }> }>('GET', `/api/devices/${id}/history/${property}?from=${to - range}&to=${to}&bucket=auto`).catch(() => ({ points: [] }));
      if (data.points.length === 0) {
        box.appendChild(h('p', { class: 'muted' }, 'No history in this range.'));
        continue;
      }
      const xs = data.points.map((p) => p.ts / 1000);
      const width = Math.min(container.clientWidth || 600, 900);
      charts.push(
        new uPlot(
          {
            width,
            height: 200,
            cursor: { drag: { x: true, y: false } }, // drag to zoom, double-click to reset
            // The whole chosen range, even when readings cover only part of it.
            scales: { x: { time: true, range: () => [(to - range) / 1000, to / 1000] } },
            series: [{}, { label: `avg ${unitOf(property, 1)}`, stroke: '#e4572e', width: 2 }, { label: 'min', stroke: '#7a9cc6' }, { label: 'max', stroke: '#f3a712' }],
            axes: [{ stroke: '#888' }, { stroke: '#888' }],
          },
          [xs, data.points.map((p) => p.avg), data.points.map((p) => p.min), data.points.map((p) => p.max)],
          box,
        ),
      );
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
    mount(propsBody, Object.entries(device.properties).map(([p, v]) => h('tr', {}, h('td', {}, p), h('td', {}, `${show(v.value)} ${unitOf(p, v.value)}`.trim()), h('td', {}, ago(v.updatedAt)))));
    mount(eventList, events.length ? events.slice(-20).reverse().map((e) => h('li', {}, e)) : h('li', { class: 'muted' }, 'Nothing since this page opened.'));
  };

  const render = () => {
    if (!device) return;
    const d = device;
    const chartsBox = h('div', { class: 'charts' });
    mount(
      root,
      h('p', {}, h('a', { href: '#/' }, '← All devices')),
      h('h2', {}, d.name ?? d.id, ' ', badge),
      h('p', { class: 'seen' }, `Last seen ${ago(d.lastSeen)} · id ${d.id}`),
      h('table', { class: 'props' }, h('thead', {}, h('tr', {}, h('th', {}, 'Property'), h('th', {}, 'Value'), h('th', {}, 'Updated'))), propsBody),
      h('div', { class: 'ranges', role: 'group', 'aria-label': 'History range' }, RANGES.map(([label, ms]) => h('button', { class: ms === range ? 'active' : '', onclick: () => { range = ms; render(); } }, label))),
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
      h('form', {
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
      }, h('label', { for: 'device-name' }, 'Name'), name, h('label', { for: 'device-room' }, 'Room'), room, h('button', { type: 'submit' }, 'Save')),
      h('button', {
        onclick: async () => {
          const c = await api<{ username: string; password: string }>('POST', '/api/device-credentials', { deviceId: id });
          mount(creds, h('p', {}, 'MQTT credentials (the password is shown once):'), h('code', {}, `username: ${c.username}`), h('br'), h('code', {}, `password: ${c.password}`));
        },
      }, 'New MQTT credentials'),
      creds,
    );
  };

  const off = onLive((type, e) => {
    if (e.deviceId !== id || !device) return;
    if (type === 'device.state') {
      device.properties[e.property] = { value: e.value, updatedAt: new Date(e.ts).toISOString() };
      events.push(`${new Date(e.ts).toLocaleTimeString()} ${e.property} = ${show(e.value)}`);
    } else if (type === 'device.online') {
      device.status = e.online ? 'online' : 'offline';
      events.push(`${new Date(e.ts).toLocaleTimeString()} ${e.online ? 'online' : 'offline'}${e.reason ? ` (${e.reason})` : ''}`);
    } else return;
    fillLive();
  });
  api<Device>('GET', `/api/devices/${id}`).then((d) => {
    device = d;
    render();
  }, (err) => mount(root, h('p', { class: 'error' }, err.message), h('a', { href: '#/' }, '← All devices')));
  return () => {
    off();
    charts.forEach((c) => c.destroy());
  };
}
