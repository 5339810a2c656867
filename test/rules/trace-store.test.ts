// The rule traces `hearth rules why` and the dashboard read: kept in SQLite through the write queue, the newest
// `perRule` of each rule and at most `maxTotal` in all, oldest dropped first.
import { afterEach, describe, expect, it } from 'vitest';
import type { RuleTrace } from '../../src/rules/traces.js';
import { createMemoryLogger } from '../../src/shared/logger.js';
import { openDatabase } from '../../src/store/database.js';
import { TraceReader, TraceRepo } from '../../src/store/trace-repo.js';
import { WriteQueue } from '../../src/store/write-queue.js';
import { tempDir } from '../helpers/hub.js';

const open: Array<{ close(): void }> = [];
afterEach(() => {
  for (const db of open.splice(0)) db.close();
});

function trace(ruleId: string, n: number): RuleTrace {
  return {
    id: `${ruleId}-${n}`,
    ruleId,
    startedAt: 1_000_000 + n,
    outcome: 'ran',
    trigger: {},
    conditions: [],
    actions: [],
    published: [],
  };
}

describe('rule traces in SQLite', () => {
  it('keeps the newest traces of each rule and caps them all, across a reopen', () => {
    const dir = tempDir();
    const db = openDatabase(dir);
    open.push(db);
    const writes = new WriteQueue({ db, logger: createMemoryLogger() });
    const repo = new TraceRepo(db, writes, 3, 500);
    for (let n = 0; n < 10; n++) repo.record(trace('porch', n));
    for (let n = 0; n < 2; n++) repo.record(trace('hall', n));
    // What waits in the write queue is part of the answer.
    expect(repo.list('porch').map((t) => t.id)).toEqual(['porch-9', 'porch-8', 'porch-7']);
    expect(repo.list('hall').map((t) => t.id)).toEqual(['hall-1', 'hall-0']);
    // The global cap is checked every 500 traces: with the 1,000th, the newest 500 of 988 rules' traces are kept.
    for (let n = 0; n < 988; n++) repo.record(trace(`r${n}`, 100 + n));
    writes.flush();
    expect(db.prepare('SELECT count(*) AS n FROM rule_traces').get()).toEqual({ n: 500 });
    expect(db.prepare('SELECT min(started_at) AS t FROM rule_traces').get()).toEqual({ t: 1_000_000 + 100 + 488 });
    expect(repo.list('r987').map((t) => t.id)).toEqual(['r987-1087']);
    expect(repo.list('porch')).toEqual([]);
    db.close();
    open.pop();
    // Another process (hearth rules why) reads them without the hub.
    const again = openDatabase(dir);
    open.push(again);
    expect(new TraceReader(again).latest('r987', 5)).toEqual([trace('r987', 1087)]);
  });

  it('keeps the last recorded of traces that started in the same millisecond', () => {
    const db = openDatabase(tempDir());
    open.push(db);
    const writes = new WriteQueue({ db, logger: createMemoryLogger() });
    const repo = new TraceRepo(db, writes, 3, 500);
    // A rule fired by a burst of messages, or under a test's fake clock: one startedAt for all of them.
    for (let n = 0; n < 8; n++) repo.record({ ...trace('burst', n), startedAt: 5_000 });
    repo.record(trace('other', 0));
    expect(repo.list('burst').map((t) => t.id)).toEqual(['burst-7', 'burst-6', 'burst-5']);
    expect(db.prepare("SELECT count(*) AS n FROM rule_traces WHERE rule_id = 'burst'").get()).toEqual({ n: 3 });
    // A trace that started earlier is the one dropped, though it was recorded last.
    repo.record({ ...trace('burst', 99), startedAt: 4_000 });
    expect(repo.list('burst').map((t) => t.id)).toEqual(['burst-7', 'burst-6', 'burst-5']);
    expect(repo.list('other').map((t) => t.id)).toEqual(['other-0']);
  });
});
