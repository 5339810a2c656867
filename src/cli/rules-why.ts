// `hearth rules why <rule-id> [-n N]`: the latest evaluations of a rule, read from the database, in words. Works
// while the hub runs.
import { formatTrace } from '../rules/trace-format.js';
import { openDatabase } from '../store/database.js';
import { TraceReader } from '../store/trace-repo.js';
import type { Out } from './output.js';

export function runRulesWhy(dataDir: string, ruleId: string, count: number, out: Out): number {
  const db = openDatabase(dataDir);
  try {
    const traces = new TraceReader(db).latest(ruleId, Math.max(1, count));
    if (traces.length === 0) {
      out(
        `No traces for rule "${ruleId}" yet: it has not been triggered, or no message reached its triggers. Check the id with: hearth rules check`,
      );
      return 1;
    }
    for (const [i, trace] of traces.entries()) {
      if (i > 0) out('');
      for (const l of formatTrace(trace)) out(l);
    }
    return 0;
  } finally {
    db.close();
  }
}
