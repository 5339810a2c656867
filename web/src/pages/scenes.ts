// Long file: scenes, scripts and helpers share one page, its refresh and the dialogs that write the rules dir.
// Scenes, scripts and helpers: a button per scene, a run button per script (with its fields), a control per helper,
// "save the current state of these devices as a scene", and a new helper — all of them written to the rules dir by
// the hub, like those declared by hand. The home page shows the scene and script buttons too (quickActions).
import { api, isAdmin, type Device } from '../api.js';
import { h, mount, toast } from '../dom.js';
import { displayName } from '../format.js';
import { onLive } from '../live.js';
import { clock, helperControl, helperName, type Helper } from './helper-controls.js';

interface Field {
  type: 'text' | 'number' | 'boolean' | 'select';
  description?: string;
  default?: string | number | boolean;
  min?: number;
  max?: number;
  options?: string[];
}
interface Block {
  id: string;
  name: string | null;
  description: string;
  fileName: string;
  status: string;
  errors?: Array<{ text: string }>;
  lastRun?: { at: string; outcome: string };
}
interface Scene extends Block {
  states: Record<string, unknown>;
}
interface Script extends Block {
  mode: string;
  fields: Record<string, Field>;
}
interface Trace {
  outcome: string;
  reason?: string;
  error?: string;
  actions: Array<{ result: string }>;
}

/** The file in the rule editor, where it is changed. */
const fileLink = (fileName: string) => h('a', { href: `#/rules/${encodeURIComponent(fileName)}` }, fileName);

const nameOf = (b: Block) => b.name ?? b.id.replace(/[_-]+/g, ' ').replace(/^./, (c) => c.toUpperCase());

async function activate(scene: Scene): Promise<void> {
  try {
    const trace = await api<Trace>('POST', `/api/scenes/${scene.id}/activate`);
    toast(`${nameOf(scene)}: ${trace.actions.at(-1)?.result ?? trace.outcome}`);
  } catch (err) {
    toast((err as Error).message, 'error');
  }
}

async function run(script: Script, fields: Record<string, unknown> = {}): Promise<void> {
  try {
    const trace = await api<Trace>('POST', `/api/scripts/${script.id}/run`, { fields });
    toast(
      `${nameOf(script)}: ${trace.outcome}${trace.error ? ` (${trace.error})` : trace.reason ? ` (${trace.reason})` : ''}`,
      trace.outcome === 'error' ? 'error' : 'info',
    );
  } catch (err) {
    toast((err as Error).message, 'error');
  }
}

/** A script can run from one button when every field has a default. */
const oneClick = (s: Script) => Object.values(s.fields).every((f) => f.default !== undefined);

/** Scene and script buttons for the top of the home page (admins); `ready` is told once they are there. */
export function quickActions(ready: () => void): HTMLElement {
  const box = h('section', { class: 'quick', 'aria-label': 'Scenes and scripts' });
  if (!isAdmin()) return box;
  void Promise.all([api<Scene[]>('GET', '/api/scenes'), api<Script[]>('GET', '/api/scripts')]).then(
    ([scenes, scripts]) => {
      const buttons = [
        ...scenes
          .filter((s) => s.status === 'active')
          .map((s) => h('button', { type: 'button', class: 'scene', onclick: () => activate(s) }, nameOf(s))),
        ...scripts
          .filter((s) => s.status === 'active' && oneClick(s))
          .map((s) => h('button', { type: 'button', class: 'script', onclick: () => run(s) }, `▶ ${nameOf(s)}`)),
      ];
      mount(box, buttons);
      if (buttons.length > 0) ready();
    },
    () => undefined,
  );
  return box;
}

export function scenesPage(root: HTMLElement): () => void {
  const scenesBox = h('div');
  const scriptsBox = h('div');
  const helpersBox = h('div');
  const helpers = new Map<string, Helper>();
  let devices: Device[] = [];

  const drawHelpers = () =>
    mount(
      helpersBox,
      helpers.size === 0
        ? h('p', { class: 'empty' }, 'No helpers yet. Declare them under helpers: in a rule file, or add one below.')
        : null,
      h(
        'div',
        { class: 'cards' },
        [...helpers.values()].map((x) =>
          h(
            'article',
            { class: 'card helper', dataset: { helper: x.id } },
            h(
              'header',
              {},
              h('label', { class: 'name', for: `helper-${x.id}` }, helperName(x)),
              h('a', { href: `#/device/${x.device}`, class: 'muted' }, x.device),
            ),
            h('p', { class: 'muted' }, x.description ? `${x.description} · in ` : 'In ', fileLink(x.fileName)),
            h(
              'div',
              { class: 'helper-control' },
              helperControl(x, (updated) => {
                helpers.set(updated.id, updated);
                drawHelpers();
              }),
            ),
          ),
        ),
      ),
    );

  const load = async () => {
    const [scenes, scripts, list] = await Promise.all([
      api<Scene[]>('GET', '/api/scenes'),
      api<Script[]>('GET', '/api/scripts'),
      api<Helper[]>('GET', '/api/helpers'),
    ]);
    if (isAdmin() && devices.length === 0) devices = await api<Device[]>('GET', '/api/devices');
    mount(
      scenesBox,
      scenes.length === 0
        ? h('p', { class: 'empty' }, 'No scenes yet. Declare them under scenes: in a rule file, or save the devices as they are now below.')
        : null,
      h(
        'ul',
        { class: 'rules' },
        scenes.map((s) =>
          h(
            'li',
            { class: `rule ${s.status}`, dataset: { scene: s.id } },
            h(
              'div',
              {},
              h(
                'button',
                { type: 'button', class: 'scene', disabled: !isAdmin() || s.status !== 'active', onclick: () => activate(s) },
                nameOf(s),
              ),
              ' ',
              s.status !== 'active' ? h('span', { class: `badge ${s.status}` }, s.status) : null,
            ),
            h(
              'p',
              { class: 'muted' },
              `${Object.keys(s.states).length} device propert${Object.keys(s.states).length === 1 ? 'y' : 'ies'}${s.description ? ` · ${s.description}` : ''} · in `,
              fileLink(s.fileName),
            ),
            problems(s.errors),
            enableAgain('scenes', s, load),
          ),
        ),
      ),
    );
    mount(
      scriptsBox,
      scripts.length === 0 ? h('p', { class: 'empty' }, 'No scripts yet. Declare them under scripts: in a rule file.') : null,
      h('ul', { class: 'rules' }, scripts.map(scriptItem)),
    );
    helpers.clear();
    for (const x of list) helpers.set(x.id, x);
    drawHelpers();
  };

  const scriptItem = (s: Script) => {
    const inputs = Object.entries(s.fields).map(([name, f]) => {
      const id = `field-${s.id}-${name}`;
      const input =
        f.type === 'select'
          ? h(
              'select',
              { id },
              (f.options ?? []).map((o) => h('option', { value: o, selected: o === f.default }, o)),
            )
          : f.type === 'boolean'
            ? h('input', { id, type: 'checkbox', checked: f.default === true })
            : h('input', {
                id,
                type: f.type === 'number' ? 'number' : 'text',
                value: f.default !== undefined ? String(f.default) : '',
                min: f.min,
                max: f.max,
                required: f.default === undefined,
                step: f.type === 'number' ? 'any' : undefined,
              });
      return { name, input, label: h('label', { for: id }, f.description ? `${name} (${f.description})` : name) };
    });
    const values = () =>
      Object.fromEntries(
        inputs.map(({ name, input }) => [
          name,
          input instanceof HTMLInputElement && input.type === 'checkbox' ? input.checked : input.value,
        ]),
      );
    return h(
      'li',
      { class: `rule ${s.status}`, dataset: { script: s.id } },
      h('div', {}, h('strong', {}, nameOf(s)), ' ', h('span', { class: `badge ${s.status}` }, s.status)),
      h(
        'p',
        { class: 'muted' },
        `${s.description || 'A script'} · mode ${s.mode} · in `,
        fileLink(s.fileName),
        s.lastRun ? ` · last run: ${s.lastRun.outcome}` : '',
      ),
      problems(s.errors),
      enableAgain('scripts', s, load),
      isAdmin() && s.status === 'active'
        ? h(
            'form',
            {
              class: 'inline',
              onsubmit: (e: Event) => {
                e.preventDefault();
                void run(s, values()).then(load);
              },
            },
            inputs.map(({ label, input }) => h('span', {}, label, input)),
            h('button', { type: 'submit' }, `Run ${nameOf(s)}`),
          )
        : null,
    );
  };

  /** "Save the current state of these devices as a scene". */
  const sceneForm = () => {
    const id = h('input', { id: 'scene-id', required: true, pattern: '[A-Za-z0-9_-]{1,64}', placeholder: 'evening' });
    const name = h('input', { id: 'scene-name', maxlength: 100, placeholder: 'Evening' });
    const boxes = h('div', { class: 'device-choice' });
    const fill = () =>
      mount(
        boxes,
        devices
          .filter((d) => !d.id.startsWith('helper_'))
          .map((d) =>
            h('label', { class: 'check' }, h('input', { type: 'checkbox', value: d.id, name: 'scene-device' }), ` ${displayName(d)}`),
          ),
      );
    fill();
    return h(
      'section',
      { class: 'panel', 'aria-labelledby': 'save-scene-title' },
      h('h3', { id: 'save-scene-title' }, 'Save the current state of these devices as a scene'),
      h(
        'form',
        {
          onsubmit: async (e: Event) => {
            e.preventDefault();
            const chosen = [...boxes.querySelectorAll<HTMLInputElement>('input:checked')].map((b) => b.value);
            if (chosen.length === 0) return toast('Choose at least one device', 'error');
            try {
              const scene = await api<Scene>('POST', '/api/scenes', {
                id: id.value,
                ...(name.value ? { name: name.value } : {}),
                devices: chosen,
              });
              toast(`Saved scene ${nameOf(scene)} (${Object.keys(scene.states).length} properties) in ${scene.fileName}`);
              (e.target as HTMLFormElement).reset();
              await load();
            } catch (err) {
              toast((err as Error).message, 'error');
            }
          },
        },
        h('label', { for: 'scene-id' }, 'Scene id'),
        id,
        h('label', { for: 'scene-name' }, 'Name'),
        name,
        h('fieldset', {}, h('legend', {}, 'Devices'), boxes),
        h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Save scene')),
      ),
    );
  };

  const helperForm = () => {
    const id = h('input', { id: 'helper-id', required: true, pattern: '[a-z0-9_-]{1,57}', placeholder: 'guest_mode' });
    const name = h('input', { id: 'helper-name', maxlength: 100 });
    const type = h(
      'select',
      { id: 'helper-type' },
      ['toggle', 'number', 'select', 'text', 'datetime', 'counter', 'timer'].map((t) => h('option', { value: t }, t)),
    );
    const extra = h('div');
    const inputs: Record<string, HTMLInputElement> = {};
    const field = (key: string, text: string, attrs: Record<string, unknown> = {}) => {
      inputs[key] = h('input', { id: `helper-${key}`, ...attrs });
      return [h('label', { for: `helper-${key}` }, text), inputs[key]];
    };
    const drawExtra = () => {
      for (const k of Object.keys(inputs)) delete inputs[k];
      const t = type.value;
      mount(
        extra,
        t === 'number'
          ? [
              field('min', 'Least value', { type: 'number', required: true, step: 'any' }),
              field('max', 'Greatest value', { type: 'number', required: true, step: 'any' }),
              field('step', 'Step', { type: 'number', step: 'any', min: 0 }),
              field('unit', 'Unit'),
            ]
          : null,
        t === 'select' ? field('options', 'Options, separated by commas', { required: true }) : null,
        t === 'timer' ? field('duration', 'Duration (e.g. 5m)', { value: '5m' }) : null,
      );
    };
    type.onchange = drawExtra;
    drawExtra();
    return h(
      'section',
      { class: 'panel', 'aria-labelledby': 'new-helper-title' },
      h('h3', { id: 'new-helper-title' }, 'New helper'),
      h(
        'form',
        {
          onsubmit: async (e: Event) => {
            e.preventDefault();
            const def: Record<string, unknown> = { id: id.value, type: type.value, ...(name.value ? { name: name.value } : {}) };
            for (const [k, input] of Object.entries(inputs)) {
              if (input.value === '') continue;
              def[k] =
                k === 'options'
                  ? input.value
                      .split(',')
                      .map((o) => o.trim())
                      .filter(Boolean)
                  : input.type === 'number'
                    ? Number(input.value)
                    : input.value;
            }
            try {
              const made = await api<Helper>('POST', '/api/helpers', def);
              toast(`Added helper ${helperName(made)} (${made.device}) to ${made.file.split('/').pop()}`);
              (e.target as HTMLFormElement).reset();
              drawExtra();
              await load();
            } catch (err) {
              toast((err as Error).message, 'error');
            }
          },
        },
        h('label', { for: 'helper-id' }, 'Helper id (its device is helper_<id>)'),
        id,
        h('label', { for: 'helper-name' }, 'Name'),
        name,
        h('label', { for: 'helper-type' }, 'Type'),
        type,
        extra,
        h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Add helper')),
      ),
    );
  };

  mount(
    root,
    h('h2', {}, 'Scenes, scripts and helpers'),
    h('h3', {}, 'Scenes'),
    scenesBox,
    h('h3', {}, 'Scripts'),
    scriptsBox,
    h('h3', {}, 'Helpers'),
    helpersBox,
  );
  void load().then(
    () => {
      if (isAdmin()) root.append(sceneForm(), helperForm());
    },
    (err) => toast((err as Error).message, 'error'),
  );

  // Helper values change live (they are devices); a timer's countdown runs here between changes.
  const off = onLive((type, e) => {
    if (type === 'device.state' && typeof e.deviceId === 'string' && e.deviceId.startsWith('helper_'))
      void api<Helper[]>('GET', '/api/helpers').then((list) => {
        for (const x of list) helpers.set(x.id, x);
        drawHelpers();
      });
    if (type === 'rules.reloaded') void load();
  });
  const tick = window.setInterval(() => {
    for (const out of root.querySelectorAll<HTMLOutputElement>('output.countdown[data-finishes]'))
      out.textContent = clock(Math.max(0, Math.ceil((Date.parse(out.dataset.finishes!) - Date.now()) / 1000)));
  }, 1000);
  return () => {
    off();
    clearInterval(tick);
  };
}

/** A scene's or script's problems, each in words. */
function problems(errors: Array<{ text: string }> | undefined | null) {
  return errors
    ? h(
        'ul',
        { class: 'errors' },
        errors.map((e) => h('li', {}, e.text)),
      )
    : null;
}

/** For an admin, the button that enables again a scene or script paused as a loop. */
function enableAgain(kind: 'scenes' | 'scripts', s: { id: string; status: string }, load: () => unknown) {
  if (!isAdmin() || s.status !== 'paused') return null;
  const enable = () => api('POST', `/api/${kind}/${s.id}/enable`).then(load, (err: Error) => toast(err.message, 'error'));
  return h('button', { type: 'button', onclick: enable }, 'Enable again');
}
