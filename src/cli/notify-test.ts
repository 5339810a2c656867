// `hearth notify test [channel]`: sends a test notification to one channel (even a disabled one) or every enabled
// one, straight from the command line (the hub may run or not), and prints what each service answered.
import type { HearthConfig } from '../config/schema.js';
import { HearthError } from '../shared/errors.js';
import { systemClock } from '../shared/clock.js';
import { createLogger } from '../shared/logger.js';
import { openDatabase } from '../store/database.js';
import { buildChannels } from '../notify/channels.js';
import { NotificationCentre } from '../notify/notification-centre.js';
import { Notifier } from '../notify/notifier.js';
import type { Out } from './output.js';

export async function runNotifyTest(
  config: HearthConfig,
  channel: string | undefined,
  out: Out,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  // The dashboard channel writes into the hub's database; an open dashboard shows it when it next loads the list.
  const db = openDatabase(config.dataDir);
  const notifier = new Notifier({
    channels: buildChannels(config.notify, { env, centre: new NotificationCentre(db) }),
    clock: systemClock,
    logger: createLogger({ level: 'silent' }),
    retryForMs: 0,
  });
  try {
    if (channel !== undefined && !notifier.channelNames.includes(channel)) {
      throw new HearthError('HEARTH_NOT_FOUND', {
        message: `no notification channel named "${channel}" (configured: ${notifier.channelNames.join(', ')})`,
      });
    }
    const results = await notifier.test(channel);
    if (results.length === 0) out('No channel is enabled: configure notify.channels (see the README, "Getting alerts on your phone").');
    for (const r of results)
      out(`${r.channel} (${r.type ?? 'unknown'}): ${r.status === 'delivered' ? 'delivered' : 'FAILED'} — ${r.detail}`);
    const failed = results.filter((r) => r.status !== 'delivered').length;
    if (results.length > 0) out(failed ? `${failed} of ${results.length} channel(s) failed` : `${results.length} channel(s) answered`);
    return failed ? 1 : 0;
  } finally {
    await notifier.stop();
    db.close();
  }
}
