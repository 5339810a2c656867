// The sampler on its own, on a virtual clock: properties whose intervals end at different times each get their
// held reading kept when their own interval ends, not when another's does.
import { describe, expect, it } from 'vitest';
import type { PropertyRecord } from '../../src/devices/device-record.js';
import { HistorySampler } from '../../src/devices/history-sampler.js';
import { FakeClock } from '../../src/shared/clock.js';

describe('HistorySampler', () => {
  it('keeps each held reading when its own property’s interval ends', async () => {
    const clock = new FakeClock(0);
    const kept: string[] = [];
    const sampler = new HistorySampler({
      minIntervalMs: 1000,
      clock,
      write: (device, property, value, ts) => kept.push(`${device}/${property}=${value}@${ts}`),
    });
    const a: PropertyRecord = { value: 0, ts: 0 };
    const b: PropertyRecord = { value: 0, ts: 0 };
    const offer = (entry: PropertyRecord, device: string, value: number) =>
      sampler.offer(entry, device, 'power', value, clock.now(), value);

    offer(a, 'a', 1); // t=0: kept, a's interval ends at 1000
    await clock.advance(400);
    offer(b, 'b', 1); // t=400: kept, b's interval ends at 1400
    await clock.advance(100);
    offer(a, 'a', 2); // t=500: held until 1000
    offer(b, 'b', 2); // t=500: held until 1400
    await clock.advance(300);
    offer(a, 'a', 3); // t=800: replaces a's held reading
    expect(kept).toEqual(['a/power=1@0', 'b/power=1@400']);

    await clock.advance(200); // t=1000: a's interval ends, b's has not
    expect(kept).toEqual(['a/power=1@0', 'b/power=1@400', 'a/power=3@800']);
    await clock.advance(399); // t=1399
    expect(kept).toHaveLength(3);
    await clock.advance(1); // t=1400: b's interval ends
    expect(kept.at(-1)).toBe('b/power=2@500');
    expect(clock.pending).toBe(0);

    // Nothing held: a reading a whole interval after the last kept one goes at once.
    await clock.advance(1000);
    offer(a, 'a', 4);
    expect(kept.at(-1)).toBe(`a/power=4@${clock.now()}`);
  });

  it('a text value is never held, and goes after the number held before it', () => {
    const clock = new FakeClock(0);
    const kept: unknown[] = [];
    const sampler = new HistorySampler({ minIntervalMs: 1000, clock, write: (_d, _p, value) => kept.push(value) });
    const e: PropertyRecord = { value: 0, ts: 0 };
    sampler.offer(e, 'd', 'state', 1, 0, 1);
    sampler.offer(e, 'd', 'state', 2, 10, 2); // held
    sampler.offer(e, 'd', 'state', 'unavailable', 20, null);
    expect(kept).toEqual([1, 2, 'unavailable']);
    sampler.forget('d');
    sampler.flush();
    expect(kept).toHaveLength(3);
  });
});

describe('HistorySampler and a clock set back', () => {
  it('a reading older than the last one kept ends the interval instead of being held for the time the clock went back', async () => {
    const clock = new FakeClock(10_000_000);
    const kept: number[] = [];
    const sampler = new HistorySampler({ minIntervalMs: 1000, clock, write: (_d, _p, _v, ts) => kept.push(ts) });
    const e: PropertyRecord = { value: 0, ts: 0 };
    sampler.offer(e, 'd', 'power', 1, 10_000_000, 1);
    sampler.offer(e, 'd', 'power', 2, 10_000_100, 2); // held until 10,001,000
    // The clock goes back an hour (the held reading's timer was set on the old time).
    sampler.offer(e, 'd', 'power', 3, 6_400_000, 3);
    expect(kept).toEqual([10_000_000, 10_000_100, 6_400_000]);
  });
});

describe('HistorySampler with intervals per property', () => {
  it('a short interval held after a long one is kept when its own interval ends', async () => {
    const clock = new FakeClock(0);
    const kept: string[] = [];
    const sampler = new HistorySampler({
      minIntervalMs: 0,
      rules: [
        { match: 'meter/+', minIntervalMs: 10_000 },
        { match: '+/temperature', minIntervalMs: 1000 },
      ],
      clock,
      write: (device, property, value, ts) => kept.push(`${device}/${property}=${value}@${ts}`),
    });
    const meter: PropertyRecord = { value: 0, ts: 0 };
    const kitchen: PropertyRecord = { value: 0, ts: 0 };
    const door: PropertyRecord = { value: 0, ts: 0 };
    sampler.offer(meter, 'meter', 'power', 1, 0, 1);
    sampler.offer(kitchen, 'kitchen', 'temperature', 20, 0, 20);
    await clock.advance(100);
    sampler.offer(meter, 'meter', 'power', 2, 100, 2); // held until 10,000: the timer is set for then
    sampler.offer(kitchen, 'kitchen', 'temperature', 21, 100, 21); // held until 1,000: the timer comes sooner
    sampler.offer(door, 'door', 'battery', 90, 100, 90); // named by no rule, default 0: every reading kept
    sampler.offer(door, 'door', 'battery', 89, 100, 89);
    await clock.advance(900);
    expect(kept).toEqual([
      'meter/power=1@0',
      'kitchen/temperature=20@0',
      'door/battery=90@100',
      'door/battery=89@100',
      'kitchen/temperature=21@100',
    ]);
    await clock.advance(9000);
    expect(kept.at(-1)).toBe('meter/power=2@100');
    expect(sampler.active).toBe(true);
    expect(new HistorySampler({ minIntervalMs: 0, rules: [{ match: '#', minIntervalMs: 0 }], clock, write: () => undefined }).active).toBe(
      false,
    );
  });
});
