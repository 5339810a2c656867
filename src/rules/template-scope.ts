// What a rule's templates can read: the run's variables, `trigger`, `state('home/x/y')` and `now()`. Bound to the
// context of the run, not to an engine, so a rule is compiled once and runs wherever it is attached.
import type { ConditionContext, TriggerEvent } from './types.js';

export function templateScope(
  ctx: ConditionContext,
  trigger: Partial<TriggerEvent>,
  variables: Record<string, unknown>,
): Record<string, unknown> {
  return {
    ...variables,
    trigger,
    state: (topic: unknown) => ctx.states.get(String(topic)),
    now: () => new Date(ctx.clock.now()).toISOString(),
  };
}
