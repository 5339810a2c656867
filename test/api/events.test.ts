// Live events over SSE: a reading reaches the browser within 100 ms, filters work, slow clients cannot make the hub buffer without bound.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventStream } from '../../src/api/event-stream.js';
import { http, startTestHub, waitFor, type TestHub } from '../helpers/hub.js';
import { inject, login } from './support.js';

let th: TestHub;
beforeAll(async () => {
  th = await startTestHub();
});
afterAll(async () => {
  await th.stop(true);
});

/** Opens /api/events over the real port; `next(type)` resolves with the data of the next event of that type. */
async function openStream(query: string, headers: Record<string, string> = { authorization: th.auth }) {
  const controller = new AbortController();
  const res = await fetch(`${th.httpUrl}/api/events${query}`, { headers, signal: controller.signal });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const frames: Array<{ type: string; data: any }> = [];
  const waiters: Array<{ type: string; resolve: (e: { type: string; data: any }) => void }> = [];
  const pump = async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      for (end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const type = /^event: (.+)$/m.exec(frame)?.[1];
        const data = /^data: (.+)$/m.exec(frame)?.[1];
        if (!type || !data) continue;
        const event = { type, data: JSON.parse(data) };
        frames.push(event);
        // Resolved here, as the bytes arrive, so a latency measured through next() has no polling in it.
        for (const w of waiters.splice(0))
          if (w.type === type) w.resolve(event);
          else waiters.push(w);
      }
    }
  };
  const pumping = pump().catch(() => undefined);
  return {
    res,
    frames,
    next(type: string, timeoutMs = 2000): Promise<{ type: string; data: any }> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${type} event within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({
          type,
          resolve: (e) => {
            clearTimeout(timer);
            resolve(e);
          },
        });
      });
    },
    async close() {
      controller.abort();
      await pumping;
    },
  };
}

describe('live events', () => {
  it('delivers a published reading within 100 ms (real port, real MQTT client)', async () => {
    const sensor = await th.connect({ clientId: 'hall' });
    // Nagle's algorithm on the test's own socket would hold a small publish for the previous one's delayed ACK (~40 ms).
    (sensor.stream as unknown as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
    await sensor.publishAsync('home/hall/status', 'online', { qos: 1 });
    await waitFor(() => th.hub.registry.has('hall'), 'hall');
    const stream = await openStream('?types=device.state&device=hall');
    expect(stream.res.status).toBe(200);
    expect(stream.res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(stream.res.headers.get('content-security-policy')).toContain("default-src 'self'");
    await new Promise((r) => setTimeout(r, 50)); // the stream's listener is attached when the head is sent
    const latencies: number[] = [];
    for (let i = 0; i < 5; i++) {
      const sent = performance.now();
      const waiting = stream.next('device.state');
      await sensor.publishAsync('home/hall/motion', String(i % 2 === 0), { qos: 0 });
      const event = await waiting;
      latencies.push(performance.now() - sent);
      expect(event.data).toEqual({ deviceId: 'hall', property: 'motion', value: i % 2 === 0, ts: expect.any(Number) });
    }
    await stream.close();
    console.log(`SSE: publish → event in ${latencies.map((l) => l.toFixed(1)).join(', ')} ms`);
    expect(Math.max(...latencies)).toBeLessThan(100);
  });

  it('filters by type and device, and carries online/offline and device edits', async () => {
    const all = await openStream('');
    const onlyKitchen = await openStream('?types=device.online,device.updated&device=kitchen');
    await new Promise((r) => setTimeout(r, 50));
    const c = await th.connect({ clientId: 'kitchen-sensor' });
    await c.publishAsync('home/garage/status', 'online', { qos: 1 });
    await c.publishAsync('home/kitchen/status', 'online', { qos: 1 });
    await c.publishAsync('home/kitchen/temperature', '21', { qos: 1 });
    await waitFor(() => th.hub.registry.has('kitchen') && th.hub.registry.get('kitchen').properties.temperature, 'kitchen');
    await http(th, 'PATCH', '/api/devices/kitchen', { room: 'Kitchen' });
    await waitFor(() => onlyKitchen.frames.length >= 2 && all.frames.some((f) => f.type === 'device.updated'), 'events');
    expect(onlyKitchen.frames).toEqual([
      { type: 'device.online', data: { deviceId: 'kitchen', online: true, ts: expect.any(Number), reason: 'published online' } },
      { type: 'device.updated', data: { deviceId: 'kitchen' } },
    ]);
    expect(new Set(all.frames.map((f) => f.type))).toEqual(new Set(['device.created', 'device.online', 'device.state', 'device.updated']));
    await Promise.all([all.close(), onlyKitchen.close()]);
  });

  it('a non-number on a numeric property is a device.problem event, sent once per property', async () => {
    const stream = await openStream('?types=device.problem&device=cellar');
    await new Promise((r) => setTimeout(r, 50));
    const c = await th.connect({ clientId: 'cellar-sensor' });
    await c.publishAsync('home/cellar/temperature', '12.5', { qos: 1 });
    const problem = stream.next('device.problem');
    await c.publishAsync('home/cellar/temperature', '12.5 °C', { qos: 1 });
    await c.publishAsync('home/cellar/temperature', 'cold', { qos: 1 });
    expect((await problem).data).toEqual({
      deviceId: 'cellar',
      property: 'temperature',
      message:
        'home/cellar/temperature got "12.5 °C", which is not a number (a number with a unit: publish 12.5 alone); its earlier readings were numbers. It is stored as text and left out of the chart.',
      ts: expect.any(Number),
    });
    await waitFor(() => th.hub.registry.get('cellar').properties.temperature?.value === 'cold', 'the second odd value');
    await new Promise((r) => setTimeout(r, 50));
    expect(stream.frames.filter((f) => f.type === 'device.problem')).toHaveLength(1);
    await stream.close();
  });

  it('works with the session cookie (EventSource sends cookies); 401 without; 400 for an unknown type', async () => {
    const { cookie } = await login(th);
    const stream = await openStream('?types=device.state', { cookie });
    expect(stream.res.status).toBe(200);
    await stream.close();
    expect((await http(th, 'GET', '/api/events', undefined, null)).status).toBe(401);
    const bad = await inject(th, { method: 'GET', url: '/api/events?types=device.state,device.exploded' });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({
      code: 'HEARTH_VALIDATION',
      field: 'querystring.types',
      message: expect.stringContaining('unknown event type "device.exploded"'),
    });
    expect((await inject(th, { method: 'GET', url: '/api/events?device=Not%20A%20Device' })).json.field).toBe('querystring.device');
  });

  it('a client that stops reading is dropped, not buffered without bound', async () => {
    const controller = new AbortController();
    const res = await fetch(`${th.httpUrl}/api/events?types=hub.log`, { headers: { authorization: th.auth }, signal: controller.signal });
    expect(res.status).toBe(200);
    await new Promise((r) => setTimeout(r, 50));
    const before = th.hub.metrics.value('hearth_sse_dropped_total');
    const big = 'x'.repeat(64 * 1024);
    // Never read: the socket's buffers fill, then the stream's, and the hub gives up on the client.
    for (let i = 0; i < 400 && th.hub.metrics.value('hearth_sse_dropped_total') === before; i++) {
      th.hub.events.emit('hub.log', { level: 'info', message: big, ts: Date.now() });
      if (i % 20 === 0) await new Promise((r) => setImmediate(r));
    }
    expect(th.hub.metrics.value('hearth_sse_dropped_total')).toBe(before + 1);
    await waitFor(() => th.hub.metrics.value('hearth_sse_clients') === 0, 'stream closed');
    controller.abort();
  });

  it('the hub stops promptly with a live-event client connected', async () => {
    const other = await startTestHub();
    const controller = new AbortController();
    const res = await fetch(`${other.httpUrl}/api/events`, { headers: { authorization: other.auth }, signal: controller.signal });
    const reader = res.body!.getReader();
    await reader.read();
    const t = performance.now();
    await other.stop(true);
    expect(performance.now() - t).toBeLessThan(2000);
    expect((await reader.read()).done).toBe(true);
  });
});

describe('EventStream backpressure', () => {
  // A socket that takes bytes only when told to: write() answers false once 1 KiB is waiting.
  function slowSocket() {
    const written: string[] = [];
    const held: Array<() => void> = [];
    const out = new Writable({
      highWaterMark: 1024,
      write(chunk, _encoding, callback) {
        written.push(chunk.toString());
        held.push(callback);
      },
    });
    const drain = async () => {
      while (held.length > 0) {
        held.shift()!();
        await new Promise((r) => setImmediate(r));
      }
    };
    return { out, written, drain };
  }

  it('coalesces device.state per property while the socket is backed up, then sends the latest values', async () => {
    const { out, written, drain } = slowSocket();
    let coalesced = 0;
    const stream = new EventStream(out, { onCoalesce: () => coalesced++ });
    stream.send('rule.run', { ruleId: 'filler', outcome: 'ran', ts: 0, message: 'y'.repeat(2000) }); // backs the socket up
    for (let v = 0; v < 100; v++) {
      expect(stream.send('device.state', { deviceId: 'a', property: 't', value: v, ts: v })).toBe('coalesced');
      stream.send('device.state', { deviceId: 'b', property: 'h', value: -v, ts: v });
    }
    expect(stream.send('device.online', { deviceId: 'a', online: false, ts: 1 })).toBe('sent');
    expect(coalesced).toBe(200);
    await drain();
    const text = written.join('');
    expect(text.match(/event: device\.state/g)).toHaveLength(2);
    expect(text).toContain('"deviceId":"a","property":"t","value":99');
    expect(text).toContain('"deviceId":"b","property":"h","value":-99');
    expect(stream.send('device.state', { deviceId: 'a', property: 't', value: 100, ts: 100 })).toBe('sent');
  });

  it('drops a client whose unsent bytes pass the limit', () => {
    const { out } = slowSocket();
    const reasons: string[] = [];
    const stream = new EventStream(out, { maxBuffered: 8 * 1024, onDrop: (why) => reasons.push(why) });
    const results = Array.from({ length: 20 }, () => stream.send('rule.error', { ruleId: 'r', message: 'z'.repeat(1000), ts: 0 }));
    expect(results.filter((r) => r === 'dropped').length).toBeGreaterThan(0);
    expect(out.destroyed).toBe(true);
    expect(reasons[0]).toMatch(/bytes unsent/);
    expect(out.writableLength).toBeLessThan(10 * 1024);
  });
});
