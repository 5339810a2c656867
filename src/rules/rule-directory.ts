// The rules dir: which files it holds, each loaded and checked (its own problems and rule ids another file already
// uses), reloaded per file when it changes, and every rule with its status as users see it. The engine runs what
// this loads; `hearth rules check` uses it without an engine.
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Clock } from '../shared/clock.js';
import { HearthError } from '../shared/errors.js';
import type { EventBus } from '../shared/event-bus.js';
import type { Logger } from '../shared/logger.js';
import type { RuleRuntime } from './engine.js';
import { loadRuleFile, type CompiledRule, type LoadedFile, type RuleProblem } from './rule-loader.js';
import type { RuleFileInfo, RuleInfo, RuleStatus } from './rule-views.js';
import { watchRulesDir } from './rules-dir-watcher.js';

export type { RuleFileInfo, RuleInfo, RuleStatus } from './rule-views.js';

/** What the directory needs of the engine: to hand it each file's rules, and to hear how a running rule is doing. */
export interface RuleRunner {
  setRules(source: string, label: string, rules: CompiledRule[]): void;
  runtime(id: string): RuleRuntime | undefined;
}

export interface RuleDirectoryDeps {
  dir: string;
  clock: Clock;
  logger: Logger;
  events?: EventBus;
  /** Runs the valid files' rules; without one, files are only loaded and checked. */
  engine?: RuleRunner;
}

export function isRuleFile(name: string): boolean {
  return /\.ya?ml$/.test(name) && !/\.test\.ya?ml$/.test(name) && !name.startsWith('.');
}

export class RuleDirectory {
  readonly #deps: RuleDirectoryDeps;
  readonly #files = new Map<string, LoadedFile>();

  constructor(deps: RuleDirectoryDeps) {
    this.#deps = deps;
  }

  get dir(): string {
    return this.#deps.dir;
  }

  /** The rule files of the dir (not `*.test.yaml`), by name, sorted. */
  scan(): string[] {
    return readdirSync(this.dir).filter(isRuleFile).sort();
  }

  /** Loads every rule file of the dir, replacing what was loaded; returns them in the order of their names. */
  loadAll(): LoadedFile[] {
    if (!existsSync(this.dir)) mkdirSync(this.dir, { recursive: true });
    const files = this.scan();
    for (const file of [...this.#files.keys()]) if (!files.includes(file)) this.remove(file);
    return files.map((file) => this.reload(file));
  }

  /** (Re)loads one file (a name in the dir): only its rules are replaced; other files' rules and timers go on. */
  reload(file: string): LoadedFile {
    const display = this.displayPath(file);
    const loaded = loadRuleFile(join(this.dir, file), display);
    loaded.problems.push(...this.clashes(file, loaded.rules));
    const { engine, events, clock, logger } = this.#deps;
    this.#files.set(file, loaded);
    engine?.setRules(file, display, loaded.problems.length === 0 ? loaded.rules : []);
    for (const p of loaded.problems) logger.error(`rule file invalid: ${p.text}`);
    const ruleIds = loaded.rules.map((r) => r.id);
    events?.emit('rules.reloaded', { file: display, ruleIds, errors: loaded.problems.length, ts: clock.now() });
    const problems = loaded.problems.length ? `, ${loaded.problems.length} problem(s); its rules are disabled` : '';
    logger.info(`loaded ${display}: ${loaded.rules.length} rule(s)${problems}`);
    return loaded;
  }

  /** Forgets a file (deleted from the dir): its rules stop. */
  remove(file: string): void {
    const loaded = this.#files.get(file);
    if (!loaded) return;
    this.#files.delete(file);
    this.#deps.engine?.setRules(file, loaded.file, []);
  }

  /** Reloads files as they change on disk; the returned function stops watching. */
  watch(): () => void {
    const { clock, logger } = this.#deps;
    return watchRulesDir(this.dir, isRuleFile, {
      changed: (file) => this.reload(file),
      removed: (file) => {
        this.remove(file);
        logger.info(`rule file ${file} removed; its rules are gone`);
      },
    }, { clock, logger });
  }

  /** How the hub names a file of the dir in messages and logs: relative to the working directory. */
  displayPath(file: string): string {
    return relative(process.cwd(), join(this.dir, file)) || file;
  }

  /**
   * Rule ids of `rules` (about to be file `file`) already used by another file, or earlier in the same file: each
   * names the place that holds it first.
   */
  clashes(file: string, rules: Array<{ id: string; line: number }>): RuleProblem[] {
    const display = this.displayPath(file);
    const found: RuleProblem[] = [];
    rules.forEach((rule, i) => {
      const elsewhere = [...this.#files].find(([other, loaded]) => other !== file && loaded.rules.some((r) => r.id === rule.id))?.[1];
      const clash = elsewhere?.rules.find((r) => r.id === rule.id) ?? rules.slice(0, i).find((r) => r.id === rule.id);
      if (!clash) return;
      const message = `"${rule.id}" is already used by ${elsewhere?.file ?? display}:${clash.line}`;
      found.push({ file: display, line: rule.line, column: 1, path: 'id', message, text: `${display}:${rule.line}:1 id ${message}` });
    });
    return found;
  }

  /** Every problem of every file, in the order the files were loaded. */
  get problems(): RuleProblem[] {
    return [...this.#files.values()].flatMap((f) => f.problems);
  }

  /** The file (a name in the dir) that holds rule `id`, and how many rules it holds; undefined when none. */
  fileOf(id: string): { file: string; rules: number } | undefined {
    // The running rule's file first: a file that names the id too is one that failed to load because of it.
    const running = this.#deps.engine?.runtime(id)?.source;
    const named = () => [...this.#files].find(([, loaded]) => loaded.ids.includes(id))?.[0];
    const file = running !== undefined && this.#files.has(running) ? running : named();
    return file === undefined ? undefined : { file, rules: this.#files.get(file)!.ids.length };
  }

  /** Every rule with its status; a file with problems lists each rule id it names (or, naming none, its file name) as invalid. */
  list(): RuleInfo[] {
    const out: RuleInfo[] = [];
    for (const [fileName, loaded] of [...this.#files].sort((a, b) => a[1].file.localeCompare(b[1].file))) {
      if (loaded.problems.length > 0) {
        const ids = loaded.ids.length > 0 ? loaded.ids : [fileName];
        for (const id of ids) out.push({ id, file: loaded.file, fileName, status: 'invalid', description: '', errors: loaded.problems });
        continue;
      }
      for (const rule of loaded.rules) out.push(this.#info(rule, fileName));
    }
    return out;
  }

  /** One rule: its status, and its definition when it loaded. */
  get(id: string): RuleInfo & { definition?: unknown } {
    const runtime = this.#deps.engine?.runtime(id);
    if (runtime) return { ...this.#info(runtime.rule, runtime.source), definition: runtime.rule.definition };
    const invalid = this.list().find((r) => r.id === id);
    if (invalid) return invalid;
    throw new HearthError('HEARTH_RULE_NOT_FOUND', { id });
  }

  /** One file of the dir (by its name there), with the rules it holds and its problems. */
  file(fileName: string): RuleFileInfo | undefined {
    const loaded = this.#files.get(fileName);
    if (!loaded) return undefined;
    const invalid = loaded.problems.length > 0;
    const rules = loaded.ids.map((id) => {
      const runtime = this.#deps.engine?.runtime(id);
      if (invalid || runtime?.source !== fileName) return { id, status: 'invalid' as const, description: '' };
      return { id, status: this.#info(runtime.rule, fileName).status, description: runtime.rule.description };
    });
    return { fileName, file: loaded.file, status: invalid ? 'invalid' : 'valid', rules, errors: loaded.problems };
  }

  #info(rule: CompiledRule, fileName: string): RuleInfo {
    const runtime = this.#deps.engine?.runtime(rule.id);
    const paused = runtime?.paused;
    const status = paused ? 'paused' : runtime?.enabled ? 'active' : 'disabled';
    const lastRun = runtime?.lastRun;
    return {
      id: rule.id,
      file: rule.file,
      fileName,
      line: rule.line,
      status,
      description: rule.description,
      mode: rule.mode,
      ...(paused ? { errors: [{ file: rule.file, line: rule.line, column: 1, path: '', message: paused, text: paused }] } : {}),
      ...(lastRun ? { lastRun: { at: new Date(lastRun.startedAt).toISOString(), outcome: lastRun.outcome, reason: lastRun.reason } } : {}),
    };
  }
}
