// Scenes: target values for device properties, compiled to a run the engine keeps traces of like any other. An
// activation sends `home/<device>/<property>/set` only where the known value differs, and its trace lists each
// property as sent (with the value it replaced) or already so.
import { formatPayload } from '../../devices/topic.js';
import { allOf } from '../conditions/index.js';
import type { CompiledRule } from '../compile-rule.js';
import type { RunContext } from '../types.js';
import type { SceneDefinition } from './schema.js';

export function compileScene(def: SceneDefinition, file: string): CompiledRule {
  const states = Object.entries(def.states).map(([topic, value]) => ({ topic, payload: formatPayload(value) }));
  return {
    id: `scene:${def.id}`,
    file,
    description: def.description ?? def.name ?? '',
    // Activations are instant and independent: two at once both run.
    mode: 'parallel',
    max: 10,
    onMissed: 'skip',
    enabledByDefault: true,
    definition: def,
    triggers: [],
    conditions: allOf([]),
    actions: (ctx) => activate(ctx, states),
    variables: [],
    line: 1,
  };
}

async function activate(ctx: RunContext, states: Array<{ topic: string; payload: string }>): Promise<void> {
  let sent = 0;
  const children = [];
  for (const { topic, payload } of states) {
    const known = ctx.states.get(topic);
    const startedAt = ctx.clock.now();
    if (known !== undefined && formatPayload(known) === payload) {
      children.push({ step: topic, startedAt, endedAt: startedAt, result: `already ${payload}` });
      continue;
    }
    const set = `${topic}/set`;
    ctx.published.push({ topic: set, payload, at: startedAt });
    if (!ctx.dryRun) await ctx.bus.publish(set, payload, { qos: 1, retain: false });
    sent++;
    children.push({
      step: topic,
      startedAt,
      endedAt: ctx.clock.now(),
      result: `sent ${payload} to ${set}${known === undefined ? ' (its value was not known)' : ` (was ${formatPayload(known)})`}${ctx.dryRun ? ' (dry run)' : ''}`,
    });
  }
  const now = ctx.clock.now();
  const summary = `sent ${sent} of ${states.length}, ${states.length - sent} already so`;
  ctx.trace.push({ step: 'activate', startedAt: children[0]?.startedAt ?? now, endedAt: now, result: summary, children });
}
