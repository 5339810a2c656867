// `hearth device add <id> [--adapter …]`: issues MQTT credentials bound to one device, or a bridge's login limited to
// an adapter's topics (the password is shown once); on an external broker, how to create the login there.
import type { HearthConfig } from '../config/schema.js';
import { credentialTopics } from '../devices/adapters/index.js';
import { openDatabase } from '../store/database.js';
import { UserRepo } from '../store/user-repo.js';

export async function runDeviceAdd(config: HearthConfig, deviceId: string, adapter?: string): Promise<number> {
  const topics = adapter === undefined ? undefined : credentialTopics(config.adapters, adapter, deviceId);
  if (config.mqtt.url) {
    // The external broker owns the logins and the ACL: say how to make this device's there, rather than issue
    // credentials no broker would check.
    if (topics) {
      process.stdout.write(
        `On the broker at ${config.mqtt.url}, give the ${adapter} bridge "${deviceId}" a login of its own that may publish to ` +
          `${topics.publish.join(', ')} and subscribe to ${topics.subscribe.join(', ')} (and nothing else).\n`,
      );
      return 0;
    }
    const { mosquittoDeviceLogin } = await import('../bus/broker-logins.js');
    const text = mosquittoDeviceLogin(deviceId, config.mqtt.url);
    if (!text) {
      process.stderr.write(`hearth device add: "${deviceId}" is not a device id (1-64 characters a-z, 0-9, _ or -)\n`);
      return 2;
    }
    process.stdout.write(text);
    return 0;
  }
  const db = openDatabase(config.dataDir);
  try {
    const { username, password } = await new UserRepo(db).addDeviceCredential(deviceId, topics);
    const may = topics ? `; it may publish to ${topics.publish.join(', ')} and subscribe to ${topics.subscribe.join(', ')}` : '';
    process.stdout.write(
      `Device ${deviceId} may now connect with\n  username: ${username}\n  password: ${password}\n(the password is shown once${may})\n`,
    );
  } finally {
    db.close();
  }
  return 0;
}
