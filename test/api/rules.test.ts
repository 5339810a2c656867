// The rules API against a real hub: list, read, save with validation, enable/disable across restarts, run, traces, webhooks.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { http, startTestHub, tempDir, waitFor, type TestHub } from '../helpers/hub.js';

let th: TestHub | undefined;
afterEach(async () => {
  await th?.stop(true);
  th = undefined;
});

const RULE = (id: string, payload = 'on') => `id: ${id}
description: Porch light on
triggers:
  - trigger: webhook
    webhook_id: porch-secret-123
actions:
  - action: publish
    topic: home/porch/light/set
    payload: "${payload}"
`;

async function hubWithRules(files: Record<string, string>) {
  const dir = tempDir();
  const rulesDir = join(dir, 'rules');
  mkdirSync(rulesDir);
  for (const [f, t] of Object.entries(files)) writeFileSync(join(rulesDir, f), t);
  return startTestHub({ dataDir: dir, rulesDir });
}

describe('rules API', () => {
  it('lists rules with status and invalid files with their errors at their line', async () => {
    th = await hubWithRules({ 'porch.yaml': RULE('porch'), 'broken.yaml': 'id: broken\ntriggers: []\nactions: []\n' });
    const res = await http(th, 'GET', '/api/rules');
    expect(res.status).toBe(200);
    expect(res.json.find((r: any) => r.id === 'porch')).toMatchObject({ status: 'active', description: 'Porch light on' });
    const broken = res.json.find((r: any) => r.status === 'invalid');
    expect(broken.errors[0]).toMatchObject({ line: 2, path: 'triggers', message: 'must have at least 1 item' });
    const one = await http(th, 'GET', '/api/rules/porch');
    expect(one.json.source).toContain('webhook_id: porch-secret-123');
    expect((await http(th, 'GET', '/api/rules/nope')).json.code).toBe('HEARTH_RULE_NOT_FOUND');
  });

  it('saving invalid YAML answers 400 with file:line:column and writes nothing; valid YAML is live at once', async () => {
    th = await hubWithRules({});
    const bad = await http(th, 'PUT', '/api/rules/porch', { yaml: RULE('porch').replace('payload: "on"', 'payload: "on"\n    qos: 5') });
    expect(bad.status).toBe(400);
    expect(bad.json.code).toBe('HEARTH_RULE_INVALID');
    expect(bad.json.errors[0]).toMatchObject({ line: 10, column: 10, path: 'actions[0].qos' });
    expect((await http(th, 'GET', '/api/rules')).json).toEqual([]);
    const good = await http(th, 'PUT', '/api/rules/porch', { yaml: RULE('porch') });
    expect(good.status).toBe(201);
    expect(good.json.status).toBe('active');
    const missingField = await http(th, 'PUT', '/api/rules/porch', {});
    expect(missingField.status).toBe(400);
    expect(missingField.json.message).toBe('body.yaml is required');
    const deleted = await http(th, 'DELETE', '/api/rules/porch');
    expect(deleted.status).toBe(204);
  });

  it('a webhook fires the rule; run now and traces; disable survives a restart', async () => {
    th = await hubWithRules({ 'porch.yaml': RULE('porch') });
    const light = await th.connect();
    const got: string[] = [];
    light.on('message', (_t, p) => got.push(p.toString()));
    await light.subscribeAsync('home/porch/light/set', { qos: 1 });
    const hook = await http(th, 'POST', '/api/webhooks/porch-secret-123', { by: 'doorbell' }, null);
    expect(hook.status).toBe(202);
    await waitFor(() => got.length === 1, 'command from the webhook');
    expect((await http(th, 'POST', '/api/webhooks/not-the-secret', {}, null)).status).toBe(404);
    const run = await http(th, 'POST', '/api/rules/porch/run');
    expect(run.json.outcome).toBe('ran');
    const traces = await http(th, 'GET', '/api/rules/porch/traces');
    expect(traces.json.map((t: any) => t.trigger.kind)).toEqual(['manual', 'webhook']);
    expect((await http(th, 'POST', '/api/rules/porch/disable')).json.status).toBe('disabled');
    th = await th.restart();
    expect((await http(th, 'GET', '/api/rules/porch')).json.status).toBe('disabled');
    expect((await http(th, 'POST', '/api/rules/porch/enable')).json.status).toBe('active');
  });

  it('a viewer may read rules but not change them', async () => {
    th = await hubWithRules({ 'porch.yaml': RULE('porch') });
    await th.hub.users.setUser('guest', 'guest-password', 'viewer');
    const viewer = 'Basic ' + Buffer.from('guest:guest-password').toString('base64');
    expect((await http(th, 'GET', '/api/rules', undefined, viewer)).status).toBe(200);
    const res = await http(th, 'POST', '/api/rules/porch/disable', undefined, viewer);
    expect(res.status).toBe(403);
    expect(res.json.code).toBe('HEARTH_FORBIDDEN');
  });
});
