// The external broker and bridge settings: environment variables, and every mistake named with its place.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileTopics, inbound, outbound } from '../../src/bus/bridge-topics.js';
import { loadConfig } from '../../src/config/load-config.js';
import type { HearthError } from '../../src/shared/errors.js';
import { startTestHub, tempDir } from '../helpers/hub.js';

function problems(overrides: Record<string, unknown>, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    loadConfig({ env, overrides });
  } catch (err) {
    return ((err as HearthError).details?.problems as string[]) ?? [];
  }
  return [];
}

describe('external broker and bridge configuration', () => {
  it('takes the external broker from HEARTH_MQTT_URL, HEARTH_MQTT_USERNAME and HEARTH_MQTT_PASSWORD, with a default client id', () => {
    const config = loadConfig({
      env: { HEARTH_MQTT_URL: 'mqtts://broker.lan:8883', HEARTH_MQTT_USERNAME: 'hearth', HEARTH_MQTT_PASSWORD: 'secret-password' },
    });
    expect(config.mqtt).toMatchObject({
      url: 'mqtts://broker.lan:8883',
      username: 'hearth',
      password: 'secret-password',
      clientId: 'hearth',
      sessionExpirySeconds: 604800,
      tls: {},
    });
    expect(config.bridges).toEqual([]);
  });

  it('names a bad broker URL, a bad topic filter, an unknown direction and a missing topic list', () => {
    const found = problems({
      'mqtt.url': 'http://broker.lan',
      bridges: [
        {
          name: 'cloud',
          url: 'mqtts://cloud.example:8883',
          topics: [{ pattern: 'home/#/x' }, { pattern: 'cmd/#', direction: 'sideways' }],
        },
        { name: 'Second Site', url: 'broker.lan' },
      ],
    });
    expect(found).toEqual(
      expect.arrayContaining([
        'mqtt.url must be a broker URL (mqtt://, mqtts://, ws:// or wss://host[:port]), got "http://broker.lan"',
        'bridges.0.topics.0.pattern must be an MQTT topic filter (+ and # only as whole levels, # last), got "home/#/x"',
        'bridges.0.topics.1.direction must be one of "out", "in", "both", got "sideways"',
        'bridges.1.name must be a name of 1-64 characters a-z, 0-9, _ or -, got "Second Site"',
        'bridges.1.url must be a broker URL (mqtt://, mqtts://, ws:// or wss://host[:port]), got "broker.lan"',
      ]),
    );
    expect(found.some((p) => p.startsWith('bridges.1.topics'))).toBe(true);
  });

  it("fills a topic rule in Mosquitto's spirit: out, QoS 1, no prefixes", () => {
    const config = loadConfig({
      env: {},
      overrides: { bridges: [{ name: 'cloud', url: 'mqtt://cloud:1883', topics: [{ pattern: 'home/#' }] }] },
    });
    expect(config.bridges[0]).toMatchObject({
      topics: [{ pattern: 'home/#', direction: 'out', qos: 1, localPrefix: '', remotePrefix: '' }],
      maxQueued: 100000,
      maxQueuedBytes: 67108864,
    });
  });

  it('a bridge whose password variable is not set stops the start, naming it', async () => {
    await expect(
      startTestHub({
        overrides: {
          bridges: [
            { name: 'cloud', url: 'mqtt://127.0.0.1:1', passwordEnv: 'HEARTH_TEST_UNSET_CLOUD_PASSWORD', topics: [{ pattern: 'home/#' }] },
          ],
        },
      }),
    ).rejects.toThrow('bridges[0].passwordEnv: the environment variable HEARTH_TEST_UNSET_CLOUD_PASSWORD is not set');
  });
});

describe("the README's bridge example", () => {
  it('is a valid configuration that maps topics as the README says', () => {
    const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');
    const block = /^```yaml\n(bridges:[\s\S]*?)^```/m.exec(readme)![1]!;
    const file = join(tempDir(), 'hearth.yaml');
    writeFileSync(file, block);
    const config = loadConfig({ env: {}, file });
    expect(config.bridges[0]).toMatchObject({ name: 'cloud', passwordEnv: 'HEARTH_CLOUD_PASSWORD' });
    const rules = compileTopics(config.bridges[0]!.topics);
    expect(outbound(rules, 'home/kitchen/temperature')?.topic).toBe('sites/home-1/home/kitchen/temperature');
    expect(inbound(rules, 'sites/home-1/home/lamp/power/set')?.topic).toBe('home/lamp/power/set');
  });
});
