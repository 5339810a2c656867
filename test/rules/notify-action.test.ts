// The notify action in rules: its fields checked at file:line:column like any action's, templates rendered from the
// trigger, the channels it names, each channel's answer in the trace, and a run that no channel could take.
import { describe, expect, it } from 'vitest';
import type { DeliveryResult, Notification } from '../../src/notify/types.js';
import { loadRuleText } from '../../src/rules/rule-loader.js';
import { startEngine } from '../helpers/engine.js';

const rule = (action: string) => `id: leak
triggers:
  - trigger: mqtt
    topic: home/+/leak
    payload: "true"
actions:
  - action: notify
${action}`;

const problems = (yaml: string) => loadRuleText(yaml, 'leak.yaml').problems.map((p) => p.text);

describe('notify action', () => {
  it('reports each bad field at its line and column', () => {
    expect(problems(rule('    message: Leak!\n    priority: loud\n    channels: [phone, "my pager"]\n    colour: red\n'))).toEqual([
      'leak.yaml:11:5 actions[0].colour is not a known key (known: action, message, title, priority, tag, channels, alias)',
      'leak.yaml:9:15 actions[0].priority must be one of "low", "normal", "high", "urgent", got "loud"',
      'leak.yaml:10:15 actions[0].channels must be a channel name or a list of them, got ["phone","my pager"]',
    ]);
    expect(problems(rule('    title: Leak\n'))).toEqual(['leak.yaml:7:5 actions[0].message is required']);
    expect(problems(rule('    message: "Leak in {{ trigger.topic ) }}"\n'))[0]).toMatch(
      /^leak\.yaml:8:14 actions\[0\]\.message cannot parse \{\{ trigger\.topic \) \}\}/,
    );
    expect(problems(rule('    message: Leak\n').replace('action: notify', 'action: notfy'))).toEqual([
      'leak.yaml:7:13 actions[0].action must be publish, log, notify, scene or script, got "notfy" (delay, wait_for_trigger, if, choose, repeat, variables and stop are keys of their own)',
    ]);
  });

  it('renders its templates from the trigger, sends to the channels it names, and traces each channel’s answer', async () => {
    const sent: Array<{ n: Notification; channels?: string[] }> = [];
    const notify = async (n: Notification, channels?: string[]): Promise<DeliveryResult[]> => {
      sent.push({ n, channels });
      return [
        { channel: 'phone', type: 'ntfy', status: 'delivered', detail: 'HTTP 200, ntfy message id a1' },
        { channel: 'mail', type: 'email', status: 'retrying', detail: 'cannot reach smtp.example.com:587: ECONNREFUSED; retrying in 15 s' },
      ];
    };
    const h = await startEngine(
      {
        'leak.yaml': rule(
          '    title: "Leak: {{ trigger.topic }}"\n    message: "Water at {{ trigger.topic }} ({{ trigger.payload }})"\n    priority: urgent\n    tag: "leak-{{ trigger.topic }}"\n    channels: [phone, mail]\n',
        ),
      },
      { notify },
    );
    await h.publish('home/cellar/leak', 'true');
    expect(sent).toEqual([
      {
        n: {
          title: 'Leak: home/cellar/leak',
          message: 'Water at home/cellar/leak (true)',
          priority: 'urgent',
          tag: 'leak-home/cellar/leak',
          ruleId: 'leak',
        },
        channels: ['phone', 'mail'],
      },
    ]);
    const [trace] = h.engine.traces('leak');
    expect(trace!.outcome).toBe('ran');
    expect(trace!.actions[0]!.result).toBe('"Leak: home/cellar/leak: Water at home/cellar/leak (true)" → 1 delivered, 1 retrying');
    expect(trace!.actions[0]!.children!.map((c) => `${c.step}: ${c.result}`)).toEqual([
      'phone (ntfy): delivered: HTTP 200, ntfy message id a1',
      'mail (email): retrying: cannot reach smtp.example.com:587: ECONNREFUSED; retrying in 15 s',
    ]);
    await h.stop();
  });

  it('a run whose notification no channel took ends in error, naming why', async () => {
    const notify = async (): Promise<DeliveryResult[]> => [
      { channel: 'pager', status: 'unknown', detail: 'no channel named "pager" (configured: phone, dashboard)' },
    ];
    const h = await startEngine(
      {
        'leak.yaml': rule(
          '    message: Leak\n    channels: pager\n  - action: publish\n    topic: home/valve/open/set\n    payload: "false"\n',
        ),
      },
      { notify },
    );
    await h.publish('home/cellar/leak', 'true');
    const [trace] = h.engine.traces('leak');
    expect(trace!.outcome).toBe('error');
    expect(trace!.error).toBe('notify: no channel took "Leak"');
    expect(trace!.actions[0]!.children![0]).toMatchObject({
      step: 'pager',
      result: 'unknown: no channel named "pager" (configured: phone, dashboard)',
      error: 'no channel named "pager" (configured: phone, dashboard)',
    });
    expect(h.commands()).toEqual([]);
    await h.stop();
  });

  it('without a notifier (a replay) the step says what it would have sent', async () => {
    const h = await startEngine({ 'leak.yaml': rule('    message: Leak\n') });
    await h.publish('home/cellar/leak', 'true');
    expect(h.engine.traces('leak')[0]!.actions[0]!.result).toBe('not sent, no notification channels here: "Leak"');
    await h.stop();
  });
});
