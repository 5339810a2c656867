// `hearth rules why <rule-id>`: the latest evaluations of a rule, read from the database, in words.
import type { Database } from 'better-sqlite3';
import { formatTrace } from './trace-format.js';
import type { RuleTrace } from './traces.js';

export function runRulesWhy(db: Database, ruleId: string, count: number, out: (line: string) => void): number {
  const traces = (db.prepare('SELECT body FROM rule_traces WHERE rule_id = ? ORDER BY started_at DESC, rowid DESC LIMIT ?').all(ruleId, Math.max(1, count)) as Array<{ body: string }>).map((r) => JSON.parse(r.body) as RuleTrace);
  if (traces.length === 0) {
    out(`No traces for rule "${ruleId}" yet: it has not been triggered, or no message reached its triggers. Check the id with: hearth rules check`);
    return 1;
  }
  for (const [i, trace] of traces.entries()) {
    if (i > 0) out('');
    formatTrace(trace).forEach((l) => out(l));
  }
  return 0;
}
