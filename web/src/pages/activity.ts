// Activity: a live log of what happens (devices online/offline, readings, rule runs, errors), with filters.
import { h, mount } from '../dom.js';
import { type LiveEvent, onLive } from '../live.js';

const KINDS: Array<[string, string]> = [
  ['device.online', 'Online/offline'],
  ['device.state', 'Readings'],
  ['rule.run', 'Rule runs'],
  ['rule.error', 'Errors'],
  ['device.problem', 'Device problems'],
  ['device.created', 'New devices'],
  ['rules.reloaded', 'Rule files'],
  ['hub.log', 'Hub'],
  ['notification.created', 'Alerts'],
  ['notify.failed', 'Alert failures'],
];

export function activityPage(root: HTMLElement): () => void {
  const entries: Array<{ type: string; text: string; at: number }> = [];
  const enabled = new Set(KINDS.map(([k]) => k).filter((k) => k !== 'device.state'));
  const list = h('ol', { class: 'log', 'aria-live': 'polite' });
  const describe = (...[type, e]: LiveEvent): string => {
    switch (type) {
      case 'device.online':
        return `${e.deviceId} is ${e.online ? 'online' : 'offline'}${e.reason ? ` (${e.reason})` : ''}`;
      case 'device.state':
        return `${e.deviceId}/${e.property} = ${typeof e.value === 'string' ? e.value : JSON.stringify(e.value)}`;
      case 'rule.run':
        return `${runLabel(e.ruleId)}: ${e.outcome}${e.message ? ` (${e.message})` : ''}`;
      case 'rule.error':
        return `${runLabel(e.ruleId)} error: ${e.message}`;
      case 'device.problem':
        return `${e.deviceId}: ${e.message}`;
      case 'device.created':
        return `new device ${e.deviceId}`;
      case 'hub.log':
        return `hub: ${e.message}`;
      case 'notification.created':
        return `alert: ${e.title ? `${e.title}: ` : ''}${e.message}`;
      case 'notify.failed':
        return `alert to ${e.channel} ${e.gaveUp ? 'given up' : 'failed, retrying'}: ${e.message}`;
      case 'rules.reloaded':
        return `loaded ${e.file}: ${e.ruleIds.length} rule(s)${e.errors ? `, ${e.errors} problem(s)` : ''}`;
      default:
        return JSON.stringify(e);
    }
  };
  // An empty log says what will come, and an empty filter says so, rather than a blank page.
  const empty = h('p', { class: 'empty' });
  const render = () => {
    const shown = entries
      .filter((e) => enabled.has(e.type))
      .slice(-200)
      .reverse();
    empty.hidden = shown.length > 0;
    empty.textContent =
      entries.length === 0
        ? 'Nothing has happened since this page opened. Devices going online or offline, rule runs and their errors, problems with device values, new devices, rule files loaded and hub messages appear here as they happen; tick Readings to see every value too.'
        : 'Nothing of the kinds ticked above since this page opened.';
    mount(
      list,
      shown.map((e) => h('li', { class: e.type.replace('.', '-') }, h('time', {}, new Date(e.at).toLocaleTimeString()), ' ', e.text)),
    );
  };
  mount(
    root,
    h('h2', {}, 'Activity'),
    h(
      'fieldset',
      { class: 'filters' },
      h('legend', {}, 'Show'),
      KINDS.map(([k, label]) =>
        h(
          'label',
          {},
          h('input', {
            type: 'checkbox',
            checked: enabled.has(k),
            onchange: (ev: Event) => {
              (ev.target as HTMLInputElement).checked ? enabled.add(k) : enabled.delete(k);
              render();
            },
          }),
          ' ',
          label,
        ),
      ),
    ),
    empty,
    list,
  );
  render();
  return onLive((...event) => {
    const [type, e] = event;
    entries.push({ type, text: describe(...event), at: 'ts' in e ? e.ts : Date.now() });
    if (entries.length > 1000) entries.splice(0, entries.length - 1000);
    render();
  });
}

/** `script:announce` → `script announce` (scripts and scenes run like rules); a rule id → `rule <id>`. */
function runLabel(id: string): string {
  const at = id.indexOf(':');
  return at > 0 ? `${id.slice(0, at)} ${id.slice(at + 1)}` : `rule ${id}`;
}
