// The rules dir: which files it holds, each loaded and checked (its own problems, ids another file already uses,
// and what it uses of other files: blueprints, scenes, scripts), reloaded per file when it changes — with the files
// that use what it defines — and every rule with its status as users see it. The engine runs the rules, scripts and
// scenes this loads, the helper service its helpers; `hearth rules check` uses it without either.
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { HelperDefinition } from '../helpers/helper-schema.js';
import type { Clock } from '../shared/clock.js';
import { HearthError } from '../shared/errors.js';
import type { EventBus } from '../shared/event-bus.js';
import type { Logger } from '../shared/logger.js';
import type { RuleRuntime } from './engine.js';
import { Catalog } from './blocks/catalog.js';
import type { ParseCache } from './blocks/parse-cache.js';
import { fingerprintOf } from './blocks/compile-file.js';
import type { BlockKind, ParsedFile, ParsedItem } from './blocks/parse-file.js';
import { parseRuleText } from './blocks/parse-file.js';
import { findClashes } from './blocks/clashes.js';
import { loadParsed, parseRuleFile, type CompiledRule, type LoadedFile, type RuleProblem } from './rule-loader.js';
import type { RuleFileInfo, RuleInfo } from './rule-views.js';
import { watchRulesDir } from './rules-dir-watcher.js';
import { byCodeUnit } from '../shared/compare.js';

export type { RuleFileInfo, RuleInfo, RuleStatus } from './rule-views.js';

/** What the directory needs of the engine: to hand it each file's rules, and to hear how a running rule is doing. */
export interface RuleRunner {
  setRules(source: string, label: string, rules: CompiledRule[]): void;
  runtime(id: string): RuleRuntime | undefined;
}

/** What the directory needs of the helper service: each file's helpers. */
export interface HelperRunner {
  setHelpers(source: string, label: string, helpers: HelperDefinition[]): void;
}

/** A loaded file, and what the definitions it read of other files looked like then. */
interface Loaded extends LoadedFile {
  fingerprint: string;
}

export interface RuleDirectoryDeps {
  dir: string;
  clock: Clock;
  logger: Logger;
  events?: EventBus;
  /** What the files parsed to at the last start (`<dataDir>/rules-cache.json`); without one, every file is parsed. */
  parseCache?: ParseCache;
  /** Runs the valid files' rules, scripts and scenes; without one, files are only loaded and checked. */
  engine?: RuleRunner;
  /** Serves the valid files' helpers. */
  helpers?: HelperRunner;
}

export function isRuleFile(name: string): boolean {
  return /\.ya?ml$/.test(name) && !/\.test\.ya?ml$/.test(name) && !name.startsWith('.');
}

export class RuleDirectory {
  readonly #deps: RuleDirectoryDeps;
  readonly #files = new Map<string, Loaded>();
  readonly #parsed = new Map<string, ParsedFile>();
  #shown: { cwd: string; dir: string } | undefined; // the dir relative to the working directory, worked out once

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
    // Every file is read before any is compiled: a rule finds a blueprint or a script whichever file holds it.
    for (const file of files) this.#parsed.set(file, parseRuleFile(join(this.dir, file), this.displayPath(file), this.#deps.parseCache));
    this.#deps.parseCache?.save([...this.#parsed.values()].map((p) => p.text));
    // One catalog for all: nothing is parsed while they load (a catalog per file took 100 files 20 ms).
    const catalog = this.catalog();
    return files.map((file) => this.#load(file, catalog));
  }

  /**
   * (Re)loads one file (a name in the dir): only its contents are replaced, other files' rules and timers go on —
   * but files that use a blueprint, scene or script it defines (or defined) are compiled again when that changed.
   */
  reload(file: string): LoadedFile {
    this.#parsed.set(file, parseRuleFile(join(this.dir, file), this.displayPath(file), this.#deps.parseCache));
    this.#deps.parseCache?.save([...this.#parsed.values()].map((p) => p.text));
    const loaded = this.#load(file);
    this.#refreshDependents(file);
    return loaded;
  }

  /** Forgets a file (deleted from the dir): its rules, scripts, scenes and helpers stop. */
  remove(file: string): void {
    const loaded = this.#files.get(file);
    this.#parsed.delete(file);
    if (!loaded) return;
    this.#files.delete(file);
    this.#deps.engine?.setRules(file, loaded.file, []);
    this.#deps.helpers?.setHelpers(file, loaded.file, []);
    this.#refreshDependents(file);
  }

  /** The catalog of what every file defines, the files in name order. */
  catalog(replace?: [string, ParsedFile]): Catalog {
    const parsed = new Map(this.#parsed);
    if (replace) parsed.set(replace[0], replace[1]);
    return Catalog.of([...parsed].sort(([a], [b]) => byCodeUnit(a, b)));
  }

  /** A file as it was last loaded; undefined when the dir has no such file. */
  loaded(fileName: string): LoadedFile | undefined {
    return this.#files.get(fileName);
  }

  /** A fresh compile of a loaded file (new triggers, nothing attached): how a rule test runs a file's rules anew. */
  compile(fileName: string): LoadedFile {
    const parsed = this.#parsed.get(fileName);
    if (!parsed) throw new HearthError('HEARTH_NOT_FOUND', { message: `No rule file "${fileName}"` });
    const loaded = loadParsed(parsed, this.catalog());
    loaded.problems.push(...this.clashes(fileName, parsed));
    return loaded;
  }

  /** Every item of a kind the files name (valid or not), in file-name order, with whether its file loaded. */
  items(kind: BlockKind): Array<{ item: ParsedItem; fileName: string; file: string; loaded: boolean }> {
    return this.fileNames.flatMap((fileName) => {
      const parsed = this.#parsed.get(fileName);
      const loaded = this.#files.get(fileName)!;
      return (parsed?.items ?? [])
        .filter((i) => i.kind === kind && i.id !== undefined)
        .map((item) => ({ item, fileName, file: loaded.file, loaded: loaded.problems.length === 0 }));
    });
  }

  /** The names of the loaded files, sorted. */
  get fileNames(): string[] {
    return [...this.#files.keys()].sort();
  }

  /**
   * Checks YAML as file `fileName` of the dir would be, without saving or running it: with what the other files
   * define. `clashes: false` leaves out ids other files use (a replay, a draft); `display` names it otherwise.
   */
  check(fileName: string, text: string, options: { clashes?: boolean; display?: string } = {}): LoadedFile {
    const parsed = parseRuleText(text, options.display ?? this.displayPath(fileName));
    const loaded = loadParsed(parsed, this.catalog([fileName, parsed]));
    if (options.clashes !== false) loaded.problems.push(...this.clashes(fileName, parsed));
    return loaded;
  }

  #load(file: string, catalog = this.catalog()): LoadedFile {
    const parsed = this.#parsed.get(file)!;
    const loaded: Loaded = { ...loadParsed(parsed, catalog), fingerprint: '' };
    loaded.problems.push(...this.clashes(file, parsed));
    loaded.fingerprint = fingerprintOf(loaded.reads, catalog);
    const { engine, helpers, events, clock, logger } = this.#deps;
    this.#files.set(file, loaded);
    const valid = loaded.problems.length === 0;
    engine?.setRules(file, parsed.file, valid ? [...loaded.scripts, ...loaded.scenes, ...loaded.rules] : []);
    helpers?.setHelpers(file, parsed.file, valid ? loaded.helpers : []);
    for (const p of loaded.problems) logger.error(`rule file invalid: ${p.text}`);
    const ruleIds = loaded.rules.map((r) => r.id);
    events?.emit('rules.reloaded', { file: parsed.file, ruleIds, errors: loaded.problems.length, ts: clock.now() });
    const problems = loaded.problems.length ? `, ${loaded.problems.length} problem(s); its rules are disabled` : '';
    const others = (
      [
        ['scene', loaded.scenes.length],
        ['script', loaded.scripts.length],
        ['helper', loaded.helpers.length],
        ['blueprint', loaded.blueprints.length],
      ] as const
    )
      .filter(([, n]) => n > 0)
      .map(([what, n]) => `, ${n} ${what}(s)`)
      .join('');
    logger.info(`loaded ${parsed.file}: ${loaded.rules.length} rule(s)${others}${problems}`);
    return loaded;
  }

  /** Files that read a definition that is no longer what it was (changed, gone, come) are compiled again. */
  #refreshDependents(changed: string): void {
    const catalog = this.catalog();
    for (const [file, loaded] of [...this.#files]) {
      if (file === changed || loaded.reads.length === 0 || !this.#parsed.has(file)) continue;
      if (fingerprintOf(loaded.reads, catalog) === loaded.fingerprint) continue;
      this.#deps.logger.info(`${loaded.file} uses what ${this.displayPath(changed)} defines: reloading it`);
      this.#load(file);
    }
  }

  /** Reloads files as they change on disk; the returned function stops watching. */
  watch(): () => void {
    const { clock, logger } = this.#deps;
    return watchRulesDir(
      this.dir,
      isRuleFile,
      {
        changed: (file) => this.reload(file),
        removed: (file) => {
          this.remove(file);
          logger.info(`rule file ${file} removed; its rules are gone`);
        },
      },
      { clock, logger },
    );
  }

  /** How the hub names a file of the dir in messages and logs: relative to the working directory. */
  displayPath(file: string): string {
    if (this.#shown?.cwd !== process.cwd()) this.#shown = { cwd: process.cwd(), dir: relative(process.cwd(), this.dir) };
    return join(this.#shown.dir, file);
  }

  /**
   * Ids the items of `parsed` (about to be file `file`) name that another loaded file already uses for the same kind
   * of item, or that come earlier in the same file: each names the place that holds it first.
   */
  clashes(file: string, parsed: ParsedFile): RuleProblem[] {
    return findClashes(file, this.displayPath(file), parsed, this.#files, this.#parsed);
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
    for (const [fileName, loaded] of [...this.#files].sort((a, b) => byCodeUnit(a[1].file, b[1].file))) {
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
