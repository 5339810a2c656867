// `hearth device add <id>`: issues MQTT credentials bound to one device (the password is shown once); on an external
// broker, how to create the device's login there.
import type { HearthConfig } from '../config/schema.js';
import { openDatabase } from '../store/database.js';
import { UserRepo } from '../store/user-repo.js';

export async function runDeviceAdd(config: HearthConfig, deviceId: string): Promise<number> {
  if (config.mqtt.url) {
    // The external broker owns the logins and the ACL: say how to make this device's there, rather than issue
    // credentials no broker would check.
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
    const { username, password } = await new UserRepo(db).addDeviceCredential(deviceId);
    process.stdout.write(`Device ${deviceId} may now connect with\n  username: ${username}\n  password: ${password}\n(the password is shown once)\n`);
  } finally {
    db.close();
  }
  return 0;
}
