// A helper's control, drawn from its type: a switch, a slider with its range and unit, a select, a text or date field,
// a counter with − / + / reset, a timer with its countdown and start / pause / cancel. Each sends its value through
// POST /api/helpers/:id/set; a value the helper refuses comes back as the hub's message.
import { api, isAdmin } from '../api.js';
import { h, toast } from '../dom.js';

export interface Helper {
  id: string;
  device: string;
  type: 'toggle' | 'number' | 'select' | 'text' | 'datetime' | 'counter' | 'timer';
  name: string | null;
  description: string | null;
  file: string;
  fileName: string;
  /** As declared (min, max, step, unit, options, …): read by the control of its type. */
  definition: Record<string, unknown>;
  value: unknown;
  timer?: { state: string; remaining: number; finishesAt: string | null; duration: number };
}

export const helperName = (x: Helper) => x.name ?? x.id.replace(/[_-]+/g, ' ').replace(/^./, (c) => c.toUpperCase());

async function set(x: Helper, value: string | number | boolean, done: (updated: Helper) => void): Promise<void> {
  try {
    done(await api<Helper>('POST', `/api/helpers/${x.id}/set`, { value }));
  } catch (err) {
    toast((err as Error).message, 'error');
  }
}

/** "3:05" from seconds. */
export function clock(seconds: number): string {
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  return m >= 60
    ? `${Math.floor(m / 60)}:${String(m % 60).padStart(2, '0')}:${String(s).padStart(2, '0')}`
    : `${m}:${String(s).padStart(2, '0')}`;
}

export function helperControl(x: Helper, done: (updated: Helper) => void): HTMLElement {
  const label = helperName(x);
  const id = `helper-${x.id}`;
  const disabled = !isAdmin();
  const d = x.definition;
  switch (x.type) {
    case 'toggle':
      return h(
        'label',
        { class: 'switch' },
        h('input', {
          type: 'checkbox',
          role: 'switch',
          id,
          'aria-label': label,
          checked: x.value === 'on',
          disabled,
          onchange: (e: Event) => set(x, (e.target as HTMLInputElement).checked ? 'on' : 'off', done),
        }),
        h('span', { class: 'slider' }),
      );
    case 'number': {
      const out = h('output', { for: id }, `${x.value}${d.unit ? ` ${d.unit}` : ''}`);
      const input = h('input', {
        type: 'range',
        id,
        'aria-label': label,
        min: d.min,
        max: d.max,
        step: d.step ?? 1,
        value: String(x.value),
        disabled,
        oninput: () => (out.textContent = `${input.value}${d.unit ? ` ${d.unit}` : ''}`),
        onchange: () => set(x, Number(input.value), done),
      });
      return h('span', { class: 'control' }, input, out);
    }
    case 'select':
      return h(
        'select',
        { id, 'aria-label': label, disabled, onchange: (e: Event) => set(x, (e.target as HTMLSelectElement).value, done) },
        (d.options as string[]).map((o) => h('option', { value: o, selected: o === x.value }, o)),
      );
    case 'text':
    case 'datetime': {
      const type = x.type === 'text' ? 'text' : d.has_date === false ? 'time' : d.has_time === false ? 'date' : 'datetime-local';
      const input = h('input', {
        type,
        id,
        'aria-label': label,
        value: String(x.value ?? ''),
        disabled,
        step: type === 'text' ? undefined : 1,
        maxlength: x.type === 'text' ? (d.max ?? 255) : undefined,
      });
      return h(
        'form',
        {
          class: 'inline',
          onsubmit: (e: Event) => {
            e.preventDefault();
            void set(x, input.value, done);
          },
        },
        input,
        h('button', { type: 'submit', disabled }, 'Set'),
      );
    }
    case 'counter':
      return h(
        'span',
        { class: 'control' },
        h('button', { type: 'button', disabled, 'aria-label': `${label}: decrement`, onclick: () => set(x, 'decrement', done) }, '−'),
        h('output', { id, 'aria-label': label }, String(x.value)),
        h('button', { type: 'button', disabled, 'aria-label': `${label}: increment`, onclick: () => set(x, 'increment', done) }, '+'),
        h('button', { type: 'button', disabled, class: 'link', onclick: () => set(x, 'reset', done) }, 'Reset'),
      );
    case 'timer': {
      const t = x.timer!;
      const left = h(
        'output',
        { id, class: 'countdown', 'aria-label': `${label}: time left`, dataset: t.finishesAt ? { finishes: t.finishesAt } : {} },
        t.state === 'idle' ? clock(t.duration) : clock(t.remaining),
      );
      return h(
        'span',
        { class: 'control' },
        h('span', { class: `badge ${t.state === 'active' ? 'active' : ''}` }, t.state),
        left,
        t.state === 'active'
          ? h('button', { type: 'button', disabled, onclick: () => set(x, 'pause', done) }, 'Pause')
          : h('button', { type: 'button', disabled, onclick: () => set(x, 'start', done) }, t.state === 'paused' ? 'Resume' : 'Start'),
        t.state !== 'idle' ? h('button', { type: 'button', disabled, onclick: () => set(x, 'cancel', done) }, 'Cancel') : null,
      );
    }
  }
}
