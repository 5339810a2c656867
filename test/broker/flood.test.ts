// A flood of QoS 0 messages must not take the hub down (it once overflowed the stack in the in-process bus).
import { expect, it } from 'vitest';
import { http, startTestHub, waitFor } from '../helpers/hub.js';

it('survives 40,000 QoS 0 messages as fast as ten clients can send them, and still answers', { timeout: 60_000 }, async () => {
  // The per-client rate limit would disconnect these clients first; lift it to reach the bus under a real flood.
  const th = await startTestHub({ overrides: { 'mqtt.maxPublishRatePerClient': 1_000_000 } });
  try {
    const clients = await Promise.all(Array.from({ length: 10 }, (_, i) => th.connect({ clientId: `flood-${i}` })));
    await Promise.all(clients.map(async (c, i) => {
      for (let k = 0; k < 4000; k++) {
        c.publish(`home/flood${i}/counter`, String(k));
        if (k % 500 === 0) await new Promise((r) => setImmediate(r));
      }
    }));
    await waitFor(() => th.hub.registry.has('flood9') && th.hub.registry.get('flood9').properties.counter?.value === 3999, 'the last reading', 40_000);
    expect((await http(th, 'GET', '/healthz', undefined, null)).status).toBe(200);
    for (let i = 0; i < 10; i++) expect(th.hub.registry.get(`flood${i}`).properties.counter!.value).toBe(3999);
  } finally {
    await th.stop(true);
  }
});
