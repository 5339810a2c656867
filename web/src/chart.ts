// History charts: which range a device page opens on, y axes kept to the data, and charts as wide as their card.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Device } from './api.js';
import { h } from './dom.js';

const HOUR = 3600_000;
const DAY = 24 * HOUR;
export const RANGES: Array<[string, number]> = [
  ['hour', HOUR],
  ['day', DAY],
  ['week', 7 * DAY],
  ['month', 30 * DAY],
];

export interface Point {
  ts: number;
  min: number | null;
  max: number | null;
  avg: number | null;
}

/**
 * The range a device page opens on: the shortest that holds all of a young device's readings (a device seen for ten
 * minutes opens on "hour"), a day for an older one, and always long enough to reach back to the latest reading.
 */
export function initialRange(device: Device, now = Date.now()): number {
  const age = now - Date.parse(device.createdAt);
  const latest = Math.max(0, ...Object.values(device.properties).map((p) => (p.updatedAt ? Date.parse(p.updatedAt) : 0)));
  const want = Math.max(latest ? now - latest : 0, Math.min(age, DAY));
  return (RANGES.find(([, ms]) => ms >= want) ?? RANGES[RANGES.length - 1]!)[1];
}

/** The y axis around the readings, not rounded out to far-off numbers: a battery at 100 % stays within 0-100. */
export function yRange(min: number | null, max: number | null, unit: string, bool: boolean): [number, number] {
  if (bool) return [-0.05, 1.05];
  if (min === null || max === null || !Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
  const pad = max > min ? (max - min) * 0.1 : Math.max(Math.abs(max) * 0.05, 0.5);
  let lo = min - pad;
  let hi = max + pad;
  // Readings that are never negative (percentages, counts, power) do not get a negative axis, nor a percentage one over 100.
  if (min >= 0) lo = Math.max(0, lo);
  if (unit === '%' && max <= 100) hi = Math.min(100, hi);
  return [lo, hi];
}

/** The width a chart gets: the box's content width. */
function contentWidth(box: HTMLElement): number {
  const style = getComputedStyle(box);
  return Math.max(200, Math.floor(box.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight)));
}

export interface Chart {
  destroy(): void;
}

/** Draws one property's history into `box`, and keeps it as wide as the box when the window changes. */
export function drawChart(box: HTMLElement, points: Point[], opts: { from: number; to: number; unit: string; bool: boolean }): Chart {
  const muted = getComputedStyle(document.documentElement).getPropertyValue('--muted').trim() || '#6b6b66';
  const accent = getComputedStyle(document.documentElement).getPropertyValue('--accent').trim() || '#c2410c';
  const avg = points.map((p) => p.avg);
  const lows = points.flatMap((p) => (p.min === null ? [] : [p.min]));
  const highs = points.flatMap((p) => (p.max === null ? [] : [p.max]));
  const [lo, hi] = yRange(lows.length ? Math.min(...lows) : null, highs.length ? Math.max(...highs) : null, opts.unit, opts.bool);
  const plot = new uPlot(
    {
      width: contentWidth(box),
      height: 200,
      cursor: { drag: { x: true, y: false } }, // drag to zoom, double-click to reset
      scales: {
        // The whole chosen range, even when readings cover only part of it.
        x: { time: true, range: () => [opts.from / 1000, opts.to / 1000] },
        y: { range: () => [lo, hi] },
      },
      series: [
        {},
        { label: `avg${opts.unit ? ` (${opts.unit})` : ''}`, stroke: accent, width: 2 },
        { label: 'min', stroke: '#5b82b5' },
        { label: 'max', stroke: '#b07d0a' },
      ],
      axes: [{ stroke: muted }, { stroke: muted }],
      hooks: {
        // The y scale as drawn, in the markup for whoever reads it (and the tests): the canvas itself has no text.
        setScale: [
          (u, key) => {
            if (key !== 'y') return;
            box.dataset.yMin = String(u.scales.y!.min);
            box.dataset.yMax = String(u.scales.y!.max);
          },
        ],
      },
    },
    [points.map((p) => p.ts / 1000), avg, points.map((p) => p.min), points.map((p) => p.max)],
    box,
  );
  const resize = new ResizeObserver(() => {
    const width = contentWidth(box);
    if (width !== plot.width) plot.setSize({ width, height: 200 });
  });
  resize.observe(box);
  return {
    destroy() {
      resize.disconnect();
      plot.destroy();
    },
  };
}

/** A line of words under a chart: what a screen reader says for the canvas, and a summary for everyone. */
export function chartSummary(points: Array<Point & { count: number }>, unit: string): HTMLElement {
  const count = points.reduce((n, p) => n + p.count, 0);
  const lows = points.flatMap((p) => (p.min === null ? [] : [p.min]));
  const highs = points.flatMap((p) => (p.max === null ? [] : [p.max]));
  const fmt = (n: number) => `${Number.isInteger(n) ? n : n.toFixed(1)}${unit ? ` ${unit}` : ''}`;
  const text = lows.length
    ? `${count} reading${count === 1 ? '' : 's'}, from ${fmt(Math.min(...lows))} to ${fmt(Math.max(...highs))}`
    : 'No numeric readings in this range.';
  return h('p', { class: 'muted chart-summary' }, text);
}
