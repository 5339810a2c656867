// `hearth rules check [dir]`: loads every rule file as the hub would (its problems, and ids another file already
// uses) without running anything; exit 1 on any problem, 2 when the dir does not exist.
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
  const rules = files.reduce((n, f) => n + f.rules.length, 0);
  out(problems === 0 ? `${files.length} file(s), ${rules} rule(s): all valid` : `${problems} problem(s) in ${files.length} file(s)`);
  return problems === 0 ? 0 : 1;
}
