// `hearth rules test [dir]`: runs every `*.test.yaml` and prints pass/fail per case with a diff; exit 1 on failure.
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { runRuleTestFile, type TestFileResult } from './rule-tests.js';

export async function runRulesTest(dir: string, out: (line: string) => void, only?: string): Promise<{ code: number; results: TestFileResult[] }> {
  if (!existsSync(dir)) {
    out(`${dir}: no such directory`);
    return { code: 2, results: [] };
  }
  const files = readdirSync(dir).filter((f) => /\.test\.ya?ml$/.test(f) && (!only || f.startsWith(`${only}.`))).sort();
  const results: TestFileResult[] = [];
  let passed = 0;
  let failed = 0;
  for (const f of files) {
    const result = await runRuleTestFile(join(dir, f), relative(process.cwd(), join(dir, f)) || f);
    results.push(result);
    out(result.file);
    for (const p of result.problems) out(`  ${p}`);
    failed += result.problems.length ? 1 : 0;
    for (const c of result.cases) {
      out(`  ${c.passed ? '✓' : '✗'} ${c.name}`);
      for (const d of c.diff) out(`      ${d}`);
      if (c.passed) passed++;
      else failed++;
    }
  }
  if (files.length === 0) out(`no *.test.yaml files in ${dir}`);
  out(`${passed} passed, ${failed} failed`);
  return { code: failed > 0 ? 1 : 0, results };
}
