// From the `notify:` configuration to channels: each checked against its type's schema, secrets read from the
// environment or a file, every problem reported at once (HEARTH_CONFIG_INVALID) before the hub starts.
import { readFileSync } from 'node:fs';
import { Value } from '@sinclair/typebox/value';
import { describeProblem } from '../config/load-config.js';
import { HearthError } from '../shared/errors.js';
import { channelSchema, type ChannelConfig, type NotifyConfig } from './config-schema.js';
import { emailChannel } from './email-channel.js';
import { gotifyChannel, ntfyChannel, webhookChannel, type ChannelBase } from './http-channels.js';
import { dashboardChannel, type NotificationCentre } from './notification-centre.js';
import type { Channel } from './types.js';

export interface ChannelSources {
  env: NodeJS.ProcessEnv;
  /** The dashboard's notification centre; without it (no database) no dashboard channel is made. */
  centre?: NotificationCentre;
}

/** Builds every configured channel, plus a `dashboard` channel unless one of that type (or that name) is configured. */
export function buildChannels(config: NotifyConfig, sources: ChannelSources): Channel[] {
  const problems: string[] = [];
  const entries = Object.entries(config.channels) as Array<[string, Record<string, unknown>]>;
  if (!entries.some(([name, c]) => c.type === 'dashboard' || name === 'dashboard')) entries.push(['dashboard', { type: 'dashboard' }]);
  const channels: Channel[] = [];
  for (const [name, raw] of entries) {
    const where = `notify.channels.${name}`;
    const before = problems.length;
    const schema = channelSchema(String(raw.type));
    if (!schema) continue; // the configuration's own check names a bad type
    for (const error of Value.Errors(schema, raw)) {
      const key = `${where}.${error.path.replace(/^\//, '').replace(/\//g, '.')}`;
      problems.push(describeProblem(key, error, undefined));
    }
    if (problems.length > before) continue;
    const c = raw as ChannelConfig;
    const secret = (key: 'token' | 'password' | 'url') => readSecret(c as Record<string, unknown>, key, where, sources.env, problems);
    const base: ChannelBase = {
      name,
      type: c.type,
      enabled: c.enabled ?? true,
      minPriority: c.minPriority ?? 'low',
      maxPerMinute: c.maxPerMinute ?? config.maxPerMinute,
    };
    const channel = makeChannel(c, base, secret, sources, (p) => problems.push(`${where}${p}`));
    if (channel && problems.length === before) channels.push(channel);
  }
  if (problems.length > 0)
    throw new HearthError('HEARTH_CONFIG_INVALID', { problems: problems.map((p) => `  - ${p}`).join('\n') }, { problems });
  return channels;
}

function makeChannel(
  c: ChannelConfig,
  base: ChannelBase,
  secret: (key: 'token' | 'password' | 'url') => string | undefined,
  sources: ChannelSources,
  problem: (text: string) => void,
): Channel | undefined {
  switch (c.type) {
    case 'ntfy': {
      const password = secret('password');
      if (password !== undefined && !c.username) problem(': username is needed with a password (or tokenEnv, for an access token)');
      return ntfyChannel(base, {
        url: c.url ?? 'https://ntfy.sh',
        topic: c.topic,
        token: secret('token'),
        username: c.username,
        password,
        tags: c.tags,
        click: c.click,
        timeoutMs: c.timeoutMs,
      });
    }
    case 'gotify': {
      const token = secret('token');
      if (!c.tokenEnv && !c.tokenFile) problem(": tokenEnv or tokenFile is needed (the gotify application's token)");
      return gotifyChannel(base, { url: c.url, token: token ?? '', timeoutMs: c.timeoutMs });
    }
    case 'webhook': {
      const fromSecret = secret('url');
      if (c.url === undefined && !c.urlEnv && !c.urlFile)
        problem(': url is needed (or urlEnv / urlFile, for a URL that is itself a secret)');
      else if (c.url !== undefined && (c.urlEnv || c.urlFile)) problem(': url and urlEnv / urlFile are both given; keep one');
      const url = c.url ?? fromSecret;
      if (url !== undefined && !/^https?:\/\/\S+$/.test(url))
        problem(`.${c.urlEnv ? 'urlEnv' : 'urlFile'} must hold an http:// or https:// URL`);
      return webhookChannel(base, {
        url: url ?? 'http://invalid',
        preset: c.preset ?? 'json',
        headers: c.headers,
        token: secret('token'),
        timeoutMs: c.timeoutMs,
      });
    }
    case 'email': {
      const password = secret('password');
      if (password !== undefined && !c.username) problem(': username is needed with a password');
      if (c.ca) {
        try {
          readFileSync(c.ca);
        } catch (err) {
          problem(`.ca ${c.ca} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
          return undefined;
        }
      }
      return emailChannel(base, {
        host: c.host,
        port: c.port,
        security: c.security ?? 'starttls',
        username: c.username,
        password,
        from: c.from,
        to: Array.isArray(c.to) ? c.to : [c.to],
        ca: c.ca,
        timeoutMs: c.timeoutMs,
      });
    }
    case 'dashboard':
      return sources.centre ? dashboardChannel(base, sources.centre) : undefined;
  }
}

/** A secret from `<key>Env` (an environment variable) or `<key>File` (a file, trailing newline dropped); never from the config itself. */
function readSecret(
  c: Record<string, unknown>,
  key: string,
  where: string,
  env: NodeJS.ProcessEnv,
  problems: string[],
): string | undefined {
  const envName = c[`${key}Env`] as string | undefined;
  const file = c[`${key}File`] as string | undefined;
  if (envName && file) {
    problems.push(`${where}: give ${key}Env or ${key}File, not both`);
    return undefined;
  }
  if (envName) {
    const value = env[envName];
    if (value === undefined || value === '') problems.push(`${where}.${key}Env names ${envName}, which is not set in the environment`);
    return value || undefined;
  }
  if (file) {
    try {
      return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      problems.push(`${where}.${key}File ${file} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  return undefined;
}
