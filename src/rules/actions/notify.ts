// `action: notify`: a message to the homeowner through the configured channels (ntfy, gotify, webhook, e-mail, the
// dashboard). The step waits for each channel's first answer and traces it; failed sends go on being retried by the
// notifier, and one given up later is traced as an error of this rule.
import type { Static } from '@sinclair/typebox';
import type { DeliveryResult, Notification } from '../../notify/types.js';
import { stringify } from '../template.js';
import type { RunContext } from '../types.js';
import type { Path } from '../validate.js';
import { template, type Step } from './basic.js';
import type { NotifyActionSchema } from './notify-schema.js';

export function compileNotify(def: Static<typeof NotifyActionSchema>, path: Path): Step {
  const message = template(def.message, [...path, 'message']);
  const title = def.title !== undefined ? template(def.title, [...path, 'title']) : undefined;
  const tag = def.tag !== undefined ? template(def.tag, [...path, 'tag']) : undefined;
  const channels = def.channels === undefined ? undefined : Array.isArray(def.channels) ? def.channels : [def.channels];
  return async (ctx) => {
    const scope = ctx.templateScope();
    const n: Notification = { message: stringify(message(scope)), priority: def.priority ?? 'normal', ruleId: ctx.ruleId };
    if (title) n.title = stringify(title(scope));
    if (tag) n.tag = stringify(tag(scope)) || undefined;
    if (n.message.trim() === '') throw new Error('notify: the message came out empty');
    const what = `${n.title ? `${n.title}: ` : ''}${n.message}`;
    if (ctx.dryRun) return `would notify ${JSON.stringify(what)} (dry run)`;
    if (!ctx.notify) return `not sent, no notification channels here: ${JSON.stringify(what)}`;
    const results = await ctx.notify(n, channels);
    traceChannels(ctx, results);
    // Nothing took it and nothing will retry it: the rule's run failed at this step.
    if (results.length > 0 && results.every((r) => r.status === 'failed' || r.status === 'unknown'))
      throw new Error(`notify: no channel took ${JSON.stringify(what)}`);
    return `${JSON.stringify(what)} → ${summary(results)}`;
  };
}

/** One child entry per channel, under the notify step: its status and what the service answered. */
function traceChannels(ctx: RunContext, results: DeliveryResult[]): void {
  const now = ctx.clock.now();
  for (const r of results) {
    const bad = r.status === 'failed' || r.status === 'unknown';
    ctx.trace.push({
      step: `${r.channel}${r.type ? ` (${r.type})` : ''}`,
      startedAt: now,
      endedAt: now,
      result: `${r.status}: ${r.detail}`,
      ...(bad ? { error: r.detail } : {}),
    });
  }
}

function summary(results: DeliveryResult[]): string {
  if (results.length === 0) return 'no channel is enabled';
  const counts = new Map<string, number>();
  for (const r of results) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  return [...counts].map(([status, n]) => `${n} ${status}`).join(', ');
}
