// Versioned schema migrations, applied in order inside one transaction each; PRAGMA user_version records the last.
import type { Database } from 'better-sqlite3';
import { HearthError } from '../../shared/errors.js';
import { initial } from './001-initial.js';
import { sessionsTokensRollups } from './002-sessions-tokens-rollups.js';
import { ruleTracesTimers } from './003-rule-traces-timers.js';
import { sessionTokens } from './004-session-tokens.js';
import { demoDevices } from './005-demo-devices.js';
import { notifications } from './006-notifications.js';
import { bridgeQueue } from './007-bridge-queue.js';
import { deviceAdapters } from './008-device-adapters.js';
import { helperValues } from './009-helper-values.js';

export interface Migration {
  version: number;
  name: string;
  up(db: Database): void;
}

export const MIGRATIONS: Migration[] = [
  initial,
  sessionsTokensRollups,
  ruleTracesTimers,
  sessionTokens,
  demoDevices,
  notifications,
  bridgeQueue,
  deviceAdapters,
  helperValues,
];

export function migrate(db: Database): { from: number; to: number } {
  const from = db.pragma('user_version', { simple: true }) as number;
  const latest = MIGRATIONS[MIGRATIONS.length - 1]!.version;
  if (from > latest) {
    throw new HearthError('HEARTH_DATABASE_NEWER', { from, latest });
  }
  for (const migration of MIGRATIONS) {
    if (migration.version <= from) continue;
    db.transaction(() => {
      migration.up(db);
      db.pragma(`user_version = ${migration.version}`);
    })();
  }
  return { from, to: latest };
}
