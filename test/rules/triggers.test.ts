// Each trigger kind, on a real in-process broker with a virtual clock.
import { afterEach, describe, expect, it } from 'vitest';
import { nextSunEvent } from '../../src/rules/sun.js';
import { startEngine, type EngineHarness } from '../helpers/engine.js';

let h: EngineHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const rule = (trigger: string, extra = '') => `
id: r
${extra}
triggers:
${trigger}
actions:
  - action: publish
    topic: home/out/value/set
    payload: "{{ trigger.value }}"
`;

describe('triggers', () => {
  it('mqtt: a topic filter with wildcards, a payload match and a value path into JSON', async () => {
    h = await startEngine({
      'r.yaml': rule(`  - trigger: mqtt
    topic: zigbee/+/action
    value: action
    payload: single`),
    });
    await h.publish('zigbee/button1/action', '{"action":"double","battery":90}');
    await h.publish('zigbee/button1/action', '{"action":"single","battery":90}');
    expect(h.commands()).toEqual(['home/out/value/set=single']);
    expect(h.engine.traces('r').find((t) => t.outcome === 'trigger_rejected')!.reason).toBe('mqtt: action is "double", wanted "single"');
  });

  it('state: from/to and for', async () => {
    h = await startEngine(
      {
        'r.yaml': rule(`  - trigger: state
    topic: home/door/contact
    from: closed
    to: open
    for: 30s`),
      },
      { states: [['home/door/contact', 'closed']] },
    );
    await h.publish('home/door/contact', 'open');
    await h.clock.advance(10_000);
    await h.publish('home/door/contact', 'closed');
    await h.clock.advance(60_000);
    expect(h.commands()).toEqual([]);
    expect(h.engine.traces('r').map((t) => t.reason)).toContain('for: 30s interrupted after 10s by "closed"');
    await h.publish('home/door/contact', 'open');
    await h.clock.advance(30_000);
    expect(h.commands()).toEqual(['home/out/value/set=open']);
  });

  it('numeric_state: fires on crossing into the range, not on every update; below works too', async () => {
    h = await startEngine(
      {
        'r.yaml': rule(`  - trigger: numeric_state
    topic: home/tank/level
    below: 20`),
      },
      { states: [['home/tank/level', 50]] },
    );
    for (const v of ['30', '15', '12', '10', '25', '18']) await h.publish('home/tank/level', v);
    expect(h.commands()).toEqual(['home/out/value/set=15', 'home/out/value/set=18']);
    const reasons = h.engine.traces('r').map((t) => t.reason);
    expect(reasons).toContain('numeric_state: 30 is not below 20');
  });

  it('numeric_state: a non-numeric value is rejected with a reason', async () => {
    h = await startEngine({
      'r.yaml': rule(`  - trigger: numeric_state
    topic: home/tank/level
    above: 5`),
    });
    await h.publish('home/tank/level', 'unavailable');
    expect(h.engine.traces('r')[0]!.reason).toBe('numeric_state: "unavailable" is not a number');
  });

  it('device: online/offline of any device, with for', async () => {
    h = await startEngine(
      {
        'r.yaml': rule(`  - trigger: device
    device: "+"
    to: offline
    for: 1m`),
      },
      { states: [['home/plug/status', 'online']] },
    );
    await h.publish('home/plug/status', 'offline');
    await h.clock.advance(30_000);
    await h.publish('home/plug/status', 'online');
    await h.publish('home/lamp/status', 'offline');
    await h.clock.advance(60_000);
    expect(h.commands()).toEqual(['home/out/value/set=offline']);
    expect(h.engine.traces('r').find((t) => t.outcome === 'ran')!.trigger.device).toBe('lamp');
  });

  it('time: at a time of day, every day', async () => {
    h = await startEngine(
      {
        'r.yaml': rule(`  - trigger: time
    at: "07:30"`),
      },
      { start: new Date(2026, 5, 15, 7, 0, 0) },
    );
    await h.clock.advance(29 * 60_000);
    expect(h.commands()).toEqual([]);
    await h.clock.advance(60_000);
    expect(h.commands()).toHaveLength(1);
    await h.clock.advance(24 * 3600_000);
    expect(h.commands()).toHaveLength(2);
  });

  it('time_pattern and cron: every 15 minutes', async () => {
    h = await startEngine(
      {
        'a.yaml': rule(`  - trigger: time_pattern
    minutes: "/15"`),
        'b.yaml': rule(`  - trigger: cron
    cron: "*/15 * * * *"`).replace('id: r', 'id: c'),
      },
      { start: new Date(2026, 5, 15, 12, 1, 0) },
    );
    await h.clock.advance(60 * 60_000);
    const times = h.engine
      .traces('r')
      .filter((t) => t.outcome === 'ran')
      .map((t) => new Date(t.startedAt).getMinutes())
      .sort((a, b) => a - b);
    expect(times).toEqual([0, 15, 30, 45]);
    expect(h.engine.traces('c').filter((t) => t.outcome === 'ran')).toHaveLength(4);
  });

  it('sun: sunset with an offset, computed offline for the configured place', async () => {
    const location = { latitude: 48.85, longitude: 2.35 };
    const start = new Date(2026, 5, 15, 12, 0, 0).getTime();
    h = await startEngine(
      {
        'r.yaml': rule(`  - trigger: sun
    event: sunset
    offset: -30m`),
      },
      { start, location },
    );
    const due = nextSunEvent('sunset', -30 * 60_000, start, location)!;
    // Paris on 15 June: sunset about 19:58 UTC, so 30 minutes earlier is about 19:28 UTC.
    const utcMinutes = new Date(due).getUTCHours() * 60 + new Date(due).getUTCMinutes();
    expect(utcMinutes).toBeGreaterThan(19 * 60 + 15);
    expect(utcMinutes).toBeLessThan(19 * 60 + 40);
    await h.clock.advanceTo(due - 1000);
    expect(h.commands()).toEqual([]);
    await h.clock.advance(1000);
    expect(h.commands()).toHaveLength(1);
  });

  it('hub: start fires when the engine starts', async () => {
    h = await startEngine({
      'r.yaml': rule(`  - trigger: hub
    event: start`),
    });
    await h.clock.advance(0);
    expect(h.commands()).toEqual(['home/out/value/set=start']);
  });

  it('webhook: fires with the request body, unknown ids do nothing', async () => {
    h = await startEngine({
      'r.yaml': rule(`  - trigger: webhook
    webhook_id: doorbell-7f3a9c`),
    });
    expect(h.engine.handleWebhook('wrong-id-000', {})).toBe(false);
    expect(h.engine.handleWebhook('doorbell-7f3a9c', { pressed: true })).toBe(true);
    await h.clock.advance(0);
    expect(h.commands()).toEqual(['home/out/value/set={"pressed":true}']);
  });
});
