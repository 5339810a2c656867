// A flood of QoS 0 messages from another process must not take the hub down (it once overflowed the stack in the
// in-process bus: mqemitter recursed once per queued message when listeners called back synchronously).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ADMIN_PASSWORD, http, startTestHub } from '../helpers/hub.js';

const LOAD = join(import.meta.dirname, '../../dist/bench/load.js');

it('survives 50 clients publishing as fast as they can for three seconds, answers, and stops cleanly', { timeout: 120_000 }, async () => {
  // The per-client rate limit would disconnect these clients first; lift it to reach the bus under a real flood.
  const th = await startTestHub({ overrides: { 'mqtt.maxPublishRatePerClient': 1_000_000, 'mqtt.maxConnectionsPerAddress': 1000 } });
  try {
    const load = spawn(process.execPath, [LOAD, th.mqttUrl, 'admin', ADMIN_PASSWORD, '50', 'max', '3', 'flood'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    load.stdout.on('data', (d) => (out += d));
    load.stderr.on('data', (d) => (out += d));
    await new Promise((resolve) => load.on('exit', resolve));
    const sent = JSON.parse(out.trim().split('\n').at(-1)!).sent as number;
    // A real flood (tens of thousands queued), on a quiet machine or on a loaded one.
    expect(sent).toBeGreaterThan(20_000);
    // The hub works through the backlog, and answers meanwhile.
    expect((await http(th, 'GET', '/healthz', undefined, null)).status).toBe(200);
    const c = await th.connect();
    await c.publishAsync('home/after/flood', '1', { qos: 1 });
    expect((await http(th, 'GET', '/healthz', undefined, null)).status).toBe(200);
  } finally {
    // Stopping with a backlog still queued in the broker must not crash (it once overflowed the stack).
    await th.stop(true);
  }
});
