// How a route answers a run it started (a rule, a script): its trace once it ends, or that it still runs.
import type { RuleTrace } from '../../rules/traces.js';

/** A run's trace once it ends, or, when it is still running after `ms` (a delay), that it is. */
export async function answerRun(
  done: Promise<RuleTrace>,
  traceId: string | undefined,
  ms = 5000,
): Promise<RuleTrace | { outcome: 'running'; message: string; traceId: string | null }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'running'>((resolve) => (timer = setTimeout(() => resolve('running'), ms).unref()));
  const result = await Promise.race([done, timeout]);
  clearTimeout(timer);
  return result === 'running'
    ? { outcome: 'running', message: 'the run is still in progress; see its trace', traceId: traceId ?? null }
    : result;
}
