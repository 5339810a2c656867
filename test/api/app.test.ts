// buildApi on its own: it never listens, and a route that crashes answers 500 HEARTH_INTERNAL and is logged (the hub's
// logger, not a console).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../../src/api/app.js';
import type { ApiContext } from '../../src/api/context.js';
import type { DeviceRegistry } from '../../src/devices/device-registry.js';
import { EventBus } from '../../src/shared/event-bus.js';
import { LoginLimiter } from '../../src/shared/login-limiter.js';
import { createMemoryLogger } from '../../src/shared/logger.js';
import { Metrics } from '../../src/shared/metrics.js';
import { openDatabase, type Database } from '../../src/store/database.js';
import { HistoryRepo } from '../../src/store/history-repo.js';
import { SessionRepo } from '../../src/store/session-repo.js';
import { UserRepo } from '../../src/store/user-repo.js';
import { tempDir } from '../helpers/hub.js';
import { basic } from './support.js';

let app: FastifyInstance;
let db: Database;
const logger = createMemoryLogger();
beforeAll(async () => {
  db = openDatabase(tempDir());
  const users = new UserRepo(db);
  await users.setUser('admin', 'admin-password', 'admin');
  const registry = {
    list: () => {
      throw new Error('disk on fire');
    },
    onlineDeviceIds: () => [],
  } as unknown as DeviceRegistry;
  const ctx: ApiContext = {
    registry,
    users,
    sessions: new SessionRepo(db),
    history: new HistoryRepo(db),
    limiter: new LoginLimiter(),
    bus: { publish: async () => undefined, subscribe: async () => async () => undefined } as unknown as ApiContext['bus'],
    events: new EventBus(logger),
    metrics: new Metrics(),
    logger,
    isReady: () => true,
  };
  app = await buildApi(ctx);
});
afterAll(async () => {
  await app.close();
  db.close();
});

describe('buildApi', () => {
  it('never listens: the hub does', () => {
    expect(app.server.listening).toBe(false);
  });

  it('a crashing route answers 500 HEARTH_INTERNAL without its details, and the error is logged', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/devices?x=1', headers: { authorization: basic('admin', 'admin-password') } });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ code: 'HEARTH_INTERNAL', message: 'Internal error' });
    expect(logger.lines.some((l) => l.includes('GET /api/devices failed: Error: disk on fire'))).toBe(true);
    expect(logger.lines.join('\n')).not.toContain('admin-password');
  });
});
