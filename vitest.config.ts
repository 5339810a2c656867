import { defineConfig } from 'vitest/config';
import { patchAedes } from './scripts/aedes-patches.mjs';

export default defineConfig({
  // The bundle's patches of aedes (scripts/aedes-patches.mjs), so that the tests run the code the hub runs: aedes is
  // inlined (transformed like the sources) for them.
  plugins: [
    {
      name: 'aedes-patches',
      transform: (code, id) => {
        const patched = patchAedes(code, id);
        return patched === undefined ? undefined : { code: patched, map: null };
      },
    },
  ],
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Real brokers, sockets and SQLite files: files run in parallel processes, tests inside a file in order.
    pool: 'forks',
    maxWorkers: 2,
    server: { deps: { inline: ['aedes'] } },
  },
});
