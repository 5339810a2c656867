// A bridge's topic rules, Mosquitto-style: what goes out under which remote topic, what comes in, and the echo guard.
import { describe, expect, it } from 'vitest';
import { compileTopics, EchoGuard, inbound, outbound } from '../../src/bus/bridge-topics.js';

const rules = compileTopics([
  { pattern: 'home/+/temperature', direction: 'out', qos: 1, localPrefix: '', remotePrefix: 'site1/' },
  { pattern: 'cmd/#', direction: 'in', qos: 1, localPrefix: 'remote/', remotePrefix: 'site1/' },
  { pattern: 'shared/#', direction: 'both', qos: 0, localPrefix: '', remotePrefix: '' },
  { pattern: 'home/#', direction: 'out', qos: 0, localPrefix: '', remotePrefix: 'all/' },
]);

describe('bridge topics', () => {
  it.each([
    ['home/kitchen/temperature', 'site1/home/kitchen/temperature', 0],
    ['home/kitchen/humidity', 'all/home/kitchen/humidity', 3],
    ['shared/a/b', 'shared/a/b', 2],
    ['remote/cmd/x', undefined, undefined],
    ['other/x', undefined, undefined],
  ])('local %s goes out as %s (rule %s)', (local, remote, index) => {
    const found = outbound(rules, local);
    expect(found?.topic).toBe(remote);
    expect(found?.rule.index).toBe(index);
  });

  it.each([
    ['site1/cmd/light/set', 'remote/cmd/light/set'],
    ['shared/x', 'shared/x'],
    ['site1/home/kitchen/temperature', undefined],
  ])('remote %s comes in as %s', (remote, local) => {
    expect(inbound(rules, remote)?.topic).toBe(local);
  });

  it('the echo of a message the bridge put there itself is recognised once, and forgotten after its time', () => {
    let now = 0;
    const guard = new EchoGuard(1000, () => now);
    guard.expect('shared/a', Buffer.from('1'));
    guard.expect('shared/a', Buffer.from('1'));
    expect(guard.take('shared/a', Buffer.from('2'))).toBe(false);
    expect(guard.take('shared/a', Buffer.from('1'))).toBe(true);
    expect(guard.take('shared/a', Buffer.from('1'))).toBe(true);
    expect(guard.take('shared/a', Buffer.from('1'))).toBe(false);
    guard.expect('shared/b', Buffer.from('x'));
    now = 1001;
    expect(guard.take('shared/b', Buffer.from('x'))).toBe(false);
    expect(guard.size).toBe(0);
  });
});
