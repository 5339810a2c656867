// Devices over HTTP: list and read, rename and room, delete (with retained topics), and commands that reach the device.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { http, startTestHub, waitFor, type TestHub } from '../helpers/hub.js';
import { basic, inject } from './support.js';

let th: TestHub;
let bathroom: MqttClient;
const VIEWER = basic('vic', 'vic-password');
beforeAll(async () => {
  th = await startTestHub();
  await th.hub.users.setUser('vic', 'vic-password', 'viewer');
  bathroom = await th.connect({ clientId: 'bath' });
  await bathroom.publishAsync('home/bathroom/status', 'online', { qos: 1, retain: true });
  await bathroom.publishAsync('home/bathroom/humidity', '64', { qos: 1, retain: true });
  await waitFor(() => th.hub.registry.has('bathroom') && th.hub.registry.get('bathroom').properties.humidity, 'bathroom');
});
afterAll(async () => {
  await th.stop(true);
});

describe('reading devices', () => {
  it('is healthy once ready, without credentials', async () => {
    const res = await http(th, 'GET', '/healthz', undefined, null);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ status: 'ok' });
  });

  it('lists devices with online state, last seen and latest properties', async () => {
    const res = await http(th, 'GET', '/api/devices', undefined, VIEWER);
    expect(res.status).toBe(200);
    const d = res.json.find((x: any) => x.id === 'bathroom');
    expect(d).toMatchObject({
      id: 'bathroom',
      name: null,
      room: null,
      description: null,
      source: 'home',
      model: null,
      manufacturer: null,
      online: true,
      status: 'online',
      problems: [],
    });
    // A device that says nothing of itself gets capabilities inferred from its property names and values.
    expect(d.properties.humidity).toEqual({
      value: 64,
      updatedAt: expect.any(String),
      type: 'number',
      unit: '%',
      deviceClass: 'humidity',
      settable: false,
    });
    expect(Date.parse(d.lastSeen)).toBeGreaterThan(Date.now() - 60_000);
    expect(Date.parse(d.properties.humidity.updatedAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(Object.keys(d).sort()).toEqual([
      'createdAt',
      'description',
      'id',
      'lastSeen',
      'manufacturer',
      'model',
      'name',
      'online',
      'problems',
      'properties',
      'room',
      'source',
      'status',
    ]);
  });

  it('reads one device; an unknown id answers 404, a malformed one 400 naming the field', async () => {
    expect((await http(th, 'GET', '/api/devices/bathroom')).json.id).toBe('bathroom');
    const missing = await http(th, 'GET', '/api/devices/garage');
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({ code: 'HEARTH_DEVICE_NOT_FOUND', message: 'No device with id "garage"' });
    const bad = await http(th, 'GET', '/api/devices/Garage%20Door');
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ code: 'HEARTH_VALIDATION', field: 'params.id' });
  });

  it('answers 401 without credentials or with a wrong password', async () => {
    expect((await http(th, 'GET', '/api/devices', undefined, null)).json.code).toBe('HEARTH_UNAUTHORIZED');
    expect((await http(th, 'GET', '/api/devices', undefined, basic('admin', 'wrong-password'))).status).toBe(401);
    th.hub.limiter.succeed(['ip:127.0.0.1']);
  });
});

describe('editing devices', () => {
  it('renames a device and sets its room and description; null clears', async () => {
    const res = await http(th, 'PATCH', '/api/devices/bathroom', {
      name: 'Bathroom sensor',
      room: 'Bathroom',
      description: 'Above the mirror',
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      id: 'bathroom',
      name: 'Bathroom sensor',
      room: 'Bathroom',
      description: 'Above the mirror',
      properties: { humidity: { value: 64, type: 'number' } },
      problems: [],
    });
    expect((await http(th, 'PATCH', '/api/devices/bathroom', { description: null })).json).toMatchObject({
      room: 'Bathroom',
      description: null,
    });
    expect((await http(th, 'PATCH', '/api/devices/bathroom', { description: 'x' })).json.description).toBe('x');
    expect((await http(th, 'PATCH', '/api/devices/bathroom', { description: '' })).json.description).toBe(null);
    th.hub.writes.flush();
    expect(th.hub.db.prepare('SELECT name, room FROM devices WHERE id = ?').get('bathroom')).toEqual({
      name: 'Bathroom sensor',
      room: 'Bathroom',
    });
  });

  it('rejects bad edits naming the field; unknown device 404; viewer 403', async () => {
    expect((await http(th, 'PATCH', '/api/devices/bathroom', { colour: 'red' })).json).toEqual({
      code: 'HEARTH_VALIDATION',
      message: 'body.colour is not a known field',
      field: 'body.colour',
    });
    const tooLong = await http(th, 'PATCH', '/api/devices/bathroom', { name: 'x'.repeat(101) });
    expect(tooLong.status).toBe(400);
    expect(tooLong.json.field).toBe('body.name');
    expect((await http(th, 'PATCH', '/api/devices/bathroom', {})).status).toBe(400);
    expect((await http(th, 'PATCH', '/api/devices/garage', { name: 'Garage' })).status).toBe(404);
    expect((await http(th, 'PATCH', '/api/devices/bathroom', { name: 'Mine now' }, VIEWER)).status).toBe(403);
    expect(th.hub.registry.get('bathroom').name).toBe('Bathroom sensor');
  });
});

describe('commands', () => {
  it('POST …/:property/set publishes home/:id/:property/set un-retained at QoS 1 and answers 202 once accepted', async () => {
    const lamp = await th.connect({ clientId: 'lamp' });
    await lamp.publishAsync('home/lamp/power', 'off', { qos: 1, retain: true });
    await waitFor(() => th.hub.registry.has('lamp'), 'lamp');
    const received: Array<{ topic: string; payload: string; retain: boolean; qos: number }> = [];
    lamp.on('message', (topic, payload, packet) =>
      received.push({ topic, payload: payload.toString(), retain: packet.retain, qos: packet.qos }),
    );
    await lamp.subscribeAsync('home/lamp/+/set', { qos: 1 });
    const res = await http(th, 'POST', '/api/devices/lamp/power/set', { value: 'on' });
    expect(res.status).toBe(202);
    expect(res.json).toEqual({ topic: 'home/lamp/power/set', payload: 'on' });
    const brightness = await http(th, 'POST', '/api/devices/lamp/brightness/set', { value: 75 });
    expect(brightness.json.payload).toBe('75');
    await http(th, 'POST', '/api/devices/lamp/colour/set', { value: { r: 255, g: 0, b: 0 } });
    await waitFor(() => received.length === 3, 'three commands');
    expect(received).toEqual([
      { topic: 'home/lamp/power/set', payload: 'on', retain: false, qos: 1 },
      { topic: 'home/lamp/brightness/set', payload: '75', retain: false, qos: 1 },
      { topic: 'home/lamp/colour/set', payload: '{"r":255,"g":0,"b":0}', retain: false, qos: 1 },
    ]);
    // Never retained: a client subscribing later gets nothing.
    const late = await th.connect();
    const replayed: string[] = [];
    late.on('message', (t) => replayed.push(t));
    await late.subscribeAsync('home/lamp/+/set', { qos: 1 });
    await new Promise((r) => setTimeout(r, 150));
    expect(replayed).toEqual([]);
  });

  it('unknown device 404, missing value 400, viewer 403', async () => {
    const missing = await http(th, 'POST', '/api/devices/nope/power/set', { value: 1 });
    expect(missing.status).toBe(404);
    expect(missing.json.code).toBe('HEARTH_DEVICE_NOT_FOUND');
    expect((await http(th, 'POST', '/api/devices/lamp/power/set', {})).json).toEqual({
      code: 'HEARTH_VALIDATION',
      message: 'body.value is required',
      field: 'body.value',
    });
    expect((await http(th, 'POST', '/api/devices/lamp/Power!/set', { value: 1 })).json.field).toBe('params.property');
    expect((await http(th, 'POST', '/api/devices/lamp/power/set', { value: 'on' }, VIEWER)).status).toBe(403);
  });
});

describe('deleting devices', () => {
  it('forgets the device, its history and its retained topics', async () => {
    const c = await th.connect({ clientId: 'shed' });
    await c.publishAsync('home/shed/temperature', '12.5', { qos: 1, retain: true });
    await c.publishAsync('home/shed/status', 'online', { qos: 1, retain: true });
    await waitFor(() => th.hub.registry.has('shed') && th.hub.registry.get('shed').properties.temperature, 'shed');
    expect((await http(th, 'DELETE', '/api/devices/shed', undefined, VIEWER)).status).toBe(403);
    const res = await inject(th, { method: 'DELETE', url: '/api/devices/shed' });
    expect(res.status).toBe(204);
    expect(res.body).toBe('');
    expect((await http(th, 'GET', '/api/devices/shed')).status).toBe(404);
    expect((await http(th, 'DELETE', '/api/devices/shed')).status).toBe(404);
    th.hub.writes.flush();
    expect(th.hub.db.prepare("SELECT count(*) AS n FROM history_series WHERE device_id = 'shed'").get()).toEqual({ n: 0 });
    const fresh = await th.connect();
    const retained: string[] = [];
    fresh.on('message', (t) => retained.push(t));
    await fresh.subscribeAsync('home/shed/#');
    await new Promise((r) => setTimeout(r, 150));
    expect(retained).toEqual([]);
  });
});
