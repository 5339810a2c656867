// The in-memory bus that rule tests and replays run on routes like a broker: wildcards, $-topics, retained
// messages (and their deletion), delivery order, and a faulty subscriber that harms no one else.
import { describe, expect, it } from 'vitest';
import { MemoryBus } from '../../src/bus/memory-bus.js';
import type { BusMessage } from '../../src/bus/message-bus.js';

/** Subscribes and keeps what arrives as `topic=payload` (with ` (retained)` for a retained copy). */
async function listen(
  bus: MemoryBus,
  filter: string,
  options?: { retained?: boolean },
): Promise<{ got: string[]; off: () => Promise<void> }> {
  const got: string[] = [];
  const off = await bus.subscribe(
    filter,
    (m: BusMessage) => got.push(`${m.topic}=${m.payload.toString()}${m.retain ? ' (retained)' : ''}`),
    options,
  );
  return { got, off };
}

describe('the in-memory bus', () => {
  it('delivers by MQTT topic filters: + is one level, # the rest including the parent', async () => {
    const bus = new MemoryBus();
    const one = await listen(bus, 'home/+/temperature');
    const rest = await listen(bus, 'home/kitchen/#');
    const exact = await listen(bus, 'home/kitchen/temperature');
    for (const topic of [
      'home/kitchen/temperature',
      'home/hall/temperature',
      'home/kitchen',
      'home/kitchen/light/set',
      'home/hall/humidity',
    ])
      await bus.publish(topic, '1');
    expect(one.got).toEqual(['home/kitchen/temperature=1', 'home/hall/temperature=1']);
    expect(rest.got).toEqual(['home/kitchen/temperature=1', 'home/kitchen=1', 'home/kitchen/light/set=1']);
    expect(exact.got).toEqual(['home/kitchen/temperature=1']);
  });

  it('keeps $-topics from wildcards at the first level; a filter that names $SYS gets them', async () => {
    const bus = new MemoryBus();
    const all = await listen(bus, '#');
    const anyStatus = await listen(bus, '+/status');
    const sys = await listen(bus, '$SYS/#');
    await bus.publish('$SYS/status', 'up');
    await bus.publish('hearth/status', 'online');
    expect(all.got).toEqual(['hearth/status=online']);
    expect(anyStatus.got).toEqual(['hearth/status=online']);
    expect(sys.got).toEqual(['$SYS/status=up']);
  });

  it('gives a new subscriber the last retained message of each matching topic first, flagged retained; later ones live', async () => {
    const bus = new MemoryBus();
    await bus.publish('home/ac/power', 'off', { retain: true });
    await bus.publish('home/ac/power', 'on', { retain: true });
    await bus.publish('home/ac/mode', 'cool', { retain: true });
    await bus.publish('home/ac/fan', 'high'); // not retained: gone once delivered
    const late = await listen(bus, 'home/ac/+');
    expect(late.got).toEqual(['home/ac/power=on (retained)', 'home/ac/mode=cool (retained)']);
    await bus.publish('home/ac/power', 'off', { retain: true });
    expect(late.got.at(-1)).toBe('home/ac/power=off');
    const liveOnly = await listen(bus, 'home/ac/+', { retained: false });
    expect(liveOnly.got).toEqual([]);
  });

  it('an empty retained payload deletes the retained message, and reaches the subscribers that are there', async () => {
    const bus = new MemoryBus();
    await bus.publish('home/door/contact', 'open', { retain: true });
    const present = await listen(bus, 'home/door/#');
    await bus.publish('home/door/contact', '', { retain: true });
    expect(present.got).toEqual(['home/door/contact=open (retained)', 'home/door/contact=']);
    expect((await listen(bus, 'home/door/#')).got).toEqual([]);
  });

  it('delivers in publish order, to every subscriber, also what a subscriber publishes while it is handed a message', async () => {
    const bus = new MemoryBus();
    const seen: string[] = [];
    let inside = false;
    await bus.subscribe('home/#', (m) => {
      // A broker never runs a subscriber inside another's publish: the echo waits for its turn.
      expect(inside).toBe(false);
      inside = true;
      seen.push(`first ${m.topic}`);
      if (m.topic === 'home/a') void bus.publish('home/echo', 'x');
      inside = false;
    });
    await bus.subscribe('home/#', (m) => seen.push(`second ${m.topic}`));
    await bus.publish('home/a', '1');
    await bus.publish('home/b', '1');
    expect(seen).toEqual(['first home/a', 'second home/a', 'first home/echo', 'second home/echo', 'first home/b', 'second home/b']);
  });

  it('a subscriber that throws keeps the message from no one; the publish rejects with its error', async () => {
    const bus = new MemoryBus();
    await bus.subscribe('home/#', () => {
      throw new Error('subscriber bug');
    });
    const other = await listen(bus, 'home/#');
    await expect(bus.publish('home/a', '1')).rejects.toThrow('subscriber bug');
    expect(other.got).toEqual(['home/a=1']);
    await other.off();
    await expect(bus.publish('home/b', '1')).rejects.toThrow('subscriber bug');
    expect(other.got).toEqual(['home/a=1']);
  });
});
