// Backups: made while the hub runs under write load, restored into a working hub with the same devices, rules,
// users, retained messages and history; refused when they would overwrite a running hub or are not a backup;
// and made every day on schedule, keeping the newest few.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/shared/clock.js';
import { create } from 'tar';
import { runCli } from '../helpers/cli.js';
import { nextMessage, startTestHub, tempDir, waitFor, type TestHub } from '../helpers/hub.js';

const EXAMPLE_RULES = join(import.meta.dirname, '../../rules');

let th: TestHub | undefined;
afterEach(async () => {
  await th?.stop(true);
  th = undefined;
});

const historyRows = (t: TestHub) => (t.hub.db.prepare('SELECT count(*) AS n FROM history').get() as { n: number }).n;
const deviceIds = (t: TestHub) =>
  t.hub.registry
    .list()
    .map((d) => d.id)
    .sort();
const ruleStates = (t: TestHub) =>
  t.hub.ruleDirectory
    .list()
    .map((r) => `${r.id}:${r.status}`)
    .sort();

/** Publishers writing readings (and now and then a new device) until stopped. */
function writeLoad(clients: MqttClient[]) {
  let running = true;
  let n = 0;
  const loops = clients.map(async (c, i) => {
    while (running) {
      n++;
      await c.publishAsync(`home/sensor-${i}/temperature`, String(20 + (n % 50) / 10), { qos: 1 });
      if (n % 50 === 0) await c.publishAsync(`home/new-${n}/power`, 'on', { qos: 1 });
    }
  });
  return {
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
    count: () => n,
  };
}

describe('backup and restore', () => {
  it('a backup made by `hearth backup` under write load restores into a working hub with the same devices, rules and history', {
    timeout: 90_000,
  }, async () => {
    const rulesDir = join(tempDir(), 'rules');
    cpSync(EXAMPLE_RULES, rulesDir, { recursive: true });
    th = await startTestHub({ rulesDir });
    await runCli(['user', 'add', 'alice', '--role', 'viewer', '--password', 'alice-password-1'], { HEARTH_DATA_DIR: th.dataDir });
    const setup = await th.connect();
    await setup.publishAsync('home/boiler/firmware', '2.1.0', { qos: 1, retain: true });
    th.hub.rules.disable('garden-lights-at-sunset');
    const load = writeLoad(await Promise.all([0, 1, 2, 3].map((i) => th!.connect({ clientId: `load-${i}` }))));
    await waitFor(() => load.count() > 200, 'the write load under way');

    th.hub.writes.flush();
    const before = { devices: deviceIds(th), history: historyRows(th), rules: ruleStates(th) };
    const file = join(tempDir(), 'hearth.tar.gz');
    const res = await runCli(['backup', file], { HEARTH_DATA_DIR: th.dataDir, HEARTH_RULES_DIR: rulesDir });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(
      new RegExp(
        `^Backup written to .*hearth\\.tar\\.gz \\([\\d.]+ (KiB|MiB)\\): \\d+ devices, \\d+ history rows, 2 users, ${readdirSync(EXAMPLE_RULES).length} rule files, broker state`,
      ),
    );
    th.hub.writes.flush();
    const after = { devices: deviceIds(th), history: historyRows(th) };
    const sentDuringBackup = load.count();
    await load.stop();
    expect(after.history, 'the load kept writing during the backup').toBeGreaterThan(before.history);
    await th.stop(true);

    // Restore into a fresh data dir and rules dir, as onto a new Raspberry Pi.
    const dataDir = tempDir();
    const newRules = join(tempDir(), 'rules');
    const restored = await runCli(['restore', file], { HEARTH_DATA_DIR: dataDir, HEARTH_RULES_DIR: newRules });
    expect(restored.code, restored.stderr).toBe(0);
    expect(restored.stdout).toContain(`Restored the backup of`);
    expect(readdirSync(newRules).sort()).toEqual(readdirSync(rulesDir).sort());

    th = await startTestHub({ dataDir, rulesDir: newRules });
    // A snapshot from a moment during the backup: everything there before it started, nothing invented after it.
    const devices = deviceIds(th);
    expect(devices).toEqual(expect.arrayContaining(before.devices));
    expect(after.devices).toEqual(expect.arrayContaining(devices));
    const history = historyRows(th);
    expect(history).toBeGreaterThanOrEqual(before.history);
    expect(history).toBeLessThanOrEqual(after.history);
    expect(ruleStates(th)).toEqual(before.rules);
    expect(ruleStates(th)).toContain('garden-lights-at-sunset:disabled');
    expect(th.hub.users.countUsers()).toBe(2);
    expect(await th.hub.users.verify('alice', 'alice-password-1')).toBeTruthy();
    // The broker's state came along: the retained firmware version is delivered to a new subscriber.
    const reader = await th.connect();
    expect((await nextMessage(reader, 'home/boiler/firmware')).payload).toBe('2.1.0');
    console.log(
      `backup of ${before.history}..${after.history} history rows (${sentDuringBackup} readings sent meanwhile) restored with ${history}`,
    );
  });

  it('refuses to restore over a running hub, or a file that is not a backup, and changes nothing', { timeout: 60_000 }, async () => {
    th = await startTestHub();
    const env = { HEARTH_DATA_DIR: th.dataDir, HEARTH_RULES_DIR: join(th.dataDir, 'rules') };
    const file = join(tempDir(), 'good.tar.gz');
    expect((await runCli(['backup', file], env)).code).toBe(0);

    const running = await runCli(['restore', file], env);
    expect(running.code).toBe(1);
    expect(running.stderr).toMatch(/another hub \(pid \d+\) owns the data dir .*: stop it before you restore; nothing was changed/);
    await th.stop();

    const dbBefore = readFileSync(join(th.dataDir, 'hearth.db'));
    const garbage = join(tempDir(), 'garbage.tar.gz');
    writeFileSync(garbage, 'this is not a backup');
    const bad = await runCli(['restore', garbage], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^hearth restore: .*; nothing was changed/);

    // Archives that try to write outside the data dir, made with the tar library itself: a name that climbs out
    // with `..`, an absolute name, and a symbolic link a later entry would write through.
    const craft = tempDir();
    const inside = join(craft, 'in');
    mkdirSync(inside);
    writeFileSync(join(inside, 'manifest.json'), '{"format":"hearth-backup"}');
    const outside = join(craft, `evil-${Date.now()}.txt`);
    writeFileSync(outside, 'owned');
    symlinkSync('/etc', join(inside, 'rules'));
    const evil = (name: string, entries: string[]) => {
      const file = join(craft, name);
      return create({ gzip: true, file, cwd: inside, preservePaths: true }, entries).then(() => file);
    };
    const attempts = [
      {
        file: await evil('climb.tar.gz', ['manifest.json', `../${basename(outside)}`]),
        says: `unexpected entry "../${basename(outside)}"`,
      },
      { file: await evil('absolute.tar.gz', ['manifest.json', outside]), says: `unexpected entry "${outside}"` },
      { file: await evil('link.tar.gz', ['manifest.json', 'rules']), says: 'entry "rules" is not a regular file' },
    ];
    rmSync(outside);
    for (const attempt of attempts) {
      const res = await runCli(['restore', attempt.file], env);
      expect(res.code).toBe(1);
      expect(res.stderr).toContain(`not a Hearth backup: ${attempt.says}`);
      expect(existsSync(outside)).toBe(false);
    }
    expect(readFileSync(join(th.dataDir, 'hearth.db')).equals(dbBefore)).toBe(true);
    expect(readdirSync(th.dataDir).filter((n) => n.startsWith('.restore-') || n.startsWith('before-restore-'))).toEqual([]);

    // The good backup restores over the stopped hub's data dir; what was there is moved aside, not deleted.
    const ok = await runCli(['restore', file], env);
    expect(ok.code, ok.stderr).toBe(0);
    const aside = /kept in (\S+) /.exec(ok.stdout)![1]!;
    expect(readFileSync(join(aside, 'hearth.db')).equals(dbBefore)).toBe(true);
  });
});

describe('the daily backup', () => {
  it('runs at the configured local time and keeps the newest `backup.keep`', { timeout: 60_000 }, async () => {
    const clock = new FakeClock(new Date(2026, 10, 20, 3, 0, 0));
    th = await startTestHub({ clock, overrides: { 'backup.at': '03:30', 'backup.keep': 2, 'log.level': 'info' } });
    const dir = join(th.dataDir, 'backups');
    const files = () =>
      existsSync(dir)
        ? readdirSync(dir)
            .filter((n) => n.endsWith('.tar.gz'))
            .sort()
        : [];
    await clock.advance(29 * 60_000);
    expect(files()).toEqual([]);
    for (let day = 0; day < 3; day++) {
      await clock.advance(day === 0 ? 60_000 : 86_400_000);
      await waitFor(
        () =>
          files().length === Math.min(day + 1, 2) &&
          files()
            .at(-1)!
            .startsWith(`hearth-backup-202611${20 + day}-0330`),
        `backup of day ${day + 1}`,
      );
    }
    expect(files()).toEqual(['hearth-backup-20261121-033000.tar.gz', 'hearth-backup-20261122-033000.tar.gz']);
    expect(th.logs.some((l) => l.includes('daily backup written to') && l.includes('deleted 1 older one'))).toBe(true);
    expect(th.hub.metrics.value('hearth_backup_last_success_timestamp_seconds')).toBe(new Date(2026, 10, 22, 3, 30, 0).getTime() / 1000);
  });
});
