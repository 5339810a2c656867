// `hearth simulate …` and the in-process demo behind `hearth start --demo`.
import { parseArgs } from 'node:util';
import type { Logger } from '../shared/logger.js';
import { DEMO_HOME } from './devices.js';
import { startSimulation, type Simulation } from './simulator.js';

export async function runSimulateCommand(argv: string[], out: (line: string) => void = (l) => process.stdout.write(l + '\n')): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      devices: { type: 'string', default: '20' },
      rate: { type: 'string', default: '10' },
      url: { type: 'string', default: 'mqtt://127.0.0.1:1883' },
      username: { type: 'string' },
      password: { type: 'string' },
      duration: { type: 'string' },
      prefix: { type: 'string', default: 'sim' },
    },
    strict: true,
  });
  const devices = Number(values.devices);
  const rate = Number(values.rate);
  if (!Number.isInteger(devices) || devices < 1 || devices > 10_000) throw new Error(`--devices must be an integer 1-10000, got ${JSON.stringify(values.devices)}`);
  if (!Number.isFinite(rate) || rate <= 0 || rate > 100_000) throw new Error(`--rate must be a number of readings per second 0-100000, got ${JSON.stringify(values.rate)}`);
  const password = values.password ?? process.env.HEARTH_SIMULATE_PASSWORD;
  out(`connecting ${devices} simulated device(s) to ${values.url}…`);
  const sim = await startSimulation({ url: values.url, username: values.username, password, devices, rate, prefix: values.prefix });
  out(`running: ${sim.stats().connected} connected, ${rate} reading(s)/s; Ctrl-C to stop`);
  const progress = setInterval(() => {
    const s = sim.stats();
    out(`${s.connected}/${s.devices} connected, ${s.published} published, ${s.commands} command(s) obeyed`);
  }, 5000);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
    if (values.duration) setTimeout(resolve, Number(values.duration) * 1000);
  });
  clearInterval(progress);
  await sim.stop();
  const s = sim.stats();
  out(`stopped: ${s.published} published, ${s.commands} command(s) obeyed`);
  return 0;
}

/** About 20 devices of a believable home, in-process but over real MQTT, with the ids the example rules use. */
export async function startDemo(opts: { mqttUrl: string; username: string; password: string; logger?: Logger; rate?: number }): Promise<Simulation> {
  return startSimulation({
    url: opts.mqttUrl,
    username: opts.username,
    password: opts.password,
    devices: DEMO_HOME.map(([id, kind]) => [id, kind]),
    rate: opts.rate ?? 4,
    logger: opts.logger,
  });
}
