// Logger: one pino for the hub and its HTTP server, with levels and scopes; secrets are redacted before anything
// is written. Lines are for people and journald by default (`time LEVEL [scope] message {fields}`; under systemd a
// `<priority>` prefix instead of the time, so `journalctl -p warning` works), or pino's JSON with log.format: json.
import { pino, type Logger as PinoLogger } from 'pino';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
export type LogFormat = 'text' | 'json';

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** Whether a line at `level` is printed: a line costly to build (one per rule run) is built only then. */
  enabled(level: Exclude<LogLevel, 'silent'>): boolean;
  /** A logger whose lines carry `[scope]`. */
  child(scope: string): Logger;
  /** The pino logger underneath, for Fastify. */
  readonly pino: PinoLogger;
}

export type LogSink = (line: string, level: Exclude<LogLevel, 'silent'>) => void;

// Keys whose values never reach a log line, whatever part logs them.
const SECRET_KEY = /pass(word)?|secret|token|cookie|authorization|hash/i;

export function redact(value: unknown, depth = 0): unknown {
  if (depth > 4 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return value.message;
  if (Buffer.isBuffer(value)) return `<${value.length} bytes>`;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) ? '[redacted]' : redact(v, depth + 1);
  return out;
}

const NAMES: Record<number, Exclude<LogLevel, 'silent'>> = { 10: 'debug', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'error' };
// sd-daemon(3) priorities: journald reads them from the start of each line written to its stream.
const PRIORITY: Record<Exclude<LogLevel, 'silent'>, number> = { debug: 7, info: 6, warn: 4, error: 3 };

/** One pino record as a line a person reads: time (or a journald priority), level, scope, message, other fields. */
export function formatRecord(record: Record<string, unknown>, journald = false): { line: string; level: Exclude<LogLevel, 'silent'> } {
  const { level, time, msg, scope, pid: _pid, hostname: _hostname, ...fields } = record;
  const name = NAMES[level as number] ?? 'info';
  const extra = Object.keys(fields).length > 0 ? ' ' + JSON.stringify(fields) : '';
  const head = journald ? `<${PRIORITY[name]}>` : `${new Date(time as number).toISOString()} `;
  return { line: `${head}${name.toUpperCase().padEnd(5)} ${scope ? `[${scope}] ` : ''}${msg ?? ''}${extra}`, level: name };
}

export function createLogger(options: { level?: LogLevel; sink?: LogSink; format?: LogFormat } = {}): Logger {
  const journald = Boolean(process.env.JOURNAL_STREAM) && !options.sink;
  const destination =
    options.format === 'json' && !options.sink
      ? pino.destination({ fd: 2, sync: true })
      : {
          write(json: string) {
            const { line, level } = formatRecord(JSON.parse(json) as Record<string, unknown>, journald);
            if (options.sink) options.sink(line, level);
            else process.stderr.write(line + '\n');
          },
        };
  const root = pino(
    {
      level: options.level ?? 'info',
      base: undefined,
      // What Fastify may log of a request: never its credentials.
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'], censor: '[redacted]' },
    },
    destination,
  );
  const wrap = (p: PinoLogger, scope?: string): Logger => {
    const write = (level: Exclude<LogLevel, 'silent'>, message: string, fields?: Record<string, unknown>) => {
      if (!p.isLevelEnabled(level)) return;
      if (fields && Object.keys(fields).length > 0) p[level](redact(fields) as object, message);
      else p[level](message);
    };
    return {
      debug: (m, f) => write('debug', m, f),
      info: (m, f) => write('info', m, f),
      warn: (m, f) => write('warn', m, f),
      error: (m, f) => write('error', m, f),
      enabled: (level) => p.isLevelEnabled(level),
      // Children of the root, so that a nested scope is one field (`devices:presence`), not one per level.
      child: (name) => {
        const nested = scope ? `${scope}:${name}` : name;
        return wrap(root.child({ scope: nested }), nested);
      },
      pino: p,
    };
  };
  return wrap(root);
}

/** A logger that keeps its lines in memory, for tests that assert what was (or was not) logged. */
export function createMemoryLogger(level: LogLevel = 'debug'): Logger & { lines: string[] } {
  const lines: string[] = [];
  const logger = createLogger({ level, sink: (line) => lines.push(line) });
  return Object.assign(logger, { lines });
}
