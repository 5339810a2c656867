// E-mail against a real SMTP server started by the test (smtp-server, from nodemailer's authors): STARTTLS and
// implicit TLS with a certificate the channel is told to trust, login, what the mailbox receives, and refusals.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Value } from '@sinclair/typebox/value';
import { buildChannels } from '../../src/notify/channels.js';
import { NotifyConfigSchema, type NotifyConfig } from '../../src/notify/config-schema.js';
import { Notifier } from '../../src/notify/notifier.js';
import { FakeClock } from '../../src/shared/clock.js';
import { createMemoryLogger } from '../../src/shared/logger.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/hub.js';

interface Received {
  from: string;
  to: string[];
  user: string | undefined;
  secure: boolean;
  raw: string;
}

let certDir: string;
beforeAll(() => {
  certDir = tempDir('hearth-smtp-');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      join(certDir, 'key.pem'),
      '-out',
      join(certDir, 'cert.pem'),
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
});

const servers: SMTPServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((r) => s.close(() => r()))));
});

/** An SMTP server on a free port that accepts `hearth` / `mail-password` and keeps what it receives. */
async function startSmtp(options: Partial<SMTPServerOptions> = {}): Promise<{ port: number; received: Received[] }> {
  const received: Received[] = [];
  const server = new SMTPServer({
    key: readFileSync(join(certDir, 'key.pem')),
    cert: readFileSync(join(certDir, 'cert.pem')),
    authMethods: ['PLAIN', 'LOGIN'],
    onAuth(auth, _session, callback) {
      if (auth.username === 'hearth' && auth.password === 'mail-password') return callback(null, { user: auth.username });
      callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onRcptTo(address, _session, callback) {
      if (address.address.startsWith('nobody@')) return callback(Object.assign(new Error('No such mailbox'), { responseCode: 550 }));
      callback();
    },
    onData(stream, session, callback) {
      let raw = '';
      stream.on('data', (d: Buffer) => (raw += d.toString()));
      stream.on('end', () => {
        received.push({
          from: (session.envelope.mailFrom as { address: string }).address,
          to: session.envelope.rcptTo.map((r) => r.address),
          user: session.user as string | undefined,
          secure: session.secure,
          raw,
        });
        callback();
      });
    },
    logger: false,
    ...options,
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { port: (server.server.address() as AddressInfo).port, received };
}

function emailNotifier(channel: object) {
  const passwordFile = join(certDir, 'smtp-password');
  writeFileSync(passwordFile, 'mail-password\n');
  const config = Value.Default(NotifyConfigSchema, {
    channels: {
      mail: {
        type: 'email',
        host: '127.0.0.1',
        username: 'hearth',
        passwordFile,
        from: 'Hearth <hearth@home.example>',
        to: ['me@home.example', 'partner@home.example'],
        ca: join(certDir, 'cert.pem'),
        ...channel,
      },
    },
  }) as NotifyConfig;
  const logger = createMemoryLogger();
  return {
    notifier: new Notifier({ channels: buildChannels(config, { env: {} }), clock: new FakeClock(), logger, retryForMs: 3_600_000 }),
    logs: logger.lines,
  };
}

describe('email', () => {
  it('sends over STARTTLS after logging in: the mailbox gets the title as subject and the message as text', async () => {
    const smtp = await startSmtp();
    const { notifier, logs } = emailNotifier({ port: smtp.port, security: 'starttls' });
    const [result] = await notifier.notify({
      title: 'Front door open',
      message: 'The front door has been open for 10 minutes',
      priority: 'urgent',
    });
    expect(result).toMatchObject({ channel: 'mail', type: 'email', status: 'delivered' });
    expect(result!.detail).toMatch(new RegExp(`^accepted by 127\\.0\\.0\\.1:${smtp.port}: 250 OK`));
    expect(smtp.received).toHaveLength(1);
    const mail = smtp.received[0]!;
    expect(mail).toMatchObject({
      from: 'hearth@home.example',
      to: ['me@home.example', 'partner@home.example'],
      user: 'hearth',
      secure: true,
    });
    expect(mail.raw).toMatch(/^Subject: Front door open\r$/m);
    expect(mail.raw).toMatch(/^X-Priority: 1 \(Highest\)\r$/m);
    expect(mail.raw).toContain('The front door has been open for 10 minutes');
    expect(logs.join('\n')).not.toContain('mail-password');
    await notifier.stop();
  });

  it('sends over implicit TLS (port 465 style)', async () => {
    const smtp = await startSmtp({ secure: true });
    const { notifier } = emailNotifier({ port: smtp.port, security: 'tls' });
    const [result] = await notifier.notify({ message: 'Smoke alarm in the hallway', priority: 'urgent' });
    expect(result!.status).toBe('delivered');
    expect(smtp.received[0]!.secure).toBe(true);
    expect(smtp.received[0]!.raw).toMatch(/^Subject: Hearth\r$/m);
    await notifier.stop();
  });

  it('a refused login is retried (the password may be fixed); a refused mailbox is given up at once', async () => {
    const smtp = await startSmtp();
    const wrong = join(certDir, 'wrong-password');
    writeFileSync(wrong, 'guess');
    const { notifier } = emailNotifier({ port: smtp.port, passwordFile: wrong });
    const [login] = await notifier.notify({ message: 'x', priority: 'normal' });
    expect(login!.status).toBe('retrying');
    expect(login!.detail).toMatch(
      new RegExp(`^127\\.0\\.0\\.1:${smtp.port} refused the login: 535 Invalid username or password; retrying in 15 s`),
    );
    await notifier.stop();
    const { notifier: second } = emailNotifier({ port: smtp.port, to: 'nobody@home.example' });
    const [mailbox] = await second.notify({ message: 'x', priority: 'normal' });
    expect(mailbox!.status).toBe('failed');
    expect(mailbox!.detail).toContain('550 No such mailbox; given up');
    expect(smtp.received).toHaveLength(0);
    await second.stop();
  });

  it('will not send a password over a connection that does not turn to TLS', async () => {
    const smtp = await startSmtp({ disabledCommands: ['STARTTLS'], allowInsecureAuth: true });
    const { notifier } = emailNotifier({ port: smtp.port, security: 'starttls' });
    const [result] = await notifier.notify({ message: 'x', priority: 'normal' });
    expect(result!.status).toBe('retrying');
    expect(result!.detail).toMatch(/^TLS with 127\.0\.0\.1:\d+ failed: Error upgrading connection with STARTTLS: 500/);
    expect(smtp.received).toHaveLength(0);
    await notifier.stop();
  });
});

describe('hearth notify test (the bundled command, which loads the e-mail library only when it sends)', () => {
  it('sends a test e-mail over STARTTLS and prints what the server answered', async () => {
    const smtp = await startSmtp();
    const dir = tempDir();
    const config = join(dir, 'hearth.yaml');
    writeFileSync(join(dir, 'smtp-password'), 'mail-password\n');
    writeFileSync(
      config,
      'notify:\n  channels:\n    mail:\n      type: email\n      host: 127.0.0.1\n' +
        `      port: ${smtp.port}\n      security: starttls\n      username: hearth\n      passwordFile: ${join(dir, 'smtp-password')}\n` +
        `      ca: ${join(certDir, 'cert.pem')}\n      from: hearth@home.example\n      to: [me@home.example]\n`,
    );
    const run = await runCli(['notify', 'test', 'mail', '--config', config], { HEARTH_DATA_DIR: join(dir, 'data') });
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(new RegExp(`^mail \\(email\\): delivered — accepted by 127\\.0\\.0\\.1:${smtp.port}: 250 OK`));
    expect(run.code).toBe(0);
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0]).toMatchObject({ user: 'hearth', secure: true, to: ['me@home.example'] });
  });
});
