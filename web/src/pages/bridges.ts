// The Bridges panel of Settings: each bridge to another broker, connected or not, with what waits, what went
// through and what was dropped; refreshed while it is on screen.
import { api } from '../api.js';
import { ago, h, mount } from '../dom.js';

interface BridgeStatus {
  name: string;
  url: string;
  connected: boolean;
  protocolVersion?: number;
  error?: string;
  since: string;
  queued: { out: number; in: number };
  forwarded: { out: number; in: number };
  dropped: number;
}

const REFRESH_MS = 5000;

export function bridgesPanel(): HTMLElement {
  const body = h('div');
  const panel = h('section', { class: 'panel', 'aria-labelledby': 'bridges-title' }, h('h3', { id: 'bridges-title' }, 'Bridges'), body);
  const load = async () => {
    const bridges = await api<BridgeStatus[]>('GET', '/api/bridges').catch(() => undefined);
    if (!bridges) return;
    if (bridges.length === 0) {
      mount(
        body,
        h(
          'p',
          {},
          'No bridges. To forward topics to another broker (a second site, a cloud) and commands back, add bridges: to the config file (README: Bridges).',
        ),
      );
      return;
    }
    mount(
      body,
      h(
        'table',
        { class: 'props bridges' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Bridge', 'Remote broker', 'State', 'Queued (out / in)', 'Forwarded (out / in)', 'Dropped'].map((t) =>
              h('th', { scope: 'col' }, t),
            ),
          ),
        ),
        h(
          'tbody',
          {},
          bridges.map((b) =>
            h(
              'tr',
              { dataset: { bridge: b.name } },
              h('td', {}, b.name),
              h('td', {}, h('code', {}, b.url)),
              h(
                'td',
                { class: b.connected ? undefined : 'error' },
                b.connected
                  ? `connected (MQTT ${b.protocolVersion === 5 ? '5' : '3.1.1'}) since ${ago(b.since)}`
                  : `not connected since ${ago(b.since)}${b.error ? `: ${b.error}` : ''}`,
              ),
              h('td', {}, `${b.queued.out} / ${b.queued.in}`),
              h('td', {}, `${b.forwarded.out} / ${b.forwarded.in}`),
              h('td', {}, String(b.dropped)),
            ),
          ),
        ),
      ),
    );
  };
  const tick = () => {
    // Off screen (another page): the panel stops asking.
    if (!panel.isConnected) return;
    void load().finally(() => setTimeout(tick, REFRESH_MS));
  };
  void load().finally(() => setTimeout(tick, REFRESH_MS));
  return panel;
}
