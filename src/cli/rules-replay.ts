// `hearth rules replay <file> [--from T] [--to T]`: a rule file against the history recorded in the data dir
// (default: the last 24 h), with actions not executed; prints when it would have fired and what it would publish.
import { readFileSync } from 'node:fs';
import type { HearthConfig } from '../config/schema.js';
import { basename, dirname, resolve } from 'node:path';
import { replayDirOf, replayRule } from '../rules/replay.js';
import { RuleDirectory } from '../rules/rule-directory.js';
import { systemClock } from '../shared/clock.js';
import { createLogger } from '../shared/logger.js';
import { HearthError } from '../shared/errors.js';
import { parseTimeArg, TIME_FORMS } from '../shared/time-arg.js';
import { openDatabase } from '../store/database.js';
import { HistoryRepo } from '../store/history-repo.js';
import type { Out } from './output.js';

export async function runRulesReplay(config: HearthConfig, file: string, range: { from?: string; to?: string }, out: Out): Promise<number> {
  const to = parseTime(range.to, Date.now(), 'to');
  const from = parseTime(range.from, to - 86_400_000, 'from');
  const db = openDatabase(config.dataDir);
  try {
    // The file's own dir is its rules dir: the blueprints, scripts and scenes it uses are there.
    const dir = new RuleDirectory({ dir: dirname(resolve(file)), clock: systemClock, logger: createLogger({ level: 'silent' }) });
    dir.loadAll();
    const result = await replayRule(
      new HistoryRepo(db),
      readFileSync(file, 'utf8'),
      from,
      to,
      config.location,
      file,
      replayDirOf(dir, basename(file)),
    );
    out(
      `Replayed ${result.messages} recorded message(s) on ${result.topics.join(', ') || 'no recorded topics'} from ${result.from} to ${result.to}; actions were not executed.`,
    );
    const ran = result.runs.filter((r) => r.outcome === 'ran' || r.outcome === 'stopped');
    out(ran.length ? `It would have fired ${ran.length} time(s):` : 'It would not have fired.');
    for (const r of ran) {
      out(`  ${r.at}  ${r.ruleId}  (${r.trigger})`);
      for (const p of r.published) out(`      would publish ${p.topic} = ${JSON.stringify(p.payload)} at ${p.at}`);
    }
    const other = Object.entries(result.outcomes).filter(([k]) => k !== 'ran' && k !== 'stopped');
    if (other.length)
      out(`Other evaluations: ${other.map(([k, n]) => `${n} ${k}`).join(', ')} (see a trace with the dashboard or the API).`);
    return 0;
  } finally {
    db.close();
  }
}

function parseTime(text: string | undefined, fallback: number, name: string): number {
  const t = parseTimeArg(text, fallback);
  if (t === undefined)
    throw new HearthError('HEARTH_VALIDATION', {
      message: `--${name} must be ${TIME_FORMS} (2026-11-01T08:00), got ${JSON.stringify(text)}`,
    });
  return t;
}
