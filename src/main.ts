#!/usr/bin/env node
// The `hearth` command: parses the command line, loads the configuration and hands over to one command of src/cli/;
// a failure a user can meet ends in one line and an exit code, never a stack trace.
import { parseArgs } from 'node:util';
import { runBackup } from './cli/backup.js';
import { runDeviceAdd } from './cli/device.js';
import { stdout } from './cli/output.js';
import { runRestore } from './cli/restore.js';
import { runRulesCheck } from './cli/rules-check.js';
import { runRulesReplay } from './cli/rules-replay.js';
import { runRulesTest } from './cli/rules-test.js';
import { runRulesWhy } from './cli/rules-why.js';
import { runStart } from './cli/start.js';
import { runUserAdd } from './cli/user.js';
import { loadConfig } from './config/load-config.js';
import { HearthError } from './shared/errors.js';
import { mapStack } from './shared/stack-map.js';
import type { Role } from './store/user-repo.js';

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
  // The simulator has options of its own (and is loaded only for it: it pulls in the mqtt client library).
  if (argv[0] === 'simulate') return (await import('./cli/simulate.js')).runSimulateCommand(argv.slice(1));
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; options: typeof OPTIONS; allowPositionals: true; strict: true }>>;
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
      return runStart(config());
    case 'user':
      if (rest[0] !== 'add' || !rest[1]) break;
      return runUserAdd(config(), rest[1], (values.role ?? 'admin') as Role, values.password);
    case 'device':
      if (rest[0] !== 'add' || !rest[1]) break;
      return runDeviceAdd(config(), rest[1], values.adapter);
    case 'rules':
      if (rest[0] === 'check') return runRulesCheck(rest[1] ?? config().rulesDir, stdout);
      if (rest[0] === 'test') return runRulesTest(rest[1] ?? config().rulesDir, stdout);
      if (rest[0] === 'replay' && rest[1]) return runRulesReplay(config(), rest[1], { from: values.from, to: values.to }, stdout);
      if (rest[0] === 'why' && rest[1]) return runRulesWhy(config().dataDir, rest[1], Number(values.n ?? 1), stdout);
      break;
    case 'notify':
      if (rest[0] !== 'test') break;
      // (Loaded only for it: the channels pull in their client libraries.)
      return (await import('./cli/notify-test.js')).runNotifyTest(config(), rest[1], stdout);
    case 'backup':
      if (!rest[0]) break;
      return runBackup(config(), rest[0]);
    case 'restore':
      if (!rest[0]) break;
      return runRestore(config(), rest[0]);
  }
  process.stderr.write(`Unknown command: ${positionals.join(' ')}\n\n${USAGE}\n`);
  return 2;
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
  if (process.env.HEARTH_DEBUG) return traceOf(err);
  if (err instanceof HearthError) return err.message;
  const code = (err as { code?: unknown })?.code;
  // System errors (EACCES, ENOENT, EROFS, ENOSPC…) and SQLite's (SQLITE_CANTOPEN…) name what they refused.
  if (typeof code === 'string' && /^(E[A-Z]+|SQLITE_[A-Z_]+)$/.test(code)) return `${(err as Error).message} (${code})`;
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')) return `${(err as Error).message} (see: hearth help)`;
  return `unexpected error (a bug: please report it with this trace)\n${traceOf(err)}`;
}

function traceOf(err: unknown): string {
  const stack = (err as Error)?.stack;
  return stack ? mapStack(stack) : String(err);
}
