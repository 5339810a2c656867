// Rules: status and last run, enable/disable, run now, a YAML editor with live validation at the line, and traces.
import { api, ApiError, isAdmin } from '../api.js';
import { ago, h, mount, toast } from '../dom.js';
import { onLive } from '../live.js';

interface Problem { line: number; column: number; path: string; message: string; text: string }
interface RuleInfo { id: string; file: string; status: string; description: string; errors?: Problem[]; lastRun?: { at: string; outcome: string; reason?: string } }

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

export function rulesPage(root: HTMLElement): () => void {
  const load = async () => {
    const rules = await api<RuleInfo[]>('GET', '/api/rules');
    mount(
      root,
      h('h2', {}, 'Rules'),
      isAdmin() ? h('form', { class: 'inline', onsubmit: (e: Event) => { e.preventDefault(); const v = (document.getElementById('new-rule-id') as HTMLInputElement).value.trim(); if (v) location.hash = `#/rules/${encodeURIComponent(v)}?new`; } },
        h('label', { for: 'new-rule-id' }, 'New rule id'), h('input', { id: 'new-rule-id', pattern: '[A-Za-z0-9_-]{1,64}', required: true }), h('button', { type: 'submit' }, 'Create')) : null,
      rules.length === 0 ? h('p', { class: 'empty' }, 'No rules yet.') : null,
      h('ul', { class: 'rules' }, rules.map((r) =>
        h('li', { class: `rule ${r.status}`, dataset: { rule: r.id } },
          h('div', {}, h('a', { href: `#/rules/${encodeURIComponent(r.id)}` }, r.id), ' ', h('span', { class: `badge ${r.status}` }, r.status)),
          h('p', { class: 'muted' }, r.description || r.file),
          r.errors ? h('ul', { class: 'errors' }, r.errors.map((e) => h('li', {}, e.text))) : null,
          r.lastRun ? h('p', { class: 'muted' }, `Last run ${ago(r.lastRun.at)}: ${r.lastRun.outcome}${r.lastRun.reason ? ` (${r.lastRun.reason})` : ''}`) : null,
          isAdmin() && r.status !== 'invalid' ? h('div', { class: 'actions' },
            h('button', { onclick: () => act(r.id, r.status === 'active' ? 'disable' : 'enable') }, r.status === 'active' ? 'Disable' : 'Enable'),
            h('button', { onclick: () => act(r.id, 'run') }, 'Run now')) : null,
        ))),
    );
  };
  const act = async (id: string, what: string) => {
    try {
      const res = await api<any>('POST', `/api/rules/${encodeURIComponent(id)}/${what}`);
      toast(what === 'run' ? `Run: ${res.outcome}${res.reason ? ` (${res.reason})` : ''}` : `${id} ${res.status}`);
    } catch (err) {
      toast((err as Error).message, 'error');
    }
    void load();
  };
  const off = onLive((type) => (type === 'rule.run' || type === 'rules.reloaded' || type === 'rule.error') && void load());
  void load().catch((err) => toast(err.message, 'error'));
  return off;
}

export function ruleEditorPage(root: HTMLElement, id: string, isNew: boolean): () => void {
  const editor = h('textarea', { id: 'rule-yaml', class: 'code', spellcheck: false, 'aria-label': `YAML of rule ${id}`, rows: 22, readOnly: !isAdmin() });
  const gutter = h('div', { class: 'gutter', 'aria-hidden': 'true' });
  const problems = h('ul', { class: 'errors', id: 'rule-problems', 'aria-live': 'polite' });
  const traces = h('div', { class: 'traces' });
  let timer: number | undefined;

  const showProblems = (list: Problem[]) => {
    const lines = editor.value.split('\n').length;
    const bad = new Map(list.map((p) => [p.line, p.message]));
    mount(gutter, Array.from({ length: lines }, (_, i) => h('div', { class: bad.has(i + 1) ? 'bad' : '', title: bad.get(i + 1) ?? '' }, String(i + 1))));
    mount(problems, list.map((p) => h('li', { dataset: { line: p.line } }, `line ${p.line}, column ${p.column}: ${p.path ? `${p.path} ` : ''}${p.message}`)));
  };
  const validate = async () => {
    try {
      const res = await api<{ problems: Problem[] }>('POST', '/api/rules/validate', { yaml: editor.value || ' ' });
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
      await api('PUT', `/api/rules/${encodeURIComponent(id)}`, { yaml: editor.value });
      toast('Saved; the rule is live');
      showProblems([]);
      await loadTraces();
    } catch (err) {
      if (err instanceof ApiError && err.body?.errors) showProblems(err.body.errors);
      else showProblems([{ line: 1, column: 1, path: '', message: (err as Error).message, text: (err as Error).message }]);
      toast('Not saved: fix the errors shown', 'error');
    }
  };
  const run = async () => {
    try {
      const res = await api<any>('POST', `/api/rules/${encodeURIComponent(id)}/run`);
      toast(`Run: ${res.outcome}`);
    } catch (err) {
      toast((err as Error).message, 'error');
    }
    await loadTraces();
  };
  const results = h('div', { class: 'panel results', id: 'rule-results', 'aria-live': 'polite' });
  const runTests = async () => {
    try {
      const res = await api<any>('POST', `/api/rules/${encodeURIComponent(id)}/test`);
      mount(results, h('h3', {}, res.passed ? 'Tests passed' : 'Tests failed'), h('pre', {}, res.output.join('\n')));
    } catch (err) {
      toast((err as Error).message, 'error');
    }
  };
  const replay = async () => {
    const hours = Number((document.getElementById('replay-hours') as HTMLSelectElement).value);
    try {
      const to = Date.now();
      const res = await api<any>('POST', '/api/rules/replay', { yaml: editor.value, from: String(to - hours * 3_600_000), to: String(to) });
      const fired = res.runs.filter((r: any) => r.outcome === 'ran' || r.outcome === 'stopped');
      mount(
        results,
        h('h3', {}, fired.length ? `Would have fired ${fired.length} time(s)` : 'Would not have fired'),
        h('p', { class: 'muted' }, `${res.messages} recorded message(s) on ${res.topics.join(', ') || 'no recorded topics'}; actions not executed.`),
        h('ul', {}, fired.map((r: any) => h('li', {}, `${new Date(r.at).toLocaleString()}: ${r.trigger}`, h('ul', {}, r.published.map((p: any) => h('li', {}, `would publish ${p.topic} = ${p.payload}`)))))),
      );
    } catch (err) {
      if (err instanceof ApiError && err.body?.errors) showProblems(err.body.errors);
      toast((err as Error).message, 'error');
    }
  };
  const loadTraces = async () => {
    const list = await api<any[]>('GET', `/api/rules/${encodeURIComponent(id)}/traces?limit=20`).catch(() => []);
    mount(traces, list.length === 0 ? h('p', { class: 'muted' }, 'No traces yet.') : list.map(traceView));
  };

  mount(
    root,
    h('p', {}, h('a', { href: '#/rules' }, '← All rules')),
    h('h2', {}, `Rule ${id}`),
    h('div', { class: 'editor' }, gutter, editor),
    problems,
    isAdmin() ? h('div', { class: 'actions' }, h('button', { id: 'save-rule', onclick: save }, 'Save'), h('button', { onclick: run }, 'Run now')) : null,
    h('div', { class: 'actions' },
      h('button', { id: 'run-tests', onclick: runTests }, 'Run tests'),
      h('label', { for: 'replay-hours', class: 'inline-label' }, 'Replay the last'),
      h('select', { id: 'replay-hours' }, [['24', 'day'], ['168', 'week'], ['720', 'month']].map(([v, l]) => h('option', { value: v }, l))),
      h('button', { id: 'replay', onclick: replay }, 'Replay against history')),
    results,
    h('h3', {}, 'Traces'),
    traces,
  );
  if (isNew) {
    editor.value = TEMPLATE(id);
    showProblems([]);
  } else {
    api<any>('GET', `/api/rules/${encodeURIComponent(id)}`).then((r) => {
      editor.value = r.source ?? '';
      showProblems(r.errors ?? []);
      void loadTraces();
    }, (err) => toast(err.message, 'error'));
  }
  const off = onLive((type, e) => type === 'rule.run' && e.ruleId === id && void loadTraces());
  return () => {
    off();
    clearTimeout(timer);
  };
}

function traceView(t: any): HTMLElement {
  const ms = (a: number, b?: number) => (b !== undefined ? `${b - a} ms` : 'running');
  const actions = (list: any[]): HTMLElement => h('ol', {}, list.map((a) => h('li', { class: a.error ? 'bad' : '' }, `${a.step}: ${a.result}${a.error ? ` — ${a.error}` : ''} (${ms(a.startedAt, a.endedAt)})`, a.children ? actions(a.children) : null)));
  const conditions = (list: any[]): HTMLElement => h('ul', {}, list.map((c) => h('li', { class: c.result ? 'ok' : 'bad' }, `${c.result ? '✓' : '✗'} ${c.condition}: ${c.details}`, c.children ? conditions(c.children) : null)));
  return h(
    'details',
    { class: `trace ${t.outcome}`, dataset: { outcome: t.outcome } },
    h('summary', {}, `${new Date(t.startedAt).toLocaleString()} — ${t.outcome}${t.reason ? `: ${t.reason}` : ''}`),
    h('p', {}, h('strong', {}, 'Trigger: '), t.trigger?.description ?? t.trigger?.kind ?? 'unknown'),
    t.conditions?.length ? [h('p', {}, h('strong', {}, 'Conditions')), conditions(t.conditions)] : null,
    t.actions?.length ? [h('p', {}, h('strong', {}, 'Actions')), actions(t.actions)] : null,
    t.error ? h('p', { class: 'error' }, t.error) : null,
  );
}
