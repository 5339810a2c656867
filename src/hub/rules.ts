// The rules: notifications (rules send them), the engine with its traces and durable timers, the helpers, and the
// rules dir that feeds both, watched for changes.
import { join } from 'node:path';
import type { Hub } from '../hub.js';
import { HelperService } from '../helpers/helper-service.js';
import { startNotify, type NotifyParts } from '../notify/start-notify.js';
import { ParseCache } from '../rules/blocks/parse-cache.js';
import { RuleEngine } from '../rules/engine.js';
import { RuleDirectory } from '../rules/rule-directory.js';
import { HelperRepo } from '../store/helper-repo.js';
import { SettingsRepo } from '../store/settings-repo.js';
import { TimerRepo } from '../store/timer-repo.js';
import { TraceRepo } from '../store/trace-repo.js';
import type { Teardown } from './teardown.js';

export interface RuleParts {
  notify: NotifyParts;
  rules: RuleEngine;
  ruleDirectory: RuleDirectory;
  helpers: HelperService;
}

/** Needs the hub's store, bus and registry started. */
export async function startRules(hub: Hub, teardown: Teardown): Promise<RuleParts> {
  const { db, bus, clock, events, health, metrics } = hub;
  const logger = hub.logger.child('rules');
  const traceStore = new TraceRepo(db, hub.writes);
  const notify = startNotify(hub, traceStore);
  teardown.push(() => notify.notifier.stop());
  const runs = metrics.counter('hearth_rule_runs_total', 'Rule evaluations by outcome');
  events.on('rule.run', 'metrics', (e) => runs({ outcome: e.outcome }));
  const timerStore = new TimerRepo(db, (message) => health.report('rule timers', message));
  const rules = new RuleEngine({
    bus,
    clock,
    logger,
    events,
    location: hub.config.location,
    initialStates: hub.registry.states(),
    readings: hub.registry,
    traceStore,
    notify: (n, channels) => notify.notifier.notify(n, channels),
    timerStore,
    switches: new SettingsRepo(db),
  });
  const helperStore = new HelperRepo(db, (message) => health.report('helpers', message));
  const helpers = new HelperService({
    bus,
    clock,
    logger: hub.logger.child('helpers'),
    store: helperStore,
    describe: (device, name, capabilities) => hub.registry.describe('home', { kind: 'device', key: device, name, capabilities }),
  });
  // The rules dir feeds the engine and the helpers: every file before they start, then each file when it changes.
  const parseCache = ParseCache.open(join(hub.config.dataDir, 'rules-cache.json'), logger);
  const ruleDirectory = new RuleDirectory({ dir: hub.config.rulesDir, clock, logger, events, engine: rules, helpers, parseCache });
  ruleDirectory.loadAll();
  await rules.start();
  const unwatch = ruleDirectory.watch();
  teardown.push(async () => {
    unwatch();
    await rules.stop();
    const kept = timerStore.load().length;
    if (kept > 0) teardown.summary.push(`${kept} rule timer${kept === 1 ? '' : 's'} saved to resume at the next start`);
  });
  // After the rules: a timer that finished while the hub was down tells rules that listen for it.
  await helpers.start();
  teardown.push(() => helpers.stop());
  return { notify, rules, ruleDirectory, helpers };
}
