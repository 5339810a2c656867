// Versioned schema migrations, applied in order inside one transaction each; PRAGMA user_version records the last.
import type { Database } from 'better-sqlite3';
import { initial } from './001-initial.js';
import { sessionsTokensRollups } from './002-sessions-tokens-rollups.js';
import { ruleTracesTimers } from './003-rule-traces-timers.js';
import { sessionTokens } from './004-session-tokens.js';
import { notifications } from './005-notifications.js';

export interface Migration {
  version: number;
  name: string;
  up(db: Database): void;
}

export const MIGRATIONS: Migration[] = [initial, sessionsTokensRollups, ruleTracesTimers, sessionTokens, notifications];

export function migrate(db: Database): { from: number; to: number } {
  const from = db.pragma('user_version', { simple: true }) as number;
  const latest = MIGRATIONS[MIGRATIONS.length - 1]!.version;
  if (from > latest) {
    throw new Error(`database schema version ${from} is newer than this Hearth (${latest}); upgrade Hearth or restore a backup`);
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
