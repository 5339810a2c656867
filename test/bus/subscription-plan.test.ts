// Which of the hub's filters the broker must hold: a filter within a broader one is reached through it.
import { describe, expect, it } from 'vitest';
import { planSubscriptions } from '../../src/bus/subscription-plan.js';

const f = (filter: string, asPublished = false) => ({ filter, asPublished });

function plan(...filters: Array<{ filter: string; asPublished: boolean }>): Record<string, string | null> {
  return Object.fromEntries([...planSubscriptions(filters)].map(([sub, via]) => [sub.filter, via?.filter ?? null]));
}

describe('planSubscriptions', () => {
  it('the registry and the rules: home/+/+ comes through #', () => {
    expect(plan(f('home/+/+'), f('#'))).toEqual({ 'home/+/+': '#', '#': null });
  });

  it('chains end at the broadest filter', () => {
    expect(plan(f('home/+/+'), f('home/#'), f('#'))).toEqual({ 'home/+/+': '#', 'home/#': '#', '#': null });
  });

  it('overlapping filters that do not contain each other are both held', () => {
    expect(plan(f('home/+/temperature'), f('home/kitchen/#'))).toEqual({ 'home/+/temperature': null, 'home/kitchen/#': null });
  });

  it('$-topics are not within a filter that starts with a wildcard [MQTT-4.7.2-1]', () => {
    expect(plan(f('$SYS/broker/uptime'), f('#'), f('+/x'))).toEqual({ '$SYS/broker/uptime': null, '#': null, '+/x': '#' });
  });

  it("a filter that needs the publisher's retain flag (a bridge) is held unless a broader one keeps it too", () => {
    expect(plan(f('home/#', true), f('#'))).toEqual({ 'home/#': null, '#': null });
    expect(plan(f('home/+/+'), f('home/#', true))).toEqual({ 'home/+/+': 'home/#', 'home/#': null });
  });
});
