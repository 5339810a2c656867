// Rule tests: `<name>.test.yaml` beside `<name>.yaml` describes cases — initial states, a timeline of published
// messages, clock advances, scenes activated, scripts run and helpers set, and the commands expected (or not). Each
// case runs the real engine in a rule harness (an in-memory bus and a virtual clock) with the file's rules and the
// scripts, scenes and helpers of the whole dir: nothing reaches real devices, and an hour of rule time takes ms.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { topicMatches } from '../bus/message-bus.js';
import { describeValueError } from '../shared/schema-errors.js';
import { formatPayload } from '../devices/topic.js';
import { parseDuration } from './duration.js';
import { personId } from './people.js';
import { RuleHarness } from './rule-harness.js';
import { loadRuleFile, position, type CompiledRule } from './rule-loader.js';
import { RuleDirectory } from './rule-directory.js';
import { systemClock } from '../shared/clock.js';
import { createLogger } from '../shared/logger.js';
import type { HelperDefinition } from '../helpers/helper-schema.js';
import { nextTimeOfDay, parseClock } from './triggers/common.js';
import { formatPath } from './validate.js';
import { parseYaml } from './yaml-mistakes.js';
import { recordNotifications } from './notify-expectations.js';

const Value_ = Type.Union([Type.String(), Type.Number(), Type.Boolean()]);
const Step = Type.Union([
  Type.Object(
    { publish: Type.String({ minLength: 1 }), payload: Value_, retain: Type.Optional(Type.Boolean()) },
    { additionalProperties: false },
  ),
  Type.Object({ advance: Type.Union([Type.String(), Type.Number()]) }, { additionalProperties: false }),
  Type.Object({ at: Type.String({ pattern: '^\\d{1,2}:\\d{2}(:\\d{2})?$' }) }, { additionalProperties: false }),
  Type.Object({ expect: Type.String({ minLength: 1 }), payload: Type.Optional(Value_) }, { additionalProperties: false }),
  Type.Object({ expect_none: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
  Type.Object(
    {
      expect_notification: Type.String({ minLength: 1, description: 'The message' }),
      title: Type.Optional(Type.String()),
      priority: Type.Optional(Type.String()),
      channels: Type.Optional(Type.Array(Type.String())),
    },
    { additionalProperties: false },
  ),
  Type.Object({ expect_no_notification: Type.Literal(true) }, { additionalProperties: false }),
  Type.Object({ activate_scene: Type.String({ minLength: 1, description: 'A scene of the rules dir' }) }, { additionalProperties: false }),
  Type.Object(
    {
      run_script: Type.String({ minLength: 1, description: 'A script of the rules dir' }),
      fields: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    { set_helper: Type.String({ minLength: 1, description: 'A helper of the rules dir' }), value: Value_ },
    { additionalProperties: false },
  ),
  Type.Object(
    { person: Type.String({ minLength: 1, description: 'Moves a person: alice (or person_alice)' }), home: Type.Boolean() },
    { additionalProperties: false },
  ),
]);
export const RuleTestFileSchema = Type.Object(
  {
    file: Type.Optional(Type.String({ description: 'The rule file under test; default: this file without .test' })),
    cases: Type.Array(
      Type.Object(
        {
          name: Type.String({ minLength: 1 }),
          start: Type.Optional(Type.String({ description: 'Local start time, e.g. 2026-06-15T12:00:00' })),
          states: Type.Optional(Type.Record(Type.String(), Value_)),
          people: Type.Optional(
            Type.Record(Type.String(), Type.Boolean(), { description: 'Who is home at the start: { alice: true, bob: false }' }),
          ),
          steps: Type.Array(Step, { minItems: 1 }),
        },
        { additionalProperties: false },
      ),
      { minItems: 1 },
    ),
  },
  { additionalProperties: false },
);
type TestFile = Static<typeof RuleTestFileSchema>;
type Case = TestFile['cases'][number];

export interface CaseResult {
  name: string;
  passed: boolean;
  /** Why it failed: the expectation and what was published instead. */
  diff: string[];
}

export interface TestFileResult {
  file: string;
  problems: string[];
  cases: CaseResult[];
}

/** Runs every `*.test.yaml` of `dir` (or only `<only>.test.yaml`) and tells each case's result, line by line, to `out`. */
export async function runRuleTests(
  dir: string,
  out: (line: string) => void,
  only?: string,
): Promise<{ code: number; results: TestFileResult[] }> {
  if (!existsSync(dir)) {
    out(`${dir}: no such directory`);
    return { code: 2, results: [] };
  }
  const files = readdirSync(dir)
    .filter((f) => /\.test\.ya?ml$/.test(f) && (!only || f.startsWith(`${only}.`)))
    .sort();
  const results: TestFileResult[] = [];
  let passed = 0;
  let failed = 0;
  for (const f of files) {
    const result = await runRuleTestFile(join(dir, f), relative(process.cwd(), join(dir, f)) || f);
    results.push(result);
    out(result.file);
    for (const p of result.problems) out(`  ${p}`);
    failed += result.problems.length ? 1 : 0;
    for (const c of result.cases) {
      out(`  ${c.passed ? '✓' : '✗'} ${c.name}`);
      for (const d of c.diff) out(`      ${d}`);
      if (c.passed) passed++;
      else failed++;
    }
  }
  if (files.length === 0) out(`no *.test.yaml files in ${dir}`);
  out(`${passed} passed, ${failed} failed`);
  return { code: failed > 0 ? 1 : 0, results };
}

export async function runRuleTestFile(path: string, display = path): Promise<TestFileResult> {
  const { doc, lineCounter: lc, problems: syntax } = parseYaml(readFileSync(path, 'utf8'));
  if (syntax.length) return { file: display, cases: [], problems: syntax.map((p) => `${display}:${p.line}:${p.column} ${p.message}`) };
  const value = doc.toJS();
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const error of Value.Errors(RuleTestFileSchema, value)) {
    const rel = error.path
      .slice(1)
      .split('/')
      .filter(Boolean)
      .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
    const key = rel.slice(0, 4).join('/');
    if (seen.has(key)) continue;
    seen.add(key);
    const pos = position(doc, lc, rel, error.message.startsWith('Unexpected'));
    problems.push(`${display}:${pos.line}:${pos.col} ${formatPath(rel)} ${describeValueError(error, { root: RuleTestFileSchema })}`);
  }
  if (problems.length) return { file: display, cases: [], problems };
  const spec = value as TestFile;
  const name = spec.file ?? basename(path).replace(/\.test\.ya?ml$/, '.yaml');
  // The rules dir is loaded as the hub loads it (a rule finds the blueprints, scenes and scripts of other files); the
  // file under test is checked under its own path. Each case runs a fresh copy (triggers keep state while attached).
  const directory = new RuleDirectory({ dir: dirname(path), clock: systemClock, logger: createLogger({ level: 'silent' }) });
  directory.loadAll();
  const under = directory.loaded(name) ?? loadRuleFile(join(path, '..', name), join(dirname(display), name));
  if (under.problems.length) return { file: display, cases: [], problems: under.problems.map((p) => p.text) };
  const compile = () =>
    directory.fileNames.flatMap((file) => {
      const loaded = directory.compile(file);
      if (loaded.problems.length > 0) return [];
      return [{ file, runs: [...loaded.scripts, ...loaded.scenes, ...(file === name ? loaded.rules : [])], helpers: loaded.helpers }];
    });
  const cases: CaseResult[] = [];
  for (const c of spec.cases) cases.push(await runCase(compile, c));
  return { file: display, cases, problems };
}

async function runCase(
  compile: () => Array<{ file: string; runs: CompiledRule[]; helpers: HelperDefinition[] }>,
  c: Case,
): Promise<CaseResult> {
  const diff: string[] = [];
  const start = c.start ? new Date(c.start).getTime() : new Date(2026, 0, 1, 12, 0, 0).getTime();
  // Notifications are recorded, not sent: a case expects them like published messages.
  const notified = recordNotifications(() => harness.clock.now(), fmt);
  const harness = new RuleHarness({
    start,
    states: [
      ...Object.entries(c.states ?? {}),
      ...Object.entries(c.people ?? {}).map(([p, home]): [string, unknown] => [`home/${personId(p)}/home`, home]),
    ],
    notify: notified.notify,
  });
  const { clock } = harness;
  // What the rules published, minus the hub's own events: the commands a case expects.
  const published = () => harness.published.filter((p) => !p.topic.startsWith('hearth/'));
  try {
    for (const f of compile()) harness.load(f.file, f.file, f.runs, f.helpers);
    await harness.start();
    let checkpoint = 0;
    const since = () => published().slice(checkpoint);
    let step = 0;
    for (const s of c.steps) {
      step++;
      const label = `step ${step}`;
      if ('publish' in s) {
        await harness.publish(s.publish, formatPayload(s.payload), { retain: s.retain ?? false });
      } else if ('advance' in s) {
        const ms = parseDuration(s.advance);
        if (typeof ms === 'string') throw new Error(`${label}: advance ${ms}`);
        await clock.advance(ms);
      } else if ('at' in s) {
        await clock.advanceTo(nextTimeOfDay(clock.now(), parseClock(s.at)));
      } else if ('activate_scene' in s || 'run_script' in s) {
        const id = 'activate_scene' in s ? `scene:${s.activate_scene}` : `script:${s.run_script}`;
        await harness.call(id, 'fields' in s ? s.fields : undefined).catch((err: Error) => {
          throw new Error(`${label}: ${err.message}`);
        });
      } else if ('set_helper' in s) {
        if (!harness.helpers.has(s.set_helper)) throw new Error(`${label}: no helper "${s.set_helper}" in the rules dir`);
        await harness.publish(`home/helper_${s.set_helper}/value/set`, formatPayload(s.value));
      } else if ('person' in s) {
        // As the OwnTracks adapter reports it: the person device's home, and since when.
        const id = personId(s.person);
        await harness.publish(`home/${id}/since`, new Date(clock.now()).toISOString());
        await harness.publish(`home/${id}/home`, formatPayload(s.home));
      } else if ('expect' in s) {
        const list = since();
        const hit = list.findIndex(
          (p) => topicMatches(s.expect, p.topic) && (s.payload === undefined || p.payload === formatPayload(s.payload)),
        );
        if (hit < 0) {
          diff.push(
            `${label}: expected ${s.expect}${s.payload !== undefined ? ` = ${JSON.stringify(formatPayload(s.payload))}` : ''} at +${fmt(clock.now() - start)}`,
          );
          diff.push(
            list.length
              ? `  published instead: ${list.map((p) => `${p.topic} = ${JSON.stringify(p.payload)} at +${fmt(p.at - start)}`).join(', ')}`
              : '  published instead: nothing',
          );
          break;
        }
        checkpoint += hit + 1;
      } else if ('expect_none' in s) {
        const hits = since().filter((p) => topicMatches(s.expect_none, p.topic));
        if (hits.length) {
          diff.push(`${label}: expected nothing on ${s.expect_none}`);
          diff.push(`  published: ${hits.map((p) => `${p.topic} = ${JSON.stringify(p.payload)} at +${fmt(p.at - start)}`).join(', ')}`);
          break;
        }
        checkpoint = published().length;
      } else {
        const miss = notified.check(s, start);
        if (miss) {
          diff.push(`${label}: ${miss[0]}`, ...miss.slice(1));
          break;
        }
      }
    }
  } catch (err) {
    diff.push((err as Error).message);
  } finally {
    await harness.stop();
  }
  return { name: c.name, passed: diff.length === 0, diff };
}

function fmt(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${s % 60 ? `${s % 60}s` : ''}`;
}
