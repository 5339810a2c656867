// The dashboard's strip of who is home, in a real headless Chromium against a real hub: people appear from their
// OwnTracks phones' messages (fixtures/owntracks.ts), with home or away and since when, and change live when someone
// leaves or arrives; the strip passes axe's serious checks.
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, describeViolations, launchBrowser, loggedInPage, PHONE, seriousViolations } from '../helpers/browser.js';
import { ADMIN_PASSWORD, startTestHub, type TestHub } from '../helpers/hub.js';
import { HOME, location, transition } from '../devices/fixtures/owntracks.js';

let th: TestHub;
let browser: Browser;
let page: Page;
let phones: MqttClient;
const t0 = Math.floor(Date.now() / 1000) - 600;
const send = (topic: string, body: object) =>
  phones.publishAsync(topic, JSON.stringify(body), { qos: 1, retain: !topic.endsWith('/event') });

beforeAll(async () => {
  th = await startTestHub({ overrides: { 'adapters.owntracks.home': { ...HOME, radius: 100 } } });
  phones = await th.connect({ clientId: 'phones' });
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await th?.stop(true);
});

describe('who is home', () => {
  it('shows each person home or away, with since when', async () => {
    await send('owntracks/alice/phone', location({ metres: 5000, tst: t0 }));
    await send('owntracks/bob/phone', location({ metres: 15, tst: t0 }));
    page = await loggedInPage(browser, th, 'admin', ADMIN_PASSWORD);
    const strip = page.locator('section.people');
    await strip.locator('[data-person=person_bob].home').waitFor();
    expect(await strip.locator('.people-summary').textContent()).toBe('1 of 2 home');
    expect(await strip.locator('[data-person=person_alice]').textContent()).toBe('Aaliceawaysince 10 min ago');
    expect(await strip.locator('[data-person=person_bob] .where').textContent()).toBe('home');
    expect(describeViolations(await seriousViolations(page))).toEqual([]);
  });

  it('changes live when someone leaves, down to "Nobody is home", and back when someone arrives', async () => {
    await send('owntracks/bob/phone/event', transition('leave', t0 + 300));
    await page.locator('[data-person=person_bob].away').waitFor();
    expect(await page.locator('.people-summary').textContent()).toBe('Nobody is home');
    await send('owntracks/alice/phone/event', transition('enter', Math.floor(Date.now() / 1000)));
    await page.locator('[data-person=person_alice].home').waitFor();
    expect(await page.locator('[data-person=person_alice] .since').textContent()).toBe('since just now');
    await page.screenshot({ path: join(ARTIFACTS, 'people-strip.png') });
  });

  it('fits a phone screen', async () => {
    const small = await loggedInPage(browser, th, 'admin', ADMIN_PASSWORD, { viewport: PHONE });
    await small.locator('section.people [data-person=person_alice]').waitFor();
    const overflow = await small.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await small.screenshot({ path: join(ARTIFACTS, 'people-strip-phone.png') });
    await small.close();
  });
});
