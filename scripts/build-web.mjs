// Web build step: the dashboard is built here, at build time, never by the hub at start-up.
import { existsSync } from 'node:fs';
const root = new URL('..', import.meta.url).pathname;
if (existsSync(root + 'web/build.mjs')) await import(root + 'web/build.mjs');
