// `hearth user add <name>`: creates a user or resets its password (given, read from stdin, or generated and shown
// once); a reset ends the user's login sessions.
import type { HearthConfig } from '../config/schema.js';
import { generatePassword } from '../shared/password.js';
import { openDatabase } from '../store/database.js';
import { SessionRepo } from '../store/session-repo.js';
import { UserRepo, type Role } from '../store/user-repo.js';

export async function runUserAdd(config: HearthConfig, name: string, role: Role, given: string | undefined): Promise<number> {
  const supplied = given ?? (process.stdin.isTTY ? undefined : await readLine());
  const password = supplied ?? generatePassword();
  const db = openDatabase(config.dataDir);
  let ended = 0;
  try {
    const users = new UserRepo(db);
    const existed = Boolean(users.getUser(name));
    await users.setUser(name, password, role);
    // As the API's password change does: whoever knew the old password may hold a login; end them all (a running
    // hub sees it at the next request, and stops accepting the old password at once).
    if (existed) ended = new SessionRepo(db).deleteUserSessions(name);
  } finally {
    db.close();
  }
  process.stdout.write(
    `User ${name} (${role}) saved${supplied ? '' : ` with password: ${password} (shown once)`}` +
      (ended > 0 ? `; ${ended} login session${ended === 1 ? '' : 's'} with the old password ended` : '') +
      '\n',
  );
  return 0;
}

async function readLine(): Promise<string | undefined> {
  const { createInterface } = await import('node:readline'); // loaded here, not in every hub
  const rl = createInterface({ input: process.stdin });
  for await (const line of rl) {
    rl.close();
    return line.trim() || undefined;
  }
  return undefined;
}
