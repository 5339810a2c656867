#!/usr/bin/env node
// The `hearth` command: parses the command line, loads the configuration and runs one command.
import { parseArgs } from 'node:util';
import { createInterface } from 'node:readline';
import { loadConfig } from './config/load-config.js';
import type { HearthConfig } from './config/schema.js';
import { credentialTopics } from './devices/adapters/index.js';
import { Hub } from './hub.js';
import { runRulesCheck } from './rules/check-command.js';
import { runRulesWhy } from './rules/why-command.js';
import { runRulesTest } from './rules/test-command.js';
import { replayRule } from './rules/replay.js';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { markBuildInUse } from './shared/build-in-use.js';
import { HearthError } from './shared/errors.js';
import { generatePassword } from './shared/password.js';
import { parseTimeArg, TIME_FORMS } from './shared/time-arg.js';
import { openDatabase } from './store/database.js';
import { createBackup, restoreBackup } from './store/backup.js';
import { SessionRepo } from './store/session-repo.js';
import { UserRepo, type Role } from './store/user-repo.js';

const USAGE = `Usage: hearth <command> [options]

Commands:
  start                 run the hub (MQTT broker, rules, API and dashboard)
  user add <name>       create a user or reset its password [--role admin|viewer] [--password P | password on stdin]
  device add <id> [--adapter zigbee2mqtt|homeassistant]
                        issue MQTT credentials bound to one device, or a bridge's login limited to an
                        adapter's topics (prints the password once)
  rules check [dir]     validate the rule files (default: the rules dir); exit 1 on any problem
  rules why <id> [-n N] why a rule did or did not fire: its latest traces, in words
  rules test [dir]      run the *.test.yaml rule tests on a virtual clock; exit 1 on any failure
  rules replay <file> [--from TIME] [--to TIME]
                        run a rule file against recorded history (default: the last 24 h); actions are not executed
  simulate [--devices N] [--rate R] [--url mqtt://…] [--username U] [--password P] [--duration S]
                        run simulated devices against a hub (password also from HEARTH_SIMULATE_PASSWORD)
  notify test [channel] send a test notification to one channel or every enabled one; prints each answer
  backup <file>         write a backup (.tar.gz: database, broker state, rules) while the hub runs or not
  restore <file>        restore a backup into the data and rules dirs (the hub must be stopped; what was
                        there is moved aside into <data-dir>/before-restore-<time>)
  help                  show this text

Options of start (each also has a HEARTH_* variable and a config-file key; see the README):
  --config FILE   --data-dir DIR   --rules-dir DIR   --host ADDR   --mqtt-port N   --http-port N   --demo`;

const OPTIONS = {
  config: { type: 'string' },
  'data-dir': { type: 'string' },
  'rules-dir': { type: 'string' },
  host: { type: 'string' },
  'mqtt-port': { type: 'string' },
  'http-port': { type: 'string' },
  demo: { type: 'boolean' },
  role: { type: 'string' },
  password: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  n: { type: 'string', short: 'n' },
  from: { type: 'string' },
  to: { type: 'string' },
  adapter: { type: 'string' },
} as const;

export async function main(argv: string[]): Promise<number> {
  // The simulator has options of its own.
  if (argv[0] === 'simulate') return (await import('./simulator/command.js')).runSimulateCommand(argv.slice(1));
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || !command || command === 'help') {
    process.stdout.write(USAGE + '\n');
    return command || values.help ? 0 : 2;
  }
  const config = () =>
    loadConfig({
      file: values.config,
      flags: {
        dataDir: values['data-dir'],
        rulesDir: values['rules-dir'],
        host: values.host,
        'mqtt.port': values['mqtt-port'],
        'http.port': values['http-port'],
        demo: values.demo,
      },
    });

  switch (command) {
    case 'start':
      return start(config());
    case 'user':
      if (rest[0] !== 'add' || !rest[1]) break;
      return addUser(config(), rest[1], (values.role ?? 'admin') as Role, values.password);
    case 'device':
      if (rest[0] !== 'add' || !rest[1]) break;
      return addDevice(config(), rest[1], values.adapter);
    case 'rules':
      if (rest[0] === 'check') return runRulesCheck(rest[1] ?? config().rulesDir, (line) => process.stdout.write(line + '\n'));
      if (rest[0] === 'test') return (await runRulesTest(rest[1] ?? config().rulesDir, (line) => process.stdout.write(line + '\n'))).code;
      if (rest[0] === 'replay' && rest[1]) return replayCommand(config(), rest[1], values.from, values.to);
      if (rest[0] === 'why' && rest[1]) {
        const db = openDatabase(config().dataDir);
        try {
          return runRulesWhy(db, rest[1], Number(values.n ?? 1), (line) => process.stdout.write(line + '\n'));
        } finally {
          db.close();
        }
      }
      break;
    case 'notify':
      if (rest[0] !== 'test') break;
      return (await import('./notify/test-command.js')).runNotifyTest(config(), rest[1], (line) => process.stdout.write(line + '\n'));
    case 'backup':
      if (!rest[0]) break;
      return backup(config(), rest[0]);
    case 'restore':
      if (!rest[0]) break;
      return restore(config(), rest[0]);
  }
  process.stderr.write(`Unknown command: ${positionals.join(' ')}\n\n${USAGE}\n`);
  return 2;
}

async function start(config: HearthConfig): Promise<number> {
  markBuildInUse();
  const hub = new Hub(config);
  let signals = 0;
  const onSignal = (signal: string) => {
    signals++;
    if (signals > 1) {
      hub.logger.warn(`${signal} again: exiting at once`);
      process.exit(130);
    }
    hub.logger.info(`${signal}: shutting down (send it again to exit at once)`);
    hub.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGHUP', () => hub.reloadTls());
  const ports = await hub.start();
  process.stdout.write(`Hearth is running: MQTT port ${ports.mqtt}, HTTP port ${ports.http} (dashboard http://${displayHost(config.host)}:${ports.http}/, MQTT over WebSocket ws://${displayHost(config.host)}:${ports.http}/mqtt)${ports.mqtts ? `, MQTT over TLS port ${ports.mqtts}` : ''}\n`);
  return new Promise<number>(() => undefined); // runs until a signal
}

async function addUser(config: HearthConfig, name: string, role: Role, given: string | undefined): Promise<number> {
  const supplied = given ?? (process.stdin.isTTY ? undefined : await readLine());
  const password = supplied ?? generatePassword();
  const db = openDatabase(config.dataDir);
  let ended = 0;
  try {
    const users = new UserRepo(db);
    const existed = Boolean(users.getUser(name));
    await users.setUser(name, password, role);
    // As the API's password change does: whoever knew the old password may hold a login; end them all (a running
    // hub sees it at the next request, and stops accepting the old password at once).
    if (existed) ended = new SessionRepo(db).deleteUserSessions(name);
  } finally {
    db.close();
  }
  process.stdout.write(
    `User ${name} (${role}) saved${supplied ? '' : ` with password: ${password} (shown once)`}` +
      (ended > 0 ? `; ${ended} login session${ended === 1 ? '' : 's'} with the old password ended` : '') + '\n',
  );
  return 0;
}

async function addDevice(config: HearthConfig, deviceId: string, adapter: string | undefined): Promise<number> {
  const topics = adapter === undefined ? undefined : credentialTopics(config.adapters, adapter, deviceId);
  const db = openDatabase(config.dataDir);
  try {
    const { username, password } = await new UserRepo(db).addDeviceCredential(deviceId, topics);
    const may = topics ? `; it may publish to ${topics.publish.join(', ')} and subscribe to ${topics.subscribe.join(', ')}` : '';
    process.stdout.write(`Device ${deviceId} may now connect with\n  username: ${username}\n  password: ${password}\n(the password is shown once${may})\n`);
  } finally {
    db.close();
  }
  return 0;
}

async function backup(config: HearthConfig, file: string): Promise<number> {
  if (!existsSync(join(config.dataDir, 'hearth.db'))) {
    process.stderr.write(`hearth backup: no database in ${config.dataDir} (set --data-dir or HEARTH_DATA_DIR)\n`);
    return 1;
  }
  let shown = '';
  let result;
  try {
    result = await createBackup({ dataDir: config.dataDir, rulesDir: config.rulesDir }, file, (step, percent) => {
      const line = `backup: ${step} ${percent} %`;
      if (line !== shown) process.stderr.write(`\r${(shown = line).padEnd(40)}`);
    });
  } catch (err) {
    process.stderr.write(`\nhearth backup: ${(err as Error).message}; no backup was written\n`);
    return 1;
  }
  process.stderr.write('\n');
  process.stdout.write(
    `Backup written to ${file} (${formatBytes(result.bytes)}): ${result.devices} devices, ${result.historyRows} history rows, ${result.users} users, ` +
      `${result.ruleFiles.length} rule files${result.brokerState ? ', broker state (retained messages, sessions)' : ''}\n`,
  );
  return 0;
}

async function restore(config: HearthConfig, file: string): Promise<number> {
  let restored;
  try {
    restored = await restoreBackup(file, { dataDir: config.dataDir, rulesDir: config.rulesDir });
  } catch (err) {
    process.stderr.write(`hearth restore: ${(err as Error).message}; nothing was changed\n`);
    return 1;
  }
  const { manifest, movedAside } = restored;
  process.stdout.write(
    `Restored the backup of ${manifest.createdAt} into ${config.dataDir} (rules into ${config.rulesDir}): ${manifest.devices} devices, ` +
      `${manifest.historyRows} history rows, ${manifest.ruleFiles.length} rule files.\n` +
      (movedAside ? `What was there before is kept in ${movedAside} (delete it once the restored hub runs well).\n` : '') +
      'Start the hub with: hearth start\n',
  );
  return 0;
}

function formatBytes(n: number): string {
  return n < 1048576 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1048576).toFixed(1)} MiB`;
}

function parseTime(text: string | undefined, fallback: number, name: string): number {
  const t = parseTimeArg(text, fallback);
  if (t === undefined) throw new HearthError('HEARTH_VALIDATION', { message: `--${name} must be ${TIME_FORMS} (2026-11-01T08:00), got ${JSON.stringify(text)}` });
  return t;
}

async function replayCommand(config: HearthConfig, file: string, fromText: string | undefined, toText: string | undefined): Promise<number> {
  const to = parseTime(toText, Date.now(), 'to');
  const from = parseTime(fromText, to - 86_400_000, 'from');
  const db = openDatabase(config.dataDir);
  try {
    const result = await replayRule(db, readFileSync(file, 'utf8'), from, to, config.location, file);
    const out = (l: string) => process.stdout.write(l + '\n');
    out(`Replayed ${result.messages} recorded message(s) on ${result.topics.join(', ') || 'no recorded topics'} from ${result.from} to ${result.to}; actions were not executed.`);
    const ran = result.runs.filter((r) => r.outcome === 'ran' || r.outcome === 'stopped');
    out(ran.length ? `It would have fired ${ran.length} time(s):` : 'It would not have fired.');
    for (const r of ran) {
      out(`  ${r.at}  ${r.ruleId}  (${r.trigger})`);
      for (const p of r.published) out(`      would publish ${p.topic} = ${JSON.stringify(p.payload)} at ${p.at}`);
    }
    const other = Object.entries(result.outcomes).filter(([k]) => k !== 'ran' && k !== 'stopped');
    if (other.length) out(`Other evaluations: ${other.map(([k, n]) => `${n} ${k}`).join(', ')} (see a trace with the dashboard or the API).`);
    return 0;
  } finally {
    db.close();
  }
}

async function readLine(): Promise<string | undefined> {
  const rl = createInterface({ input: process.stdin });
  for await (const line of rl) {
    rl.close();
    return line.trim() || undefined;
  }
  return undefined;
}

function displayHost(host: string): string {
  return host === '0.0.0.0' || host === '::' ? 'localhost' : host;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`hearth: ${describeFailure(err)}\n`);
    process.exit(err instanceof HearthError && err.code === 'HEARTH_CONFIG_INVALID' ? 78 : 1);
  },
);

/**
 * One line for a failure a user can meet (bad config, a busy port or data dir, a file the system refuses); a stack
 * trace only for what is a bug in Hearth, or when HEARTH_DEBUG is set.
 */
function describeFailure(err: unknown): string {
  if (process.env.HEARTH_DEBUG) return (err as Error)?.stack ?? String(err);
  if (err instanceof HearthError) return err.message;
  const code = (err as { code?: unknown })?.code;
  // System errors (EACCES, ENOENT, EROFS, ENOSPC…) and SQLite's (SQLITE_CANTOPEN…) name what they refused.
  if (typeof code === 'string' && /^(E[A-Z]+|SQLITE_[A-Z_]+)$/.test(code)) return `${(err as Error).message} (${code})`;
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')) return `${(err as Error).message} (see: hearth help)`;
  return `unexpected error (a bug: please report it with this trace)\n${(err as Error)?.stack ?? String(err)}`;
}
