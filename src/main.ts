#!/usr/bin/env node
// The `hearth` command: parses the command line, loads the configuration and runs one command.
import { parseArgs } from 'node:util';
import { createInterface } from 'node:readline';
import { loadConfig } from './config/load-config.js';
import type { HearthConfig } from './config/schema.js';
import { Hub } from './hub.js';
import { runRulesCheck } from './rules/check-command.js';
import { HearthError } from './shared/errors.js';
import { generatePassword } from './shared/password.js';
import { openDatabase } from './store/database.js';
import { UserRepo, type Role } from './store/user-repo.js';

const USAGE = `Usage: hearth <command> [options]

Commands:
  start                 run the hub (MQTT broker, rules, API and dashboard)
  user add <name>       create a user or reset its password [--role admin|viewer] [--password P | password on stdin]
  device add <id>       issue MQTT credentials bound to one device (prints the password once)
  rules check [dir]     validate the rule files (default: the rules dir); exit 1 on any problem
  backup <file>         write a consistent copy of the database (safe while the hub runs)
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
} as const;

export async function main(argv: string[]): Promise<number> {
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
      return addDevice(config(), rest[1]);
    case 'rules':
      if (rest[0] === 'check') return runRulesCheck(rest[1] ?? config().rulesDir, (line) => process.stdout.write(line + '\n'));
      break;
    case 'backup':
      if (!rest[0]) break;
      return backup(config(), rest[0]);
  }
  process.stderr.write(`Unknown command: ${positionals.join(' ')}\n\n${USAGE}\n`);
  return 2;
}

async function start(config: HearthConfig): Promise<number> {
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
  try {
    await new UserRepo(db).setUser(name, password, role);
  } finally {
    db.close();
  }
  process.stdout.write(`User ${name} (${role}) saved${supplied ? '' : ` with password: ${password} (shown once)`}\n`);
  return 0;
}

async function addDevice(config: HearthConfig, deviceId: string): Promise<number> {
  const db = openDatabase(config.dataDir);
  try {
    const { username, password } = await new UserRepo(db).addDeviceCredential(deviceId);
    process.stdout.write(`Device ${deviceId} may now connect with\n  username: ${username}\n  password: ${password}\n(the password is shown once)\n`);
  } finally {
    db.close();
  }
  return 0;
}

async function backup(config: HearthConfig, file: string): Promise<number> {
  const db = openDatabase(config.dataDir);
  try {
    // SQLite's online backup copies a consistent snapshot page by page, even while the hub writes.
    await db.backup(file, {
      progress: ({ totalPages, remainingPages }) => {
        process.stderr.write(`\rbackup: ${Math.round(((totalPages - remainingPages) / Math.max(1, totalPages)) * 100)} %`);
        return 200;
      },
    });
    process.stderr.write('\n');
  } finally {
    db.close();
  }
  process.stdout.write(`Backup written to ${file}\n`);
  return 0;
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
    if (err instanceof HearthError) process.stderr.write(`hearth: ${err.message}\n`);
    else process.stderr.write(`hearth: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(err instanceof HearthError && err.code === 'HEARTH_CONFIG_INVALID' ? 78 : 1);
  },
);
