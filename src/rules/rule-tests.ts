// Rule tests: `<name>.test.yaml` beside `<name>.yaml` describes cases — initial states, a timeline of published
// messages and clock advances, and the commands expected (or not). Each case runs the real engine on a private
// in-process broker with a virtual clock: nothing reaches real devices, and an hour of rule time takes milliseconds.
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { describeValueError } from '../shared/schema-errors.js';
import { Aedes } from 'aedes';
import { AedesBus } from '../broker/aedes-bus.js';
import { topicMatches } from '../broker/message-bus.js';
import { formatPayload } from '../devices/topic.js';
import { FakeClock } from '../shared/clock.js';
import { EventBus } from '../shared/event-bus.js';
import { createMemoryLogger } from '../shared/logger.js';
import { parseDuration } from './duration.js';
import { RuleEngine } from './engine.js';
import { loadRuleFile, position } from './rule-loader.js';
import { nextTimeOfDay, parseClock } from './triggers/common.js';
import { formatPath } from './validate.js';
import { parseYaml } from './yaml-mistakes.js';
import { recordNotifications } from './notify-expectations.js';

const Value_ = Type.Union([Type.String(), Type.Number(), Type.Boolean()]);
const Step = Type.Union([
  Type.Object({ publish: Type.String({ minLength: 1 }), payload: Value_, retain: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
  Type.Object({ advance: Type.Union([Type.String(), Type.Number()]) }, { additionalProperties: false }),
  Type.Object({ at: Type.String({ pattern: '^\\d{1,2}:\\d{2}(:\\d{2})?$' }) }, { additionalProperties: false }),
  Type.Object({ expect: Type.String({ minLength: 1 }), payload: Type.Optional(Value_) }, { additionalProperties: false }),
  Type.Object({ expect_none: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
  Type.Object({ expect_notification: Type.String({ minLength: 1, description: 'The message' }), title: Type.Optional(Type.String()), priority: Type.Optional(Type.String()), channels: Type.Optional(Type.Array(Type.String())) }, { additionalProperties: false }),
  Type.Object({ expect_no_notification: Type.Literal(true) }, { additionalProperties: false }),
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

export async function runRuleTestFile(path: string, display = path): Promise<TestFileResult> {
  const { doc, lineCounter: lc, problems: syntax } = parseYaml(readFileSync(path, 'utf8'));
  if (syntax.length) return { file: display, cases: [], problems: syntax.map((p) => `${display}:${p.line}:${p.column} ${p.message}`) };
  const value = doc.toJS();
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const error of Value.Errors(RuleTestFileSchema, value)) {
    const rel = error.path.slice(1).split('/').filter(Boolean).map((p) => (/^\d+$/.test(p) ? Number(p) : p));
    const key = rel.slice(0, 4).join('/');
    if (seen.has(key)) continue;
    seen.add(key);
    const pos = position(doc, lc, rel, error.message.startsWith('Unexpected'));
    problems.push(`${display}:${pos.line}:${pos.col} ${formatPath(rel)} ${describeValueError(error, { root: RuleTestFileSchema })}`);
  }
  if (problems.length) return { file: display, cases: [], problems };
  const spec = value as TestFile;
  const name = spec.file ?? basename(path).replace(/\.test\.ya?ml$/, '.yaml');
  const ruleFile = join(path, '..', name);
  // The rule file is checked here, under its own path: each case runs a copy of it in a temporary dir.
  const rules = loadRuleFile(ruleFile, join(dirname(display), name), () => ({}));
  if (rules.problems.length) return { file: display, cases: [], problems: rules.problems.map((p) => p.text) };
  const cases: CaseResult[] = [];
  for (const c of spec.cases) cases.push(await runCase(ruleFile, c));
  return { file: display, cases, problems };
}

async function runCase(ruleFile: string, c: Case): Promise<CaseResult> {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-rule-test-'));
  const diff: string[] = [];
  const broker = await Aedes.createBroker();
  const bus = new AedesBus(broker);
  const start = c.start ? new Date(c.start).getTime() : new Date(2026, 0, 1, 12, 0, 0).getTime();
  const clock = new FakeClock(start);
  const logger = createMemoryLogger();
  const published: Array<{ topic: string; payload: string; at: number; step: number }> = [];
  let step = 0;
  // The test's own messages are told apart by content, in order: deliveries are asynchronous, so a flag set
  // around the publish would also swallow what the rules publish meanwhile.
  const own: string[] = [];
  await bus.subscribe('#', (m) => {
    if (m.topic.startsWith('hearth/')) return;
    const payload = m.payload.toString();
    const mine = own.indexOf(`${m.topic}\0${payload}`);
    if (mine >= 0) return void own.splice(mine, 1);
    published.push({ topic: m.topic, payload, at: clock.now(), step });
  }, { retained: false });
  // Notifications are recorded, not sent: a case expects them like published messages.
  const notified = recordNotifications(() => clock.now(), fmt);
  let engine: RuleEngine | undefined;
  try {
    copyFileSync(ruleFile, join(dir, basename(ruleFile)));
    engine = new RuleEngine({ bus, clock, logger, events: new EventBus(logger), rulesDir: dir, watch: false, initialStates: Object.entries(c.states ?? {}), notify: notified.notify });
    await engine.start();
    if (engine.problems.length) return { name: c.name, passed: false, diff: engine.problems.map((p) => p.text) };
    let checkpoint = 0;
    const since = () => published.filter((p, i) => i >= checkpoint && p);
    for (const s of c.steps) {
      step++;
      const label = `step ${step}`;
      if ('publish' in s) {
        own.push(`${s.publish}\0${formatPayload(s.payload)}`);
        await bus.publish(s.publish, formatPayload(s.payload), { retain: s.retain ?? false });
        await clock.advance(0);
      } else if ('advance' in s) {
        const ms = parseDuration(s.advance);
        if (typeof ms === 'string') throw new Error(`${label}: advance ${ms}`);
        await clock.advance(ms);
      } else if ('at' in s) {
        await clock.advanceTo(nextTimeOfDay(clock.now(), parseClock(s.at)));
      } else if ('expect' in s) {
        const list = since();
        const hit = list.findIndex((p) => topicMatches(s.expect, p.topic) && (s.payload === undefined || p.payload === formatPayload(s.payload)));
        if (hit < 0) {
          diff.push(`${label}: expected ${s.expect}${s.payload !== undefined ? ` = ${JSON.stringify(formatPayload(s.payload))}` : ''} at +${fmt(clock.now() - start)}`);
          diff.push(list.length ? `  published instead: ${list.map((p) => `${p.topic} = ${JSON.stringify(p.payload)} at +${fmt(p.at - start)}`).join(', ')}` : '  published instead: nothing');
          break;
        }
        checkpoint = published.indexOf(list[hit]!) + 1;
      } else if ('expect_none' in s) {
        const hits = since().filter((p) => topicMatches(s.expect_none, p.topic));
        if (hits.length) {
          diff.push(`${label}: expected nothing on ${s.expect_none}`);
          diff.push(`  published: ${hits.map((p) => `${p.topic} = ${JSON.stringify(p.payload)} at +${fmt(p.at - start)}`).join(', ')}`);
          break;
        }
        checkpoint = published.length;
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
    await engine?.stop();
    await new Promise<void>((r) => broker.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  }
  return { name: c.name, passed: diff.length === 0, diff };
}

function fmt(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${s % 60 ? `${s % 60}s` : ''}`;
}
