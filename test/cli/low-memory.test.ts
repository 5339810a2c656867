// The low-memory setting (README, Performance): `HEARTH_LOW_MEMORY=1 hearth start` runs the hub in V8's lite mode,
// says so once, and is a hub like any other; a value it does not know stops bin/hearth with one line.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { expectReadingRoutedAndStored, type RunningHub, startCliHub } from '../helpers/cli.js';
import { tempDir } from '../helpers/hub.js';

const ROOT = join(import.meta.dirname, '../..');
/**
 * bin/hearth laid out as in a release: beside this checkout's dist/, without the build check a checkout's bin/hearth
 * runs first (scripts/ensure-build.mjs), which would build dist/ again when another test's `npm install` has touched
 * package-lock.json, and say so on stderr.
 */
function releaseLayout(): string {
  const root = tempDir('hearth-release-layout-');
  mkdirSync(join(root, 'bin'));
  copyFileSync(join(ROOT, 'bin/hearth'), join(root, 'bin/hearth'));
  symlinkSync(join(ROOT, 'dist'), join(root, 'dist'));
  return join(root, 'bin/hearth');
}
const HEARTH = releaseLayout();
const PASSWORD = 'low-memory-admin-password';

const running: RunningHub[] = [];
afterEach(async () => {
  for (const hub of running.splice(0)) {
    hub.child.kill('SIGTERM');
    await hub.exited;
  }
});

async function startHearth(env: Record<string, string>): Promise<RunningHub> {
  const dir = tempDir('hearth-low-memory-');
  const hub = await startCliHub(
    { HEARTH_DATA_DIR: join(dir, 'data'), HEARTH_RULES_DIR: join(dir, 'rules'), HEARTH_ADMIN_PASSWORD: PASSWORD, ...env },
    [],
    [],
    HEARTH,
  );
  running.push(hub);
  return hub;
}

const nodeFlags = (pid: number) =>
  readFileSync(`/proc/${pid}/cmdline`, 'utf8')
    .split('\0')
    .filter((a) => a.startsWith('--'));

describe('the low-memory setting', () => {
  it('HEARTH_LOW_MEMORY=1 runs the hub in lite mode, says so, and the hub routes, records and answers as usual', async () => {
    const hub = await startHearth({ HEARTH_LOW_MEMORY: '1' });
    expect(nodeFlags(hub.child.pid!)).toEqual([
      '--max-semi-space-size=2',
      '--max-lazy',
      '--no-short-builtin-calls',
      '--bytecode-old-age=1',
      '--lite-mode',
      // V8 before 13 (Node 20 to 23) has the flag, and warns at start unless it is off; Node 24 refuses it.
      ...(Number(process.versions.node.split('.')[0]) < 24 ? ['--no-expose-wasm'] : []),
    ]);
    // Printed right after "Hearth is running": wait for the line, not for a fixed time.
    await expect.poll(() => hub.output(), { timeout: 5_000 }).toContain('Low-memory setting on');
    // V8's "Warning: disabling flag --expose_wasm due to conflicting flags" came before it on Node 20 and 22.
    expect(hub.output()).not.toMatch(/warning/i);

    await expectReadingRoutedAndStored(hub, PASSWORD);
  }, 60_000);

  // Node 22's node:http has a `WebSocket` getter that loads undici, whose HTTP parser is WebAssembly, which lite mode
  // does not have: a hub whose bundle made node:http's ES module facade (it reads every export) stopped at start there
  // with "ReferenceError: WebAssembly is not defined" (Node 22.23.5). Node 20's node:http has no such getter, so the
  // same trap is set here on an export the hub never uses (scripts/bundle.mjs gives the bundle node:http by require()).
  it("HEARTH_LOW_MEMORY=1 starts where reading one of node:http's exports fails, as on Node 22", async () => {
    const trap = join(tempDir('hearth-http-trap-'), 'http-trap.cjs');
    writeFileSync(
      trap,
      `Object.defineProperty(require('node:http'), 'setMaxIdleHTTPParsers', {
  get() { throw new ReferenceError('WebAssembly is not defined'); }, enumerable: true, configurable: true,
});\n`,
    );
    const hub = await startHearth({ HEARTH_LOW_MEMORY: '1', NODE_OPTIONS: `--require ${trap}` });
    expect(hub.output()).not.toContain('WebAssembly');
    await expectReadingRoutedAndStored(hub, PASSWORD);
  }, 60_000);

  it('by default the hub runs with the optimizing compilers and says nothing of the setting', async () => {
    const hub = await startHearth({});
    const flags = nodeFlags(hub.child.pid!);
    expect(flags).toContain('--flush-baseline-code');
    expect(flags).not.toContain('--lite-mode');
    // The hub has printed its ready line; the low-memory line would come right after it, in the same turn.
    await new Promise((r) => setTimeout(r, 300));
    expect(hub.output()).not.toContain('Low-memory setting');
  }, 60_000);

  it('refuses a value it does not know, in one line, without starting', () => {
    const run = spawnSync(HEARTH, ['help'], { env: { ...process.env, HEARTH_LOW_MEMORY: 'maybe' }, encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr.trim()).toBe("hearth: HEARTH_LOW_MEMORY must be 1 (the low-memory setting) or 0, not 'maybe'");
  });
});
