// Loaded into a benchmarked hub with `--import` (bench/profile.ts): the first SIGUSR2 starts V8's CPU profiler, or
// its sampling heap profiler with what the collections took counted too (HEARTH_BENCH_PROFILE=alloc) or what the
// young generation's collections took left out (HEARTH_BENCH_PROFILE=survivors), and the second
// stops it and writes the profile as JSON to HEARTH_BENCH_PROFILE_OUT. Started by a signal, the profile holds the
// load only, not the start or the clients connecting.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

const out = process.env.HEARTH_BENCH_PROFILE_OUT;
const kind = process.env.HEARTH_BENCH_PROFILE ?? 'cpu';
if (out) {
  const session = new Session();
  session.connect();
  const post = (method: string, params: object = {}) =>
    new Promise<any>((resolve, reject) => session.post(method, params, (err, result) => (err ? reject(err) : resolve(result))));
  let running = false;
  process.on('SIGUSR2', () => {
    running = !running;
    const step = running ? start() : stopAndWrite(out);
    step.catch((err: Error) => process.stderr.write(`profile probe: ${err.message}\n`));
  });

  async function start(): Promise<void> {
    if (kind !== 'cpu') {
      await post('HeapProfiler.enable');
      await post('HeapProfiler.startSampling', {
        samplingInterval: 1024,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: kind === 'alloc',
      });
    } else {
      await post('Profiler.enable');
      await post('Profiler.setSamplingInterval', { interval: 100 });
      await post('Profiler.start');
    }
  }

  async function stopAndWrite(file: string): Promise<void> {
    const { profile } = await post(kind === 'cpu' ? 'Profiler.stop' : 'HeapProfiler.stopSampling');
    writeFileSync(file, JSON.stringify(profile));
  }
}
