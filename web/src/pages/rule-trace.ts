// A rule's trace in the dashboard: its outcome and reason, the trigger, each condition and each action with its timing.
import type { ActionTrace, ConditionResult } from '../../../src/rules/types.js';
import type { RuleTrace } from '../../../src/rules/traces.js';
import { h } from '../dom.js';

export function traceView(t: RuleTrace): HTMLElement {
  const ms = (a: number, b?: number) => (b !== undefined ? `${b - a} ms` : 'running');
  const actions = (list: ActionTrace[]): HTMLElement =>
    h(
      'ol',
      {},
      list.map((a) =>
        h(
          'li',
          { class: a.error ? 'bad' : '' },
          `${a.step}: ${a.result}${a.error ? ` — ${a.error}` : ''} (${ms(a.startedAt, a.endedAt)})`,
          a.children ? actions(a.children) : null,
        ),
      ),
    );
  const conditions = (list: ConditionResult[]): HTMLElement =>
    h(
      'ul',
      {},
      list.map((c) =>
        h(
          'li',
          { class: c.result ? 'ok' : 'bad' },
          `${c.result ? '✓' : '✗'} ${c.condition}: ${c.details}`,
          c.children ? conditions(c.children) : null,
        ),
      ),
    );
  return h(
    'details',
    { class: `trace ${t.outcome}`, dataset: { outcome: t.outcome } },
    h('summary', {}, `${new Date(t.startedAt).toLocaleString()} — ${t.outcome}${t.reason ? `: ${t.reason}` : ''}`),
    h('p', {}, h('strong', {}, 'Trigger: '), t.trigger?.description ?? t.trigger?.kind ?? 'unknown'),
    t.conditions?.length ? [h('p', {}, h('strong', {}, 'Conditions')), conditions(t.conditions)] : null,
    t.actions?.length ? [h('p', {}, h('strong', {}, 'Actions')), actions(t.actions)] : null,
    t.error ? h('p', { class: 'error' }, t.error) : null,
  );
}
