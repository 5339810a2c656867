// `hearth rules check [dir]`: loads every rule file as the hub would (its problems, ids another file already uses,
// and what it uses of other files) without running anything; exit 1 on any problem, 2 when the dir does not exist.
import { existsSync } from 'node:fs';
import { RuleDirectory } from '../rules/rule-directory.js';
import { systemClock } from '../shared/clock.js';
import { createLogger } from '../shared/logger.js';
import type { Out } from './output.js';

export async function runRulesCheck(dir: string, out: Out): Promise<number> {
  if (!existsSync(dir)) {
    out(`${dir}: no such directory`);
    return 2;
  }
  // The problems are the output; the directory's log lines would only repeat them.
  const files = new RuleDirectory({ dir, clock: systemClock, logger: createLogger({ level: 'silent' }) }).loadAll();
  let problems = 0;
  for (const loaded of files) {
    for (const p of loaded.problems) out(p.text);
    problems += loaded.problems.length;
  }
  const count = (what: string, n: number) => (n > 0 || what === 'rule' ? `, ${n} ${what}(s)` : '');
  const sum = (pick: (f: (typeof files)[number]) => unknown[]) => files.reduce((n, f) => n + pick(f).length, 0);
  const held =
    count(
      'rule',
      sum((f) => f.rules),
    ) +
    count(
      'scene',
      sum((f) => f.scenes),
    ) +
    count(
      'script',
      sum((f) => f.scripts),
    ) +
    count(
      'helper',
      sum((f) => f.helpers),
    ) +
    count(
      'blueprint',
      sum((f) => f.blueprints),
    );
  out(problems === 0 ? `${files.length} file(s)${held}: all valid` : `${problems} problem(s) in ${files.length} file(s)`);
  return problems === 0 ? 0 : 1;
}
