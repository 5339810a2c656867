// `hearth device add <id>`: issues MQTT credentials bound to one device; the password is shown once.
import type { HearthConfig } from '../config/schema.js';
import { openDatabase } from '../store/database.js';
import { UserRepo } from '../store/user-repo.js';

export async function runDeviceAdd(config: HearthConfig, deviceId: string): Promise<number> {
  const db = openDatabase(config.dataDir);
  try {
    const { username, password } = await new UserRepo(db).addDeviceCredential(deviceId);
    process.stdout.write(`Device ${deviceId} may now connect with\n  username: ${username}\n  password: ${password}\n(the password is shown once)\n`);
  } finally {
    db.close();
  }
  return 0;
}
