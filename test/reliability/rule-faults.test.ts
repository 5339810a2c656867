// Rule faults in a running hub: a template that throws, an action on an invalid topic and a rule that loops each
// report an error (trace, event, rule status) for that rule only; the other rules keep running.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { HubEvents } from '../../src/shared/event-bus.js';
import { http, nextMessage, startTestHub, tempDir, waitFor, type TestHub } from '../helpers/hub.js';

let th: TestHub | undefined;
afterEach(async () => {
  await th?.stop(true);
  th = undefined;
});

const RULES = `
- id: lamp-on-press
  triggers: [{ trigger: mqtt, topic: home/button/press }]
  actions: [{ action: publish, topic: home/lamp/power/set, payload: "on" }]

- id: bad-template
  triggers: [{ trigger: mqtt, topic: home/button/press }]
  actions: [{ action: publish, topic: home/display/text/set, payload: "{{ parse_json(trigger.payload) }}" }]

- id: bad-topic
  triggers: [{ trigger: mqtt, topic: home/button/press }]
  actions: [{ action: publish, topic: "home/{{ trigger.payload }}/set", payload: "1" }]

- id: echo-loop
  mode: parallel
  max: 100
  triggers: [{ trigger: mqtt, topic: home/loop/value }]
  actions: [{ action: publish, topic: home/loop/value, payload: "{{ trigger.value + 1 }}" }]
`;

it('a throwing template, an invalid topic and a loop are errors of their own rules; the others keep running', {
  timeout: 30_000,
}, async () => {
  const rulesDir = join(tempDir(), 'rules');
  mkdirSync(rulesDir);
  writeFileSync(join(rulesDir, 'faults.yaml'), RULES);
  th = await startTestHub({ rulesDir });
  const errors: Array<HubEvents['rule.error']> = [];
  th.hub.events.on('rule.error', 'test', (e) => errors.push(e));
  const client = await th.connect();
  const lamp = nextMessage(client, 'home/lamp/power/set');
  await client.subscribeAsync('home/lamp/power/set', { qos: 1 });

  // "#" is not JSON (the template throws) and makes `home/#/set` (not a topic one may publish to).
  await client.publishAsync('home/button/press', '#', { qos: 1 });
  expect((await lamp).payload).toBe('on');
  await waitFor(
    () => errors.some((e) => e.ruleId === 'bad-template') && errors.some((e) => e.ruleId === 'bad-topic'),
    'both errors reported',
  );

  const trace = async (id: string) => (await http(th!, 'GET', `/api/rules/${id}/traces`)).json[0];
  const template = await trace('bad-template');
  expect(template.outcome).toBe('error');
  expect(JSON.stringify(template)).toMatch(/parse_json|JSON/);
  const topic = await trace('bad-topic');
  expect(topic.outcome).toBe('error');
  expect(JSON.stringify(topic)).toContain('publish: topic \\"home/#/set\\" is not a valid topic to publish to');

  // The loop is paused after too many runs in a second, with the reason in its status.
  await client.publishAsync('home/loop/value', '1', { qos: 1 });
  await waitFor(
    async () => (await http(th!, 'GET', '/api/rules')).json.find((r: { id: string }) => r.id === 'echo-loop').status === 'paused',
    'the loop paused',
  );
  const loop = (await http(th, 'GET', '/api/rules')).json.find((r: { id: string }) => r.id === 'echo-loop');
  expect(loop.errors[0].message).toContain('triggered more than 20 times in a second');

  // The healthy rule still runs, again and again.
  for (let i = 0; i < 3; i++) {
    const next = nextMessage(client, 'home/lamp/power/set');
    await client.publishAsync('home/button/press', '{"n": 1}', { qos: 1 });
    expect((await next).payload).toBe('on');
  }
  expect(th.hub.ready).toBe(true);
});
