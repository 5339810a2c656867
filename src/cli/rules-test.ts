// `hearth rules test [dir]`: runs every `*.test.yaml` in a rule harness and prints pass/fail per case with a diff;
// exit 1 on any failure, 2 when the dir does not exist.
import { runRuleTests } from '../rules/rule-tests.js';
import type { Out } from './output.js';

export async function runRulesTest(dir: string, out: Out): Promise<number> {
  return (await runRuleTests(dir, out)).code;
}
