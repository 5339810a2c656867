// Log lines: readable by a person and by journald, JSON for log shippers, and never a secret in any of them.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../src/shared/logger.js';

const ROOT = join(import.meta.dirname, '../..');

/** Logs two lines from a child process with the given environment; returns what it wrote to stderr. */
function logFrom(env: Record<string, string>, format: 'text' | 'json' = 'text'): string {
  const script = `
    const { createLogger } = await import('./dist/src/shared/logger.js');
    const log = createLogger({ level: 'info', format: '${format}' }).child('devices').child('presence');
    log.warn('kitchen went offline', { password: 'hunter2', reason: 'keepalive' });
    log.debug('not shown at info');`;
  return spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    encoding: 'utf8',
  }).stderr;
}

describe('logger', () => {
  it('writes one line per event for a person: time, level, scope, message and fields, secrets redacted', () => {
    const out = logFrom({ JOURNAL_STREAM: '' });
    expect(out).toMatch(
      /^\d{4}-\d\d-\d\dT[\d:.]+Z WARN {2}\[devices:presence\] kitchen went offline \{"password":"\[redacted\]","reason":"keepalive"\}\n$/,
    );
  });

  it('under systemd, starts each line with its syslog priority instead of a time, so journalctl -p works', () => {
    expect(logFrom({ JOURNAL_STREAM: '8:12345' })).toBe(
      '<4>WARN  [devices:presence] kitchen went offline {"password":"[redacted]","reason":"keepalive"}\n',
    );
  });

  it('writes pino JSON with log.format: json', () => {
    const record = JSON.parse(logFrom({ JOURNAL_STREAM: '' }, 'json'));
    expect(record).toMatchObject({
      level: 40,
      scope: 'devices:presence',
      msg: 'kitchen went offline',
      password: '[redacted]',
      reason: 'keepalive',
    });
  });

  it('keeps lines in memory for tests, at the chosen level', () => {
    const log = createMemoryLogger('info');
    log.child('rules').info('loaded', { token: 'abc' });
    log.debug('hidden');
    expect(log.lines).toHaveLength(1);
    expect(log.lines[0]).toContain('INFO  [rules] loaded {"token":"[redacted]"}');
  });
});
