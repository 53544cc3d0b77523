// "Create an account" and "Connect this browser": the pure helpers, and the service
// worker's handlers against a fake server (start → pending → approved → key stored once).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { browserLabel, challengeFor, cleanStart, newVerifier } from '../lib/connect.js';
import { createService } from '../lib/service.js';
import { fakeBrowser, fakeFetch, json } from './helpers.js';

const BASE = 'http://localhost:5000';
const START = {
  connection_id: 'bc_abcdefghijklmnopqrstuvwxyz',
  user_code: 'BCDF-GHJK',
  verification_url: `${BASE}/connect/bc_abcdefghijklmnopqrstuvwxyz`,
  expires_in: 600,
  interval: 2,
};

describe('connect helpers', () => {
  it('verifier and challenge follow RFC 7636 (S256)', async () => {
    const verifier = newVerifier();
    assert.match(verifier, /^[A-Za-z0-9_-]{64}$/);
    const expected = createHash('sha256').update(verifier).digest('base64url');
    assert.equal(await challengeFor(verifier), expected);
    assert.notEqual(newVerifier(), verifier);
  });

  it('labels the browser by name and system only', () => {
    const table = [
      ['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36', 'Chrome on Linux'],
      ['Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0', 'Firefox on Windows'],
      ['Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/537.36 Chrome/130.0 Safari/537.36 Edg/130.0', 'Edge on macOS'],
      ['', 'Browser'],
    ];
    for (const [ua, label] of table) assert.equal(browserLabel(ua), label, ua);
  });

  it('refuses an approval page on another server', () => {
    assert.equal(cleanStart(START, BASE).userCode, 'BCDF-GHJK');
    assert.throws(() => cleanStart({ ...START, verification_url: 'https://evil.example/connect/x' }, BASE));
    assert.throws(() => cleanStart({ ...START, verification_url: 'javascript:alert(1)' }, BASE));
    assert.throws(() => cleanStart({ ...START, user_code: '<b>' }, BASE));
  });
});

async function setup(tokenAnswers) {
  const fake = await fakeBrowser();
  const session = {};
  const opened = [];
  fake.api.storage.session = {
    async get(key) {
      return key in session ? { [key]: structuredClone(session[key]) } : {};
    },
    async set(items) {
      Object.assign(session, structuredClone(items));
    },
    async remove(key) {
      delete session[key];
    },
  };
  fake.api.tabs.create = async ({ url }) => opened.push(url);
  const answers = [...tokenAnswers];
  const fetch = fakeFetch((call) => {
    if (call.url.endsWith('/v1/signup')) return json(200, { open: true, url: `${BASE}/signup` });
    if (call.url.endsWith('/v1/browser_connections')) return json(201, START);
    return answers.shift();
  });
  const service = createService({ browser: fake.api, fetch });
  return { fake, fetch, session, opened, service };
}

describe('connect handlers', () => {
  it('start, pending, then the key is stored and the verifier forgotten', async () => {
    const key = 'slk_' + 'k'.repeat(43);
    const { fake, fetch, session, opened, service } = await setup([
      json(202, { status: 'pending' }),
      json(200, { api_key: key, sub: 'acc_x', email: 'dana@example.com', name: 'Dana' }),
    ]);
    const started = await service.handlers.connectStart({ backendUrl: BASE });
    assert.deepEqual(started, { userCode: 'BCDF-GHJK', interval: 2, expiresIn: 600 });
    assert.deepEqual(opened, [START.verification_url]);
    const sent = fetch.calls[0];
    assert.equal(sent.headers.Authorization, undefined, 'no key, no cookies');
    assert.equal(sent.init.credentials, 'omit');
    const verifier = session.connectPending.verifier;
    assert.equal(sent.body.code_challenge, createHash('sha256').update(verifier).digest('base64url'));
    assert.ok(!JSON.stringify(sent.body).includes(verifier), 'the verifier never leaves before the exchange');
    assert.equal(fake.store.apiKey, undefined);

    assert.deepEqual(await service.handlers.connectPoll({}), { status: 'pending', userCode: 'BCDF-GHJK' });
    const done = await service.handlers.connectPoll({});
    assert.equal(done.status, 'connected');
    assert.deepEqual(done.who, { name: 'Dana', email: 'dana@example.com' });
    assert.equal(done.settings.apiKeySet, true);
    assert.ok(!JSON.stringify(done).includes(key), 'the options page never sees the key');
    assert.equal(fake.store.apiKey, key);
    assert.equal(fetch.calls[2].body.code_verifier, verifier);
    assert.equal(session.connectPending, undefined);
    assert.deepEqual(await service.handlers.connectPoll({}), { status: 'none' });
  });

  it('an expired or used request ends the polling', async () => {
    const { service, session } = await setup([json(410, { error: 'gone', message: 'expired' })]);
    await service.handlers.connectStart({ backendUrl: BASE });
    assert.deepEqual(await service.handlers.connectPoll({}), { status: 'expired' });
    assert.equal(session.connectPending, undefined);
  });

  it('sign-up status comes from the server the URL names', async () => {
    const { service } = await setup([]);
    assert.deepEqual(await service.handlers.getSignup({ backendUrl: BASE }), { open: true, url: `${BASE}/signup` });
  });
});
