// A connection's queued messages after CONNECT (scripts/aedes-connect-patch.mjs): a client with nothing queued gets
// no stream built for it, and a persistent session with messages queued gets all of them, in order, as before.
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, connectListening, startTestHub, type TestHub, waitFor } from '../helpers/hub.js';

let th: TestHub | undefined;
afterEach(async () => {
  await th?.stop(true);
  th = undefined;
});

/** Counts the hub persistence's outgoingStream calls by client id. */
function countStreams(hub: TestHub): Map<string, number> {
  const calls = new Map<string, number>();
  const persistence = hub.hub.persistence;
  const original = persistence.outgoingStream.bind(persistence);
  persistence.outgoingStream = (client) => {
    calls.set(client.id, (calls.get(client.id) ?? 0) + 1);
    return original(client);
  };
  return calls;
}

describe('queued messages at connect', () => {
  it('builds no stream for a client with nothing queued, and the client works at once', async () => {
    th = await startTestHub();
    const streams = countStreams(th);
    const listener = await th.connect({ clientId: 'clean-listener', clean: true });
    await listener.subscribeAsync('home/porch/light/set', { qos: 1 });
    const heard = new Promise<string>((resolve) => listener.once('message', (_t, p) => resolve(p.toString())));
    const sender = await th.connect({ clientId: 'clean-sender', clean: true });
    await sender.publishAsync('home/porch/light/set', 'ON', { qos: 1 });
    expect(await heard).toBe('ON');
    expect(streams.get('clean-listener')).toBeUndefined();
    expect(streams.get('clean-sender')).toBeUndefined();
  });

  it('sends a persistent session everything queued while it was away, then builds no stream once it is empty', async () => {
    th = await startTestHub();
    const streams = countStreams(th);
    const options = { username: 'admin', password: ADMIN_PASSWORD, clientId: 'sleepy-lamp', clean: false, reconnectPeriod: 0 };
    const first = await connectListening(th.mqttUrl, options, () => undefined);
    await first.subscribeAsync('home/lamp/power/set', { qos: 1 });
    await first.endAsync();
    const sender = await th.connect();
    for (const n of ['1', '2', '3']) await sender.publishAsync('home/lamp/power/set', n, { qos: 1 });
    expect(th.hub.persistence.nothingQueued({ id: 'sleepy-lamp' })).toBe(false);

    const got: string[] = [];
    const back = await connectListening(th.mqttUrl, options, (_t, p) => got.push(p.toString()));
    await waitFor(() => got.length === 3, 'the three queued messages');
    expect(got).toEqual(['1', '2', '3']);
    expect(streams.get('sleepy-lamp')).toBe(1);
    // Acknowledged: the queue is empty, and the next connection of the session builds no stream.
    await waitFor(() => th!.hub.persistence.nothingQueued({ id: 'sleepy-lamp' }), 'the queue emptied by the acknowledgements');
    await back.endAsync();
    const again = await connectListening(th.mqttUrl, options, (_t, p) => got.push(p.toString()));
    await again.publishAsync('home/lamp/power/set', '4', { qos: 1 });
    await waitFor(() => got.length === 4, 'a live message on the resumed session');
    expect(got).toEqual(['1', '2', '3', '4']);
    expect(streams.get('sleepy-lamp')).toBe(1);
    await again.endAsync();
  });
});
