// `hearth rules check [dir]`: validates every rule file without running anything; non-zero exit on any problem.
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { isRuleFile } from './engine.js';
import { loadRuleFile } from './rule-loader.js';

export async function runRulesCheck(dir: string, out: (line: string) => void): Promise<number> {
  if (!existsSync(dir)) {
    out(`${dir}: no such directory`);
    return 2;
  }
  const files = readdirSync(dir).filter(isRuleFile).sort();
  const ids = new Map<string, string>();
  let problems = 0;
  let rules = 0;
  for (const file of files) {
    const display = relative(process.cwd(), join(dir, file)) || file;
    const loaded = loadRuleFile(join(dir, file), display, () => ({}));
    for (const p of loaded.problems) out(p.text);
    problems += loaded.problems.length;
    for (const rule of loaded.rules) {
      const where = `${display}:${rule.line}`;
      const other = ids.get(rule.id);
      if (other) {
        out(`${where}:1 id "${rule.id}" is already used by ${other}`);
        problems++;
      } else ids.set(rule.id, where);
    }
    rules += loaded.rules.length;
  }
  out(problems === 0 ? `${files.length} file(s), ${rules} rule(s): all valid` : `${problems} problem(s) in ${files.length} file(s)`);
  return problems === 0 ? 0 : 1;
}
