// Long file: the rule page's list, editor, tests, replay and traces share one selection and one editor.
// Rules: status and last run, enable/disable, run now, and a YAML editor per rule file (a file with errors opens too,
// its errors marked at their lines; a file with several rules opens as that file) with tests, replay and traces.
import { api, ApiError, isAdmin } from '../api.js';
import { ago, h, mount, toast } from '../dom.js';
import { onLive } from '../live.js';
import { traceView } from './rule-trace.js';

import type { Static } from '@sinclair/typebox';
import type { ReplayResult } from '../../../src/rules/replay.js';
import type { RuleTrace } from '../../../src/rules/traces.js';
import type {
  RuleFileInfo,
  RuleInfo,
  RuleProblem as Problem,
  RuleTestReportSchema,
  RunResultSchema,
} from '../../../src/rules/rule-views.js';

type RuleFile = RuleFileInfo & { source: string };
type RunResult = Static<typeof RunResultSchema>;

/** The problems a rejected rule file comes back with (the error's `errors`), if that is why it failed. */
const problemsOf = (err: unknown): Problem[] | undefined =>
  err instanceof ApiError ? (err.body as { errors?: Problem[] } | null | undefined)?.errors : undefined;

const TEMPLATE = (id: string) => `id: ${id}
description: What this rule does
triggers:
  - trigger: state
    topic: home/hallway/motion
    to: true
actions:
  - action: publish
    topic: home/hallway-light/power/set
    payload: "on"
`;

const ruleHref = (key: string) => `#/rules/${encodeURIComponent(key)}`;
/** A rule file's name, not a rule id: ids have no dots. */
const isFileName = (key: string) => /\.ya?ml$/.test(key);

export function rulesPage(root: HTMLElement): () => void {
  const load = async () => {
    const rules = await api<RuleInfo[]>('GET', '/api/rules');
    const perFile = new Map<string, RuleInfo[]>();
    for (const r of rules) perFile.set(r.fileName, [...(perFile.get(r.fileName) ?? []), r]);
    mount(
      root,
      h('h2', {}, 'Rules'),
      isAdmin()
        ? h(
            'form',
            {
              class: 'inline',
              onsubmit: (e: Event) => {
                e.preventDefault();
                const v = (document.getElementById('new-rule-id') as HTMLInputElement).value.trim();
                if (v) location.hash = `${ruleHref(v)}?new`;
              },
            },
            h('label', { for: 'new-rule-id' }, 'New rule id'),
            h('input', { id: 'new-rule-id', pattern: '[A-Za-z0-9_-]{1,64}', required: true }),
            h('button', { type: 'submit' }, 'Create'),
          )
        : null,
      rules.length === 0 ? h('p', { class: 'empty' }, 'No rules yet.') : null,
      h(
        'ul',
        { class: 'rules' },
        [...perFile.entries()].map(([fileName, list]) =>
          list[0]!.status === 'invalid' ? brokenFileItem(fileName, list) : list.map((r) => ruleItem(r, list.length)),
        ),
      ),
    );
  };
  // A file with errors runs none of its rules: one entry, opening the file to fix it.
  const brokenFileItem = (fileName: string, list: RuleInfo[]) => {
    const ids = list.map((r) => r.id).filter((id) => id !== fileName);
    return h(
      'li',
      { class: 'rule invalid', dataset: { file: fileName } },
      h('div', {}, h('a', { href: ruleHref(fileName) }, fileName), ' ', h('span', { class: 'badge invalid' }, 'invalid')),
      h(
        'p',
        { class: 'muted' },
        ids.length ? `Holds ${ids.join(', ')}; none of its rules run until it is fixed.` : 'None of its rules run until it is fixed.',
      ),
      h(
        'ul',
        { class: 'errors' },
        list[0]!.errors!.map((e) => h('li', {}, e.text)),
      ),
    );
  };
  const ruleItem = (r: RuleInfo, inFile: number) =>
    h(
      'li',
      { class: `rule ${r.status}`, dataset: { rule: r.id } },
      h('div', {}, h('a', { href: ruleHref(r.id) }, r.id), ' ', h('span', { class: `badge ${r.status}` }, r.status)),
      h('p', { class: 'muted' }, r.description || r.fileName, inFile > 1 ? ` · in ${r.fileName} with ${inFile - 1} other rule(s)` : ''),
      r.errors
        ? h(
            'ul',
            { class: 'errors' },
            r.errors.map((e) => h('li', {}, e.text)),
          )
        : null,
      r.lastRun
        ? h(
            'p',
            { class: 'muted' },
            `Last run ${ago(r.lastRun.at)}: ${r.lastRun.outcome}${r.lastRun.reason ? ` (${r.lastRun.reason})` : ''}`,
          )
        : null,
      isAdmin()
        ? h(
            'div',
            { class: 'actions' },
            h(
              'button',
              { onclick: () => act(r.id, r.status === 'active' ? 'disable' : 'enable') },
              r.status === 'active' ? 'Disable' : 'Enable',
            ),
            h('button', { onclick: () => act(r.id, 'run') }, 'Run now'),
          )
        : null,
    );
  const act = async (id: string, what: string) => {
    try {
      const path = `/api/rules/${encodeURIComponent(id)}/${what}`;
      if (what === 'run') {
        const res = await api<RunResult>('POST', path);
        toast(`Run: ${res.outcome}${'reason' in res && res.reason ? ` (${res.reason})` : ''}`);
      } else toast(`${id} ${(await api<RuleInfo>('POST', path)).status}`);
    } catch (err) {
      toast((err as Error).message, 'error');
    }
    void load();
  };
  const off = onLive((type) => (type === 'rule.run' || type === 'rules.reloaded' || type === 'rule.error') && void load());
  void load().catch((err) => toast(err.message, 'error'));
  return off;
}

/** `key` is a rule id (the page edits that rule's file) or a file name (`kitchen.yaml`). */
export function ruleEditorPage(root: HTMLElement, key: string, isNew: boolean): () => void {
  const fileMode = isFileName(key);
  let fileName = fileMode ? key : `${key}.yaml`;
  /** The rules the file holds; Run now, tests and traces are about the selected one. */
  let held: RuleFile['rules'] = [];
  let selected = fileMode ? '' : key;
  const title = h('h2', {}, fileMode ? fileName : `Rule ${key}`);
  const about = h('p', { id: 'rule-file', class: 'muted', 'aria-live': 'polite' });
  const editor = h('textarea', {
    id: 'rule-yaml',
    class: 'code',
    spellcheck: false,
    'aria-label': `YAML of ${fileMode ? fileName : `rule ${key}`}`,
    'aria-describedby': 'rule-problems',
    rows: 22,
    readOnly: !isAdmin(),
  });
  const gutter = h('div', { class: 'gutter', 'aria-hidden': 'true' });
  const problems = h('ul', { class: 'errors', id: 'rule-problems', 'aria-live': 'polite' });
  const picker = h('span', { class: 'picker' });
  const traces = h('div', { class: 'traces' });
  const results = h('div', { class: 'panel results', id: 'rule-results', 'aria-live': 'polite' });
  let timer: number | undefined;

  // The message of a YAML mistake names its line already ("line 7 is indented …").
  const describe = (p: Problem) =>
    p.message.startsWith(`line ${p.line}`)
      ? `${p.message} (column ${p.column})`
      : `line ${p.line}, column ${p.column}: ${p.path ? `${p.path} ` : ''}${p.message}`;
  /** Puts the caret where a problem is, so it is fixed there. */
  const goTo = (p: Problem) => {
    const lines = editor.value.split('\n');
    const at = lines.slice(0, p.line - 1).reduce((n, l) => n + l.length + 1, 0) + Math.min(p.column - 1, (lines[p.line - 1] ?? '').length);
    editor.focus();
    editor.setSelectionRange(at, at);
  };
  const showProblems = (list: Problem[]) => {
    const lines = editor.value.split('\n').length;
    const bad = new Map<number, string>();
    for (const p of list) bad.set(p.line, bad.has(p.line) ? `${bad.get(p.line)}\n${p.message}` : p.message);
    mount(
      gutter,
      Array.from({ length: lines }, (_, i) => h('div', { class: bad.has(i + 1) ? 'bad' : '', title: bad.get(i + 1) ?? '' }, String(i + 1))),
    );
    mount(
      problems,
      list.map((p) =>
        h('li', { dataset: { line: p.line } }, h('button', { class: 'link', type: 'button', onclick: () => goTo(p) }, describe(p))),
      ),
    );
    editor.setAttribute('aria-invalid', String(list.length > 0));
  };
  const showFile = (f: Pick<RuleFile, 'fileName' | 'file' | 'status' | 'rules'>) => {
    fileName = f.fileName;
    held = f.rules;
    if (!held.some((r) => r.id === selected)) selected = held[0]?.id ?? '';
    const ids = held.map((r) => r.id);
    const several = fileMode || ids.length > 1;
    title.textContent = several ? f.fileName : `Rule ${key}`;
    mount(
      about,
      several
        ? `${f.file} holds ${ids.length === 0 ? 'no rule it could read' : `${ids.length} rule${ids.length === 1 ? '' : 's'}: `}`
        : `In ${f.file}`,
      several ? ids.map((id, i) => [i > 0 ? ', ' : '', h('a', { href: ruleHref(id) }, id)]) : null,
      f.status === 'invalid'
        ? ` — it has errors, so ${ids.length > 1 ? 'none of its rules run' : 'it does not run'}; fix them here and save.`
        : '.',
      !fileMode && !several ? [' ', h('a', { href: ruleHref(f.fileName) }, 'Open the file')] : null,
    );
    mount(
      picker,
      ids.length > 1
        ? [
            h('label', { for: 'rule-select', class: 'inline-label' }, 'Rule'),
            h(
              'select',
              {
                id: 'rule-select',
                onchange: (e: Event) => {
                  selected = (e.target as HTMLSelectElement).value;
                  void loadTraces();
                },
              },
              ids.map((id) => h('option', { value: id, selected: id === selected }, id)),
            ),
          ]
        : null,
    );
  };
  const loadFile = async () => {
    if (!fileMode) fileName = (await api<RuleInfo>('GET', `/api/rules/${encodeURIComponent(key)}`)).fileName;
    const f = await api<RuleFile>('GET', `/api/rule-files/${encodeURIComponent(fileName)}`);
    editor.value = f.source;
    showFile(f);
    showProblems(f.errors);
    void loadTraces();
  };

  const validate = async () => {
    try {
      const res = await api<{ problems: Problem[] }>('POST', '/api/rules/validate', { yaml: editor.value || ' ', file: fileName });
      showProblems(res.problems);
    } catch (err) {
      showProblems([]);
      toast((err as Error).message, 'error');
    }
  };
  editor.addEventListener('input', () => {
    clearTimeout(timer);
    timer = window.setTimeout(validate, 300);
    showProblems([]);
  });
  editor.addEventListener('scroll', () => (gutter.scrollTop = editor.scrollTop));

  const save = async () => {
    try {
      // A rule on its own is saved by its id (the YAML must be that rule); a file as a whole by its name.
      if (!fileMode && held.length <= 1) {
        await api('PUT', `/api/rules/${encodeURIComponent(key)}`, { yaml: editor.value });
        showFile(await api<RuleFile>('GET', `/api/rule-files/${encodeURIComponent(fileName)}`));
      } else showFile(await api<RuleFile>('PUT', `/api/rule-files/${encodeURIComponent(fileName)}`, { yaml: editor.value }));
      toast(held.length > 1 ? `Saved; its ${held.length} rules are live` : 'Saved; the rule is live');
      showProblems([]);
      await loadTraces();
    } catch (err) {
      const problems = problemsOf(err);
      if (problems) showProblems(problems);
      else showProblems([{ file: fileName, line: 1, column: 1, path: '', message: (err as Error).message, text: (err as Error).message }]);
      toast('Not saved: fix the errors shown', 'error');
    }
  };
  const ruleCall = async <T>(what: 'run' | 'test'): Promise<T | undefined> => {
    if (!selected) return void toast('This file holds no rule that runs yet: fix and save it first', 'error');
    try {
      return await api<T>('POST', `/api/rules/${encodeURIComponent(selected)}/${what}`);
    } catch (err) {
      toast((err as Error).message, 'error');
      return undefined;
    }
  };
  const run = async () => {
    const res = await ruleCall<RunResult>('run');
    if (res) toast(`Run: ${res.outcome}`);
    await loadTraces();
  };
  const runTests = async () => {
    const res = await ruleCall<Static<typeof RuleTestReportSchema>>('test');
    if (res) mount(results, h('h3', {}, res.passed ? 'Tests passed' : 'Tests failed'), h('pre', {}, res.output.join('\n')));
  };
  const replay = async () => {
    const hours = Number((document.getElementById('replay-hours') as HTMLSelectElement).value);
    try {
      const to = Date.now();
      const res = await api<ReplayResult>('POST', '/api/rules/replay', {
        yaml: editor.value,
        from: String(to - hours * 3_600_000),
        to: String(to),
        file: fileName,
      });
      const fired = res.runs.filter((r) => r.outcome === 'ran' || r.outcome === 'stopped');
      mount(
        results,
        h('h3', {}, fired.length ? `Would have fired ${fired.length} time(s)` : 'Would not have fired'),
        h(
          'p',
          { class: 'muted' },
          `${res.messages} recorded message(s) on ${res.topics.join(', ') || 'no recorded topics'}; actions not executed.`,
        ),
        h(
          'ul',
          {},
          fired.map((r) =>
            h(
              'li',
              {},
              `${new Date(r.at).toLocaleString()}: ${held.length > 1 ? `${r.ruleId}, ` : ''}${r.trigger}`,
              h(
                'ul',
                {},
                r.published.map((p) => h('li', {}, `would publish ${p.topic} = ${p.payload}`)),
              ),
            ),
          ),
        ),
      );
    } catch (err) {
      const problems = problemsOf(err);
      if (problems) showProblems(problems);
      toast((err as Error).message, 'error');
    }
  };
  const loadTraces = async () => {
    const list = selected
      ? await api<RuleTrace[]>('GET', `/api/rules/${encodeURIComponent(selected)}/traces?limit=20`).catch(() => [])
      : [];
    mount(traces, list.length === 0 ? h('p', { class: 'muted' }, 'No traces yet.') : list.map(traceView));
  };

  mount(
    root,
    h('p', {}, h('a', { href: '#/rules' }, '← All rules')),
    title,
    about,
    h('div', { class: 'editor' }, gutter, editor),
    problems,
    isAdmin()
      ? h(
          'div',
          { class: 'actions' },
          h('button', { id: 'save-rule', onclick: save }, 'Save'),
          h('button', { onclick: run }, 'Run now'),
          picker,
        )
      : picker,
    h(
      'div',
      { class: 'actions' },
      h('button', { id: 'run-tests', onclick: runTests }, 'Run tests'),
      h('label', { for: 'replay-hours', class: 'inline-label' }, 'Replay the last'),
      h(
        'select',
        { id: 'replay-hours' },
        [
          ['24', 'day'],
          ['168', 'week'],
          ['720', 'month'],
        ].map(([v, l]) => h('option', { value: v }, l)),
      ),
      h('button', { id: 'replay', onclick: replay }, 'Replay against history'),
    ),
    results,
    h('h3', {}, 'Traces'),
    traces,
  );
  if (isNew) {
    editor.value = TEMPLATE(key);
    showProblems([]);
  } else loadFile().catch((err) => toast(err.message, 'error'));
  const off = onLive((type, e) => type === 'rule.run' && e.ruleId === selected && void loadTraces());
  return () => {
    off();
    clearTimeout(timer);
  };
}
