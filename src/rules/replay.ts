// Replay: runs a new or changed rule against the history recorded in SQLite, on a private broker with a virtual
// clock, and reports when it would have fired and what it would have published. Nothing reaches real devices.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import { Aedes } from 'aedes';
import { AedesBus } from '../broker/aedes-bus.js';
import { topicMatches } from '../broker/message-bus.js';
import { formatPayload, homeTopic } from '../devices/topic.js';
import { FakeClock } from '../shared/clock.js';
import { HearthError } from '../shared/errors.js';
import { EventBus } from '../shared/event-bus.js';
import { createMemoryLogger } from '../shared/logger.js';
import { RuleEngine } from './engine.js';
import { loadRuleText } from './rule-loader.js';
import { MemoryTraceStore } from './traces.js';

export interface ReplayResult {
  from: string;
  to: string;
  topics: string[];
  messages: number;
  runs: Array<{ at: string; ruleId: string; outcome: string; trigger: string; reason?: string; published: Array<{ topic: string; payload: string; at: string }> }>;
  /** How many evaluations ended each way (ran, conditions_failed, trigger_rejected, …). */
  outcomes: Record<string, number>;
}

const MAX_MESSAGES = 2_000_000;

/** `display` names the YAML in its problems: the user's own file where there is one. */
export async function replayRule(db: Database, yaml: string, from: number, to: number, location?: { latitude: number; longitude: number }, display = 'replay.yaml'): Promise<ReplayResult> {
  if (!(from < to)) throw new HearthError('HEARTH_VALIDATION', { message: 'from must be before to' });
  const loaded = loadRuleText(yaml, display, () => ({}));
  if (loaded.problems.length) throw new HearthError('HEARTH_RULE_INVALID', { message: loaded.problems.map((p) => p.text).join('\n') }, { errors: loaded.problems });
  // The device topics the rules read (triggers and conditions), matched against the recorded series.
  const filters = new Set<string>();
  const collect = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(collect);
    else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        if (k === 'topic' && typeof v === 'string' && v.startsWith('home/')) filters.add(v);
        else if (k !== 'actions') collect(v);
      }
    }
  };
  loaded.rules.forEach((r) => collect(r.definition));
  const series = (db.prepare('SELECT id, device_id, property FROM history_series').all() as Array<{ id: number; device_id: string; property: string }>)
    .map((s) => ({ ...s, topic: homeTopic(s.device_id, s.property) }))
    .filter((s) => [...filters].some((f) => topicMatches(f, s.topic)));
  const topicOf = new Map(series.map((s) => [s.id, s.topic]));
  const initial: Array<[string, unknown]> = [];
  for (const s of series) {
    const row = db.prepare('SELECT num, value FROM history WHERE series_id = ? AND ts < ? ORDER BY ts DESC LIMIT 1').get(s.id, from) as { num: number | null; value: string | null } | undefined;
    if (row) initial.push([s.topic, row.value !== null ? JSON.parse(row.value) : row.num]);
  }

  const dir = mkdtempSync(join(tmpdir(), 'hearth-replay-'));
  writeFileSync(join(dir, 'replay.yaml'), yaml);
  const broker = await Aedes.createBroker();
  const bus = new AedesBus(broker);
  const clock = new FakeClock(from);
  const logger = createMemoryLogger();
  const traces = new MemoryTraceStore(100_000);
  const engine = new RuleEngine({ bus, clock, logger, events: new EventBus(logger), rulesDir: dir, watch: false, initialStates: initial, traceStore: traces, location, loopLimitPerSecond: 1_000 });
  let messages = 0;
  try {
    await engine.start();
    if (series.length) {
      const ids = series.map((s) => s.id);
      const rows = db
        .prepare(`SELECT series_id, ts, num, value FROM history WHERE series_id IN (${ids.map(() => '?').join(',')}) AND ts >= ? AND ts <= ? ORDER BY ts LIMIT ?`)
        .iterate(...ids, from, to, MAX_MESSAGES) as Iterable<{ series_id: number; ts: number; num: number | null; value: string | null }>;
      const batch = [...rows];
      for (const row of batch) {
        await clock.advanceTo(row.ts);
        await bus.publish(topicOf.get(row.series_id)!, formatPayload(row.value !== null ? JSON.parse(row.value) : row.num));
        messages++;
      }
    }
    await clock.advanceTo(to);
    const runs: ReplayResult['runs'] = [];
    const outcomes: Record<string, number> = {};
    for (const rule of loaded.rules) {
      for (const t of traces.list(rule.id, 100_000).reverse()) {
        outcomes[t.outcome] = (outcomes[t.outcome] ?? 0) + 1;
        if (t.outcome === 'trigger_rejected') continue;
        runs.push({ at: new Date(t.startedAt).toISOString(), ruleId: t.ruleId, outcome: t.outcome, trigger: t.trigger.description ?? String(t.trigger.kind), reason: t.reason, published: t.published.map((p) => ({ ...p, at: new Date(p.at).toISOString() })) });
      }
    }
    return { from: new Date(from).toISOString(), to: new Date(to).toISOString(), topics: series.map((s) => s.topic), messages, runs, outcomes };
  } finally {
    await engine.stop();
    await new Promise<void>((r) => broker.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  }
}
