// Replay: runs a new or changed rule against the history recorded in SQLite, in a rule harness (an in-memory bus
// and a virtual clock), and reports when it would have fired and what it would have published. Nothing reaches
// real devices.
import { topicMatches } from '../bus/message-bus.js';
import { formatPayload, homeTopic } from '../devices/topic.js';
import { HearthError } from '../shared/errors.js';
import type { HistoryRepo } from '../store/history-repo.js';
import { RuleHarness } from './rule-harness.js';
import type { RuleDirectory } from './rule-directory.js';
import { loadRuleText, type CompiledRule, type LoadedFile } from './rule-loader.js';
import { MemoryTraceStore } from './traces.js';

export interface ReplayResult {
  from: string;
  to: string;
  topics: string[];
  messages: number;
  runs: Array<{
    at: string;
    ruleId: string;
    outcome: string;
    trigger: string;
    reason?: string;
    published: Array<{ topic: string; payload: string; at: string }>;
  }>;
  /** How many evaluations ended each way (ran, conditions_failed, trigger_rejected, …). */
  outcomes: Record<string, number>;
}

/** What replay reads of the history: the recorded series, and their readings over a time range. */
export type ReplayHistory = Pick<HistoryRepo, 'series' | 'lastBefore' | 'readings'>;

const MAX_MESSAGES = 2_000_000;

/** Where the YAML lives: how it is checked (as that file of a rules dir) and the scripts and scenes of the others. */
export interface ReplayDir {
  check(yaml: string): LoadedFile;
  others(): CompiledRule[];
}

/** How replay sees file `fileName` of a rules dir: checked as that file, with the scripts and scenes of the others. */
export function replayDirOf(directory: RuleDirectory, fileName: string): ReplayDir {
  return {
    // A replay tries a changed copy of a rule beside the saved one: the same ids are no clash there.
    check: (yaml) => directory.check(fileName, yaml, { clashes: false }),
    others: () =>
      directory.fileNames
        .filter((f) => f !== fileName)
        .flatMap((f) => {
          const loaded = directory.compile(f);
          return loaded.problems.length > 0 ? [] : [...loaded.scripts, ...loaded.scenes];
        }),
  };
}

/**
 * `display` names the YAML in its problems: the user's own file where there is one. With `dir`, the rules may use the
 * blueprints, scripts and scenes of the rules dir (scripts run in the replay too, publishing only in it).
 */
export async function replayRule(
  history: ReplayHistory,
  yaml: string,
  from: number,
  to: number,
  location?: { latitude: number; longitude: number },
  display = 'replay.yaml',
  dir?: ReplayDir,
): Promise<ReplayResult> {
  if (!(from < to)) throw new HearthError('HEARTH_VALIDATION', { message: 'from must be before to' });
  const loaded = dir ? dir.check(yaml) : loadRuleText(yaml, display);
  if (loaded.problems.length)
    throw new HearthError('HEARTH_RULE_INVALID', { message: loaded.problems.map((p) => p.text).join('\n') }, { errors: loaded.problems });
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
  for (const r of loaded.rules) collect(r.definition);
  const series = history
    .series()
    .map((s) => ({ ...s, topic: homeTopic(s.deviceId, s.property) }))
    .filter((s) => [...filters].some((f) => topicMatches(f, s.topic)));
  const topicOf = new Map(series.map((s) => [s.id, s.topic]));
  const initial: Array<[string, unknown]> = [];
  for (const s of series) {
    const last = history.lastBefore(s.id, from);
    if (last) initial.push([s.topic, last.value]);
  }

  const traces = new MemoryTraceStore(100_000);
  const harness = new RuleHarness({ start: from, states: initial, traceStore: traces, location, loopLimitPerSecond: 1_000 });
  harness.load('replay.yaml', display, [...loaded.scripts, ...loaded.scenes, ...loaded.rules]);
  if (dir) harness.load('rules dir', 'the rules dir', dir.others());
  let messages = 0;
  try {
    await harness.start();
    for (const reading of history.readings(
      series.map((s) => s.id),
      from,
      to,
      MAX_MESSAGES,
    )) {
      await harness.clock.advanceTo(reading.ts);
      await harness.bus.publish(topicOf.get(reading.series)!, formatPayload(reading.value));
      messages++;
    }
    await harness.clock.advanceTo(to);
    const runs: ReplayResult['runs'] = [];
    const outcomes: Record<string, number> = {};
    for (const rule of loaded.rules) {
      for (const t of traces.list(rule.id, 100_000).reverse()) {
        outcomes[t.outcome] = (outcomes[t.outcome] ?? 0) + 1;
        if (t.outcome === 'trigger_rejected') continue;
        runs.push({
          at: new Date(t.startedAt).toISOString(),
          ruleId: t.ruleId,
          outcome: t.outcome,
          trigger: t.trigger.description ?? String(t.trigger.kind),
          reason: t.reason,
          published: t.published.map((p) => ({ ...p, at: new Date(p.at).toISOString() })),
        });
      }
    }
    return {
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      topics: series.map((s) => s.topic),
      messages,
      runs,
      outcomes,
    };
  } finally {
    await harness.stop();
  }
}
