// `hearth start`: runs the hub until a signal; the first SIGINT/SIGTERM shuts it down gracefully, a second exits at
// once, and SIGHUP reloads the TLS certificate.
import type { HearthConfig } from '../config/schema.js';
import { Hub } from '../hub.js';
import { markBuildInUse } from '../shared/build-in-use.js';
import { lowerHelperThreads, poolThreads } from '../shared/helper-threads.js';
import { armMemoryReducer } from '../shared/memory-reducer.js';

export async function runStart(config: HearthConfig): Promise<number> {
  // Before the hub makes its first full collection (src/shared/memory-reducer.ts).
  armMemoryReducer();
  markBuildInUse();
  const hub = new Hub(config);
  let signals = 0;
  const onSignal = (signal: string) => {
    signals++;
    if (signals > 1) {
      hub.logger.warn(`${signal} again: exiting at once`);
      process.exit(130);
    }
    hub.logger.info(`${signal}: shutting down (send it again to exit at once)`);
    hub.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGHUP', () => hub.reloadTls());
  const ports = await hub.start();
  if (hub.external) {
    process.stdout.write(
      `Hearth is running: MQTT on the broker ${hub.bus.status().broker} (no MQTT listener here), HTTP port ${ports.http} (dashboard http://${displayHost(config.host)}:${ports.http}/)\n`,
    );
  } else {
    process.stdout.write(
      `Hearth is running: MQTT port ${ports.mqtt}, HTTP port ${ports.http} (dashboard http://${displayHost(config.host)}:${ports.http}/, MQTT over WebSocket ws://${displayHost(config.host)}:${ports.http}/mqtt)${ports.mqtts ? `, MQTT over TLS port ${ports.mqtts}` : ''}\n`,
    );
  }
  // After the start: the threads it made are there by now.
  if (config.helperThreads === 'idle') {
    void lowerHelperThreads().then(async ({ idle, nice }) => {
      if (idle + nice === 0) return; // nothing lowered (not Linux, or no /proc): nothing to say
      const lowered =
        idle > 0
          ? `${idle} threads besides the main one in SCHED_IDLE`
          : `${nice} threads besides the main one at nice 19 (chrt, from util-linux, not found)`;
      hub.logger.debug(`helperThreads: ${lowered}; libuv's pool (${[...(await poolThreads())].join(', ')}) as it is`);
    });
  }
  // bin/hearth's low-memory setting (HEARTH_LOW_MEMORY=1, or the flag in HEARTH_NODE_FLAGS): said once, since it
  // costs CPU a homeowner would otherwise look for elsewhere.
  if (process.execArgv.includes('--lite-mode')) {
    process.stdout.write(
      "Low-memory setting on (V8's lite mode: no optimizing compilers): a few MB less memory for several times the CPU a message\n",
    );
  }
  return new Promise<number>(() => undefined); // runs until a signal
}

function displayHost(host: string): string {
  return host === '0.0.0.0' || host === '::' ? 'localhost' : host;
}
