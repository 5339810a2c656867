// Bad HTTP input: path traversal on static files, the API docs and rule ids, oversized and malformed bodies. Each
// gets a clear 4xx; nothing outside the hub's directories is read or written.
import { readdirSync } from 'node:fs';
import { request } from 'node:http';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../helpers/hub.js';

let th: TestHub;
beforeAll(async () => {
  th = await startTestHub();
});
afterAll(() => th.stop(true));

/** A request with the path sent exactly as given (fetch and URL would normalise the dots away). */
function raw(method: string, path: string, body?: string, contentType = 'application/json'): Promise<{ status: number; text: string }> {
  const url = new URL(th.httpUrl);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        headers: { authorization: th.auth, ...(body !== undefined ? { 'content-type': contentType } : {}) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode!, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const SECRETS = [/root:.*:0:0:/, /"name":\s*"hearth"/, /"devDependencies"/];

describe('path traversal', () => {
  const paths = [
    '/../../../../etc/passwd',
    '/assets/../../../../etc/passwd',
    '/assets/..%2f..%2f..%2f..%2fetc%2fpasswd',
    '/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
    '/assets/%2e%2e%2f%2e%2e%2fpackage.json',
    '/docs/static/../../../../package.json',
    '/docs/static/..%2f..%2f..%2f..%2fpackage.json',
    '/docs/static/%2e%2e%2f%2e%2e%2f%2e%2e%2fpackage.json',
    '/api/rules/..%2f..%2f..%2fetc%2fpasswd',
    '/api/devices/..%2f..%2fetc/history/passwd',
  ];
  it.each(paths)('GET %s answers 4xx and reveals nothing', async (path) => {
    const res = await raw('GET', path);
    expect(res.status, res.text.slice(0, 200)).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    for (const secret of SECRETS) expect(res.text).not.toMatch(secret);
  });

  it('rule ids that climb out of the rules dir are refused, and no file is written outside it', async () => {
    const parent = dirname(th.hub.config.rulesDir);
    const before = readdirSync(parent).sort();
    const yaml = (id: string) =>
      JSON.stringify({
        yaml: `id: ${JSON.stringify(id)}\ntriggers: [{ trigger: mqtt, topic: home/x/y }]\nactions: [{ action: log, message: hi }]\n`,
      });

    const climbing = await raw('PUT', '/api/rules/..%2f..%2fevil', yaml('../../evil'));
    expect(climbing.status).toBe(400);
    expect(JSON.parse(climbing.text)).toMatchObject({ code: 'HEARTH_VALIDATION', field: 'params.id' });
    const inBody = await raw('PUT', '/api/rules/fine', yaml('../../evil'));
    expect(inBody.status).toBe(400);
    expect((await raw('DELETE', '/api/rules/..%2f..%2fhearth.db')).status).toBe(400);
    expect((await raw('POST', '/api/rules/..%2f..%2fx/run')).status).toBe(400);

    expect(readdirSync(parent).sort()).toEqual(before);
    expect(readdirSync(th.hub.config.rulesDir).filter((n) => n.includes('evil'))).toEqual([]);
    expect(readdirSync(join(th.dataDir)).filter((n) => n.includes('evil'))).toEqual([]);
  });
});

describe('bodies', () => {
  it('an oversized body answers 413, malformed JSON 400, a wrong type 400 naming the field; the hub carries on', async () => {
    const big = await raw('PUT', '/api/rules/big', JSON.stringify({ yaml: 'x'.repeat(400_000) }));
    expect(big.status).toBe(413);
    expect(JSON.parse(big.text).code).toBe('HEARTH_PAYLOAD_TOO_LARGE');
    const malformed = await raw('POST', '/api/devices/lamp/power/set', '{"value": ');
    expect(malformed.status).toBe(400);
    expect(JSON.parse(malformed.text).code).toBe('HEARTH_VALIDATION');
    const wrongType = await raw('PATCH', '/api/devices/lamp', JSON.stringify({ room: 42 }));
    expect([400, 404]).toContain(wrongType.status);
    const notJson = await raw('POST', '/api/login', 'username=admin', 'application/x-www-form-urlencoded');
    expect(notJson.status).toBe(415);
    expect((await raw('GET', '/healthz')).status).toBe(200);
  });
});
