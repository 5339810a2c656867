// The rules API against a real hub: list, read, save with validation, enable/disable across restarts, run, traces, webhooks.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runRulesWhy } from '../../src/cli/rules-why.js';
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

  it("a YAML mistake is answered at its own line, in plain words, under the file's own path", async () => {
    th = await hubWithRules({});
    const tooDeep = RULE('porch').replace('    topic: home/porch/light/set', '        topic: home/porch/light/set');
    const message =
      'line 8 is indented deeper than the key above it ("action" on line 7), which already has a value; start it in column 5, like "action"';
    const path = relative(process.cwd(), join(th.hub.ruleDirectory.dir, 'porch.yaml'));
    const put = await http(th, 'PUT', '/api/rules/porch', { yaml: tooDeep });
    expect(put.status).toBe(400);
    expect(put.json.message).toBe(`${path}:8:9 ${message}`);
    expect(put.json.errors).toEqual([{ file: path, line: 8, column: 9, path: '', message, text: `${path}:8:9 ${message}` }]);
    const validated = await http(th, 'POST', '/api/rules/validate', { yaml: tooDeep, file: 'porch.yaml' });
    expect(validated.json.problems.map((p: any) => p.text)).toEqual([`${path}:8:9 ${message}`]);
    const unsaved = await http(th, 'POST', '/api/rules/validate', { yaml: tooDeep });
    expect(unsaved.json.problems.map((p: any) => p.text)).toEqual([`rule.yaml:8:9 ${message}`]);
    const replayed = await http(th, 'POST', '/api/rules/replay', { yaml: tooDeep, file: 'porch.yaml' });
    expect(replayed.json.message).toBe(`${path}:8:9 ${message}`);
  });

  it('a file with errors is listed by its rules and opens as a file, errors marked; fixed by the API its rules run again', async () => {
    const kitchen = `- ${RULE('kitchen-on').replace(/\n(?=.)/g, '\n  ')}- ${RULE('kitchen-off', 'off')
      .replace(/\n(?=.)/g, '\n  ')
      .replace('porch-secret-123', 'kitchen-secret-456')}`;
    th = await hubWithRules({
      'porch.yaml': RULE('porch').replace('    topic: home/porch/light/set', '        topic: home/porch/light/set'),
      'garbage.yaml': 'id: [porch\n',
      'kitchen.yaml': kitchen,
    });
    const list = (await http(th, 'GET', '/api/rules')).json;
    expect(list.map((r: any) => [r.id, r.fileName, r.status])).toEqual([
      ['garbage.yaml', 'garbage.yaml', 'invalid'],
      ['kitchen-on', 'kitchen.yaml', 'active'],
      ['kitchen-off', 'kitchen.yaml', 'active'],
      ['porch', 'porch.yaml', 'invalid'],
    ]);
    // By its rule's id (a broken file's rule is still found), or as the file.
    const porch = await http(th, 'GET', '/api/rules/porch');
    expect(porch.status).toBe(200);
    expect(porch.json).toMatchObject({ status: 'invalid', fileName: 'porch.yaml', errors: [{ line: 8, column: 9 }] });
    const file = await http(th, 'GET', '/api/rule-files/porch.yaml');
    expect(file.json).toMatchObject({
      fileName: 'porch.yaml',
      status: 'invalid',
      rules: [{ id: 'porch', status: 'invalid' }],
      errors: [{ line: 8, column: 9 }],
    });
    expect(file.json.source).toContain('        topic: home/porch/light/set');
    const garbage = await http(th, 'GET', '/api/rule-files/garbage.yaml');
    expect(garbage.json).toMatchObject({ status: 'invalid', rules: [], source: 'id: [porch\n' });
    expect(garbage.json.errors[0].text).toMatch(/garbage\.yaml:1:5 line 1: the \[ in column 5 is never closed; end the list with \]$/);
    expect((await http(th, 'GET', '/api/rule-files/nope.yaml')).json).toMatchObject({
      code: 'HEARTH_NOT_FOUND',
      message: 'No rule file "nope.yaml"',
    });
    expect((await http(th, 'GET', '/api/rule-files/..%2Fhearth.db')).status).toBe(400);
    expect((await http(th, 'GET', '/api/rule-files/porch.test.yaml')).status).toBe(400);

    // Saving a broken rule by its id rewrites its own file (not a second file beside it).
    const saved = await http(th, 'PUT', '/api/rules/porch', { yaml: RULE('porch') });
    expect(saved.status).toBe(200);
    expect(saved.json).toMatchObject({ status: 'active', fileName: 'porch.yaml' });
    expect((await http(th, 'GET', '/api/rule-files/porch.yaml')).json.rules).toEqual([
      { id: 'porch', status: 'active', description: 'Porch light on' },
    ]);
    const fixed = await http(th, 'PUT', '/api/rule-files/garbage.yaml', {
      yaml: RULE('garden').replace('porch-secret-123', 'garden-secret-789'),
    });
    expect(fixed.status).toBe(200);
    expect(fixed.json).toMatchObject({ status: 'valid', rules: [{ id: 'garden', status: 'active' }], errors: [] });

    // A file with several rules is edited as that file; by one rule's id it is refused, naming the way.
    expect((await http(th, 'GET', '/api/rule-files/kitchen.yaml')).json.rules.map((r: any) => r.id)).toEqual(['kitchen-on', 'kitchen-off']);
    const one = await http(th, 'PUT', '/api/rules/kitchen-on', { yaml: RULE('kitchen-on') });
    expect(one.status).toBe(409);
    expect(one.json.message).toBe(
      'rule "kitchen-on" shares kitchen.yaml with other rules; edit that file (PUT /api/rule-files/kitchen.yaml)',
    );
    const both = await http(th, 'PUT', '/api/rule-files/kitchen.yaml', { yaml: kitchen.replace('Porch light on', 'Kitchen light on') });
    expect(both.status).toBe(200);
    expect((await http(th, 'GET', '/api/rules/kitchen-on')).json.description).toBe('Kitchen light on');
    const clash = await http(th, 'PUT', '/api/rule-files/new.yaml', { yaml: RULE('garden') });
    expect(clash.status).toBe(400);
    expect(clash.json.message).toMatch(/new\.yaml:1:1 id "garden" is already used by .*garbage\.yaml:1$/);
    expect((await http(th, 'DELETE', '/api/rule-files/garbage.yaml')).status).toBe(204);
    expect((await http(th, 'GET', '/api/rules')).json.map((r: any) => `${r.id} ${r.status}`)).toEqual([
      'kitchen-on active',
      'kitchen-off active',
      'porch active',
    ]);
  });

  it('a run waiting in its delay through a restart: the API and `hearth rules why` say it was saved and goes on', async () => {
    th = await hubWithRules({ 'porch.yaml': RULE('porch').replace('actions:\n', 'actions:\n  - delay: 10m\n') });
    expect((await http(th, 'POST', '/api/webhooks/porch-secret-123', {}, null)).status).toBe(202);
    await waitFor(
      () => (th!.hub.db.prepare("SELECT count(*) AS n FROM rule_timers WHERE key LIKE 'porch/run/%'").get() as { n: number }).n === 1,
      'the delay on disk',
    );
    th = await th.restart();
    const why = 'the hub stopped while the run waited here; saved, it goes on with the time left when the hub starts again';
    const traces = await http(th, 'GET', '/api/rules/porch/traces');
    expect(traces.json).toMatchObject([{ outcome: 'saved', reason: why, actions: [{ step: 'delay', result: `saved: ${why}` }] }]);
    const lines: string[] = [];
    expect(runRulesWhy(th.dataDir, 'porch', 1, (l) => lines.push(l))).toBe(0);
    expect(lines[0]).toMatch(new RegExp(`porch: SAVED — ${why}$`));
    expect(lines.join('\n')).not.toMatch(/CANCELLED|✗|error/);
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
