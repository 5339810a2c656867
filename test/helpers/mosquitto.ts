// A real Mosquitto 2 (Debian's /usr/sbin/mosquitto) for tests: started on a free loopback port with a generated
// config, password file and ACL in a temp dir (never the system service), with persistence so that it can be stopped
// and started again with its sessions and queued messages, as a broker restart does.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { tempDir, waitFor } from './hub.js';

export const MOSQUITTO = '/usr/sbin/mosquitto';

export interface MosquittoUser {
  password: string;
  /** ACL lines for this user (`topic readwrite #`); a user without any may do nothing. */
  acl: string[];
}

export interface Mosquitto {
  url: string;
  port: number;
  dir: string;
  /** Mosquitto's log since it was first started (every restart appends). */
  log(): string;
  /** Adds a login and its ACL, and makes the running broker read them again. */
  addUser(name: string, user: MosquittoUser): Promise<void>;
  /** Makes the running broker read its password file and ACL again (SIGHUP, as `systemctl reload` does). */
  reload(): Promise<void>;
  /** SIGTERM: Mosquitto saves its sessions and queued messages and exits. */
  stop(): Promise<void>;
  /** Starts it again on the same port with what it saved. */
  start(): Promise<void>;
  readonly running: boolean;
}

/** The login the hub uses on the test broker: it may do anything, as the README tells users to set it up. */
export const HEARTH_USER = { name: 'hearth', password: 'hearth-broker-password' };

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function startMosquitto(users: Record<string, MosquittoUser> = {}): Promise<Mosquitto> {
  const dir = tempDir('hearth-mosquitto-');
  const port = await freePort();
  const passwd = join(dir, 'passwd');
  const acl = join(dir, 'acl');
  writeFileSync(passwd, '');
  writeFileSync(acl, '');
  const add = (name: string, user: MosquittoUser) => {
    const r = spawnSync('mosquitto_passwd', ['-b', passwd, name, user.password], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`mosquitto_passwd failed: ${r.stderr}`);
    appendFileSync(acl, `user ${name}\n${user.acl.join('\n')}\n\n`);
  };
  add(HEARTH_USER.name, { password: HEARTH_USER.password, acl: ['topic readwrite #'] });
  for (const [name, user] of Object.entries(users)) add(name, user);
  const conf = join(dir, 'mosquitto.conf');
  const logFile = join(dir, 'mosquitto.log');
  writeFileSync(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous false',
      `password_file ${passwd}`,
      `acl_file ${acl}`,
      'persistence true',
      `persistence_location ${dir}/`,
      // A file, not stdout: Mosquitto's stdout into a pipe is block-buffered, its log file is written line by line.
      `log_dest file ${logFile}`,
      'log_type all',
      'connection_messages true',
      'max_queued_messages 10000',
      // As the README configures it: without it Mosquitto holds a small message for the hub back (Nagle).
      'set_tcp_nodelay true',
      // As root (CI), Mosquitto would switch to the `mosquitto` user, who cannot read this temp dir.
      `user ${userInfo().username}`,
      '',
    ].join('\n'),
  );
  let out = '';
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const start = async () => {
    const proc = spawn(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    proc.stdout!.on('data', (d) => (out += d));
    proc.stderr!.on('data', (d) => (out += d));
    exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    void exited.then(() => {
      if (child === proc) child = undefined;
    });
    await waitFor(() => canConnect(port), `Mosquitto listening on port ${port}:\n${out}`, 10_000);
  };
  await start();
  const mosquitto: Mosquitto = {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    dir,
    log: () => out + (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
    async addUser(name, user) {
      add(name, user);
      await mosquitto.reload();
    },
    async reload() {
      const before = mosquitto.log().length;
      child?.kill('SIGHUP');
      await waitFor(() => mosquitto.log().slice(before).includes('Reloading config'), 'Mosquitto to reload its password file and ACL');
    },
    async stop() {
      if (!child) return;
      child.kill('SIGTERM');
      await exited;
    },
    start,
    get running() {
      return child !== undefined;
    },
  };
  stopAtExit.add(mosquitto);
  return mosquitto;
}

/** Brokers still running when the test file ends are stopped with it. */
const stopAtExit = new Set<Mosquitto>();
process.once('exit', () => {
  for (const m of stopAtExit) if (m.running) void m.stop();
});

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
