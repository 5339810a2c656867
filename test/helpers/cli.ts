// Running the compiled `hearth` command as a user would: a child process with its own environment.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { expect } from 'vitest';

/** The file bin/hearth runs: the bundle of the compiled CLI (scripts/bundle.mjs). */
export const MAIN = join(import.meta.dirname, '../../dist/app/hearth.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: Record<string, string> = {}, stdin?: string, timeoutMs = 20_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`hearth ${args.join(' ')} did not finish in ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end(stdin ?? '');
  });
}

export interface RunningHub {
  child: ChildProcess;
  /** The V8 inspector's WebSocket URL, when started with `--inspect=127.0.0.1:0`. */
  inspector?: string;
  /** 0 when the hub runs on an external broker. */
  mqttPort: number;
  httpPort: number;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts `hearth start` on free ports and resolves once it printed the chosen ports: the bundle under this Node (with
 * `nodeArgs`), or `command` instead when given (a `bin/hearth`, which picks Node and its flags itself).
 */
export function startCliHub(
  env: Record<string, string>,
  args: string[] = [],
  nodeArgs: string[] = [],
  command?: string,
): Promise<RunningHub> {
  return new Promise((resolve, reject) => {
    const [file, argv] = command ? [command, ['start', ...args]] : [process.execPath, [...nodeArgs, MAIN, 'start', ...args]];
    const child = spawn(file, argv, {
      env: { ...process.env, HEARTH_HOST: '127.0.0.1', HEARTH_MQTT_PORT: '0', HEARTH_HTTP_PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
      child.on('exit', (code, signal) => r({ code, signal })),
    );
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`hub did not start:\n${out}`));
    }, 15_000);
    const onData = (d: Buffer) => {
      out += d;
      // On an external broker (mqtt.url) the hub has no MQTT port of its own: mqttPort is 0.
      const m = /Hearth is running: (?:MQTT port (\d+)|MQTT on the broker \S+ \([^)]*\)), HTTP port (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        const inspector = /Debugger listening on (ws:\/\/\S+)/.exec(out)?.[1];
        resolve({ child, mqttPort: Number(m[1] ?? 0), httpPort: Number(m[2]), inspector, output: () => out, exited });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`hub exited before it was ready:\n${out}`));
    });
  });
}

/**
 * The memory of a hub started with `--inspect=127.0.0.1:0`, after full garbage collections forced through the
 * inspector: what the hub retains, not the garbage a lazy collector has not reclaimed yet.
 */
export async function collectedMemory(inspector: string): Promise<{ rss: number; heapUsed: number }> {
  const { WebSocket } = await import('ws');
  const ws = new WebSocket(inspector);
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  let id = 0;
  const call = (method: string, params: object = {}) =>
    new Promise<any>((resolve) => {
      const mine = ++id;
      const onMessage = (data: Buffer) => {
        const msg = JSON.parse(data.toString());
        if (msg.id !== mine) return;
        ws.off('message', onMessage);
        resolve(msg.result);
      };
      ws.on('message', onMessage);
      ws.send(JSON.stringify({ id: mine, method, params }));
    });
  try {
    for (let i = 0; i < 3; i++) await call('HeapProfiler.collectGarbage');
    const result = await call('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true });
    const usage = JSON.parse(result.result.value) as { rss: number; heapUsed: number };
    return { rss: usage.rss, heapUsed: usage.heapUsed };
  } finally {
    ws.close();
  }
}

/**
 * The hub works end to end: a reading published as the admin reaches a subscriber, the device's state and its
 * history (once the write queue committed it).
 */
export async function expectReadingRoutedAndStored(hub: RunningHub, password: string): Promise<void> {
  const url = `mqtt://127.0.0.1:${hub.mqttPort}`;
  const watcher = await mqtt.connectAsync(url, { username: 'admin', password, reconnectPeriod: 0 });
  const sensor = await mqtt.connectAsync(url, { username: 'admin', password, reconnectPeriod: 0 });
  try {
    await watcher.subscribeAsync('home/+/temperature', { qos: 1 });
    const heard = new Promise<string>((resolve) => watcher.once('message', (_t, payload) => resolve(payload.toString())));
    await sensor.publishAsync('home/porch/temperature', '21.5', { qos: 1 });
    expect(await heard).toBe('21.5');
    const authorization = `Basic ${Buffer.from(`admin:${password}`).toString('base64')}`;
    const api = async (path: string) => {
      const res = await fetch(`http://127.0.0.1:${hub.httpPort}${path}`, { headers: { authorization } });
      return res.status === 200 ? ((await res.json()) as any) : undefined;
    };
    await expect.poll(async () => (await api('/api/devices/porch'))?.properties?.temperature?.value, { timeout: 5_000 }).toBe(21.5);
    await expect.poll(async () => (await api('/api/devices/porch/history/temperature'))?.points?.length ?? 0, { timeout: 5_000 }).toBe(1);
  } finally {
    await watcher.endAsync();
    await sensor.endAsync();
  }
}
