// Numeric properties and the odd values they get ("hot", "21,5", "21.5 °C"): reported once per property, kept per device.
import { homeTopic } from './topic.js';
import type { EventBus } from '../shared/event-bus.js';
import type { Logger } from '../shared/logger.js';

export interface DeviceProblem {
  property: string;
  message: string;
  ts: number;
}

const DECIMAL_COMMA = /^-?\d+,\d+$/;
const WITH_UNIT = /^(-?\d+(?:[.,]\d+)?)\s*[^\d\s.,+-]/;
const SHOWN_CHARS = 40;

export class OddValues {
  readonly #logger: Logger;
  readonly #events: EventBus;
  /** Per device, every property whose readings have been numbers (by device first: no key string per reading). */
  readonly #numeric = new Map<string, Set<string>>();
  /** The first odd value of each property, per device: what the device page shows, and what was already logged. */
  readonly #problems = new Map<string, Map<string, DeviceProblem>>();

  constructor(deps: { logger: Logger; events: EventBus }) {
    this.#logger = deps.logger;
    this.#events = deps.events;
  }

  /** Properties known to be numeric from history (their latest value may be an odd one). */
  seed(properties: Iterable<{ deviceId: string; property: string }>): void {
    for (const p of properties) this.#markNumeric(p.deviceId, p.property);
  }

  #markNumeric(deviceId: string, property: string): void {
    const of = this.#numeric.get(deviceId);
    if (of) of.add(property);
    else this.#numeric.set(deviceId, new Set([property]));
  }

  /** Notes a reading; the first non-number on a numeric property is logged and emitted as `device.problem`. */
  check(deviceId: string, property: string, value: unknown, ts: number): void {
    if (typeof value === 'number') {
      this.#markNumeric(deviceId, property);
      return;
    }
    if (!this.isNumeric(deviceId, property)) return;
    const problems = this.#problems.get(deviceId) ?? new Map<string, DeviceProblem>();
    if (problems.has(property)) return;
    const message = describeOddValue(deviceId, property, value);
    problems.set(property, { property, message, ts });
    this.#problems.set(deviceId, problems);
    this.#logger.warn(`${message} (logged once per property)`);
    this.#events.emit('device.problem', { deviceId, property, message, ts });
  }

  isNumeric(deviceId: string, property: string): boolean {
    return this.#numeric.get(deviceId)?.has(property) === true;
  }

  problems(deviceId: string): DeviceProblem[] {
    return [...(this.#problems.get(deviceId)?.values() ?? [])];
  }

  forget(deviceId: string): void {
    this.#problems.delete(deviceId);
    this.#numeric.delete(deviceId);
  }
}

/** The problem in words, with the fix when the value is a number in disguise. */
export function describeOddValue(deviceId: string, property: string, value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  const shown = JSON.stringify(text.length > SHOWN_CHARS ? `${text.slice(0, SHOWN_CHARS)}…` : text);
  const unit = WITH_UNIT.exec(text);
  const hint = DECIMAL_COMMA.test(text)
    ? ` (a decimal comma: publish ${text.replace(',', '.')})`
    : unit
      ? ` (a number with a unit: publish ${unit[1]!.replace(',', '.')} alone)`
      : '';
  return `${homeTopic(deviceId, property)} got ${shown}, which is not a number${hint}; its earlier readings were numbers. It is stored as text and left out of the chart.`;
}
