// Traces in words, for `hearth rules why` and the logs: trigger → each condition → each action → outcome.
import type { RuleTrace } from './traces.js';
import type { ActionTrace, ConditionResult } from './types.js';

const time = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');

export function formatTrace(trace: RuleTrace): string[] {
  const lines = [`${time(trace.startedAt)}  ${trace.ruleId}: ${trace.outcome.toUpperCase()}${trace.reason ? ` — ${trace.reason}` : ''}`];
  lines.push(`  trigger:    ${trace.trigger.description ?? trace.trigger.kind ?? 'unknown'}`);
  const conditions = (list: ConditionResult[], depth: number) => {
    for (const c of list) {
      lines.push(`${'  '.repeat(depth)}${c.result ? '✓' : '✗'} ${c.condition}: ${c.details}`);
      if (c.children) conditions(c.children, depth + 1);
    }
  };
  if (trace.conditions.length) {
    lines.push('  conditions:');
    conditions(trace.conditions, 3);
  }
  const actions = (list: ActionTrace[], depth: number) => {
    for (const a of list) {
      const took = a.endedAt !== undefined ? `${a.endedAt - a.startedAt} ms` : 'running';
      lines.push(`${'  '.repeat(depth)}${a.error ? '✗' : '•'} ${a.step}: ${a.result}${a.error ? ` — ${a.error}` : ''} (${took})`);
      if (a.children) actions(a.children, depth + 1);
    }
  };
  if (trace.actions.length) {
    lines.push('  actions:');
    actions(trace.actions, 3);
  }
  return lines;
}
