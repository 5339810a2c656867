// prom-client, loaded by metrics.ts at the first scrape of /metrics. A module of its own because the bundle
// (scripts/bundle.mjs) gives an import() of a CommonJS package only its default export; a static import gets them all.
export { collectDefaultMetrics, Registry } from 'prom-client';
