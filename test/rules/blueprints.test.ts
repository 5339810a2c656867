// Blueprints as homeowners use them: written once with typed inputs, used by rules with values; a wrong or missing
// value is told at the rule, naming the rule, the blueprint and the input; a change to a blueprint reloads every
// rule that uses it, and the shipped blueprints validate.
import { describe, expect, it, afterEach } from 'vitest';
import { join } from 'node:path';
import { RuleDirectory } from '../../src/rules/rule-directory.js';
import { systemClock } from '../../src/shared/clock.js';
import { createMemoryLogger } from '../../src/shared/logger.js';
import { startEngine, type EngineHarness } from '../helpers/engine.js';

let h: EngineHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const BLUEPRINT = `
blueprints:
  - id: motion-light
    description: Light on with motion, off a while after the last motion
    inputs:
      motion: { selector: property, description: "the motion sensor, e.g. home/hallway/motion" }
      light: { selector: property, description: "the light's power, e.g. home/hallway-light/power" }
      off_delay: { selector: duration, default: 2m }
    mode: restart
    triggers:
      - trigger: state
        topic: !input motion
        to: true
    actions:
      - action: publish
        topic: "{{ light }}/set"
        payload: "on"
      - delay: !input off_delay
      - action: publish
        topic: "{{ light }}/set"
        payload: "off"
`;

const USES = `
- id: hall-light
  use_blueprint:
    blueprint: motion-light
    inputs:
      motion: home/hall/motion
      light: home/hall_lamp/power
- id: stairs-light
  description: Stairs, a shorter delay
  use_blueprint:
    blueprint: motion-light
    inputs:
      motion: home/stairs/motion
      light: home/stairs_lamp/power
      off_delay: 30s
`;

describe('blueprints', () => {
  it('rules made from a blueprint run with their own inputs (defaults where they give none)', async () => {
    h = await startEngine({ 'blueprints.yaml': BLUEPRINT, 'lights.yaml': USES });
    expect(h.directory.problems).toEqual([]);
    expect(h.directory.get('stairs-light').description).toBe('Stairs, a shorter delay');
    expect(h.directory.get('hall-light').description).toBe('Light on with motion, off a while after the last motion');
    await h.publish('home/hall/motion', 'true');
    await h.publish('home/stairs/motion', 'true');
    expect(h.commands()).toEqual(['home/hall_lamp/power/set=on', 'home/stairs_lamp/power/set=on']);
    await h.clock.advance(30_000);
    expect(h.commands().slice(2)).toEqual(['home/stairs_lamp/power/set=off']);
    await h.clock.advance(90_000);
    expect(h.commands().slice(3)).toEqual(['home/hall_lamp/power/set=off']);
  });

  it('a wrong, unknown or missing input is told at the rule, naming the rule, the blueprint and the input', async () => {
    const bad = `
- id: porch-light
  use_blueprint:
    blueprint: motion-light
    inputs:
      motion: home/Porch/motion
      off_delay: soon
      colour: red
- id: cellar-light
  use_blueprint:
    blueprint: motion-lite
`;
    h = await startEngine({ 'blueprints.yaml': BLUEPRINT, 'porch.yaml': bad });
    expect(h.directory.problems.map((p) => p.text.replace(/^.*porch\.yaml/, 'porch.yaml'))).toEqual([
      'porch.yaml:8:15 [0].use_blueprint.inputs.colour is not an input of blueprint "motion-light" (inputs: motion, light, off_delay)',
      'porch.yaml:6:15 [0].use_blueprint.inputs.motion must be a device property home/<device>/<property>, got "home/Porch/motion" (input "motion" of blueprint "motion-light", rule "porch-light")',
      'porch.yaml:6:7 [0].use_blueprint.inputs needs light (property: the light\'s power, e.g. home/hallway-light/power) (rule "porch-light", blueprint "motion-light")',
      'porch.yaml:7:18 [0].use_blueprint.inputs.off_delay must be a duration like 30s, 5m, 1h30m or "00:05:00", got "soon" (input "off_delay" of blueprint "motion-light", rule "porch-light")',
      'porch.yaml:11:16 [1].use_blueprint.blueprint no blueprint "motion-lite" in the rules dir (rule "cellar-light")',
    ]);
  });

  it('a blueprint with a mistake is told at the blueprint, and the rules that use it say so', async () => {
    const broken = BLUEPRINT.replace('topic: !input motion', 'topic: !input sensor').replace(
      'delay: !input off_delay',
      'delay: !input light',
    );
    h = await startEngine({ 'blueprints.yaml': broken, 'lights.yaml': USES });
    const inDir = h.directory.displayPath('x').slice(0, -1);
    expect(h.directory.problems.map((p) => p.text.replaceAll(inDir, ''))).toEqual([
      'blueprints.yaml:12:23 blueprints[0].triggers[0].topic names no input of this blueprint: !input sensor (inputs: motion, light, off_delay)',
      'lights.yaml:4:16 [0].use_blueprint.blueprint blueprint "motion-light" (blueprints.yaml:3) has problems of its own; fix it first',
      'lights.yaml:11:16 [1].use_blueprint.blueprint blueprint "motion-light" (blueprints.yaml:3) has problems of its own; fix it first',
    ]);
    // An input in a place it cannot fit (a device property where a duration goes) is told as such.
    h.write('blueprints.yaml', BLUEPRINT.replace('delay: !input off_delay', 'delay: !input light'));
    h.directory.reload('blueprints.yaml');
    expect(h.directory.problems[0]!.text).toMatch(
      /blueprints\.yaml:18:23 blueprints\[0\]\.actions\[1\]\.delay takes !input light \(a property\) where it must be a duration like 30s, 5m, 1h30m or "00:05:00"$/,
    );
  });

  it('a change to a blueprint reloads every rule that uses it, in whatever file', async () => {
    h = await startEngine({ 'blueprints.yaml': BLUEPRINT, 'lights.yaml': USES });
    h.write('blueprints.yaml', BLUEPRINT.replace('payload: "on"', 'payload: "bright"'));
    h.directory.reload('blueprints.yaml');
    expect(h.logs.some((l) => l.includes('lights.yaml uses what') && l.includes('blueprints.yaml defines: reloading it'))).toBe(true);
    await h.publish('home/hall/motion', 'true');
    expect(h.commands()).toEqual(['home/hall_lamp/power/set=bright']);
    // Its rules keep their state across the reload: a disabled one stays disabled.
    h.engine.disable('stairs-light');
    h.write('blueprints.yaml', BLUEPRINT);
    h.directory.reload('blueprints.yaml');
    expect(h.directory.get('stairs-light').status).toBe('disabled');
    // A blueprint that goes away takes its rules with it, with the reason.
    h.write('blueprints.yaml', 'blueprints: []\n');
    h.directory.reload('blueprints.yaml');
    expect(h.directory.list().map((r) => [r.id, r.status])).toEqual([
      ['hall-light', 'invalid'],
      ['stairs-light', 'invalid'],
    ]);
  });

  it('!input outside a blueprint is refused', async () => {
    h = await startEngine({
      'odd.yaml': 'id: odd\ntriggers:\n  - trigger: state\n    topic: !input motion\nactions:\n  - action: log\n    message: hi\n',
    });
    expect(h.directory.problems.map((p) => p.message)).toContain('holds !input motion, which only a blueprint may');
  });

  it('the shipped blueprints and example rules load without a problem', () => {
    const dir = join(import.meta.dirname, '../../rules');
    const directory = new RuleDirectory({ dir, clock: systemClock, logger: createMemoryLogger() });
    const files = directory.loadAll();
    expect(directory.problems).toEqual([]);
    expect(files.flatMap((f) => f.blueprints).sort()).toEqual(['door-left-open', 'motion-light', 'thermostat']);
  });
});
