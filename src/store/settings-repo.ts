// Hub settings a user changes at run time, kept across restarts (a key-value table): today, which rules are disabled.
import type { Database } from 'better-sqlite3';
import type { RuleSwitches } from '../rules/types.js';

const DISABLED = 'rule.disabled.';

export class SettingsRepo implements RuleSwitches {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  /** The rules a user disabled (an enabled rule keeps its key, set to false). */
  disabledRules(): Set<string> {
    const rows = this.#db.prepare("SELECT key FROM settings WHERE key LIKE ? || '%' AND value = 'true'").all(DISABLED) as Array<{
      key: string;
    }>;
    return new Set(rows.map((r) => r.key.slice(DISABLED.length)));
  }

  setRuleDisabled(ruleId: string, disabled: boolean): void {
    this.#set(DISABLED + ruleId, String(disabled));
  }

  #set(key: string, value: string): void {
    this.#db
      .prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value')
      .run(key, value);
  }
}
