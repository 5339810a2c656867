// Configuration: defaults, precedence (flag > env > file), every problem at once, and the README staying in sync.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { describeOptions } from '../../src/config/schema.js';
import { HearthError } from '../../src/shared/errors.js';
import { tempDir } from '../helpers/hub.js';

const problemsOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(HearthError);
    expect((err as HearthError).code).toBe('HEARTH_CONFIG_INVALID');
    return (err as HearthError).details!.problems as string[];
  }
  throw new Error('expected a configuration error');
};

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const c = loadConfig({ env: {} });
    expect(c).toMatchObject({
      dataDir: './data',
      rulesDir: './rules',
      host: '0.0.0.0',
      mqtt: { port: 1883, allowAnonymous: false, maxPacketSize: 262144 },
      http: { port: 8080 },
    });
  });

  it('takes flags over environment over file', () => {
    const file = join(tempDir(), 'hearth.yaml');
    writeFileSync(file, 'mqtt:\n  port: 1000\nhttp:\n  port: 2000\ndataDir: /from/file\n');
    const c = loadConfig({ file, env: { HEARTH_MQTT_PORT: '3000', HEARTH_MQTT_ALLOW_ANONYMOUS: '1' }, flags: { 'mqtt.port': '4000' } });
    expect(c.mqtt.port).toBe(4000);
    expect(c.http.port).toBe(2000);
    expect(c.dataDir).toBe('/from/file');
    expect(c.mqtt.allowAnonymous).toBe(true);
  });

  it('reports every problem at once with its key, source and value', () => {
    const problems = problemsOf(() =>
      loadConfig({
        env: { HEARTH_HTTP_PORT: '-1', HEARTH_MQTT_ALLOW_ANONYMOUS: 'maybe' },
        overrides: { 'log.level': 'loud', 'mqtt.prot': 1, 'backup.at': '25:00' },
      }),
    );
    expect(problems).toContain('backup.at must be a time of day HH:MM (00:00-23:59), got "25:00"');
    expect(problems).toContain('http.port (HEARTH_HTTP_PORT) must be an integer 0-65535, got -1');
    expect(problems).toContain('mqtt.allowAnonymous (HEARTH_MQTT_ALLOW_ANONYMOUS) must be true or false, got "maybe"');
    expect(problems.some((p) => p.startsWith('log.level must be one of "debug", "info"'))).toBe(true);
    expect(problems.some((p) => p.startsWith('mqtt.prot is not a known option'))).toBe(true);
  });

  it('names a missing config file', () => {
    expect(problemsOf(() => loadConfig({ file: '/nonexistent/hearth.yaml', env: {} }))).toEqual([
      'config file /nonexistent/hearth.yaml cannot be read: ENOENT',
    ]);
  });

  it('every option is documented in the README', () => {
    const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');
    const missing = describeOptions()
      .filter(({ key }) => !readme.includes(`| \`${key}\` |`))
      .map(({ key }) => key);
    expect(missing).toEqual([]);
  });
});
