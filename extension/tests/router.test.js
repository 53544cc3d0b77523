import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from '../lib/api.js';
import { describeError } from '../lib/errors.js';
import { MESSAGES, MAX_MESSAGE_BYTES, check, int, obj, str } from '../lib/messages.js';
import { createRouter, senderKind } from '../lib/router.js';

const ID = 'kdjlmnjmmlphkglgafoeiebaldecllhh';
const ORIGIN = `chrome-extension://${ID}/`;
const popup = { id: ID, url: `${ORIGIN}popup/popup.html`, origin: `chrome-extension://${ID}` };
const popupInTab = { id: ID, url: `${ORIGIN}popup/popup.html?tab=7`, tab: { id: 3 }, frameId: 0 };
const options = { id: ID, url: `${ORIGIN}options/options.html` };
const contentScript = { id: ID, url: 'https://crm.example.com/deal/1', tab: { id: 7 }, frameId: 0, origin: 'https://crm.example.com' };
const otherExtension = { id: 'abcdefghijklmnopabcdefghijklmnop', url: 'chrome-extension://abcdefghijklmnopabcdefghijklmnop/x.html' };

function setup(vocabulary = MESSAGES, extra = {}) {
  const calls = [];
  const handlers = {};
  for (const type of Object.keys(vocabulary)) {
    handlers[type] = async (payload, ctx) => {
      calls.push({ type, payload, kind: ctx.kind });
      return { echoed: type };
    };
  }
  const route = createRouter({ runtimeId: ID, extensionOrigin: ORIGIN, handlers, describeError, vocabulary, ...extra });
  return { route, calls, handlers };
}

describe('senderKind', () => {
  const table = [
    ['popup', popup, 'extension'],
    ['popup opened in a tab (tests)', popupInTab, 'extension'],
    ['options page', options, 'extension'],
    ['content script in a tab', contentScript, 'content'],
    ['another extension', otherExtension, null],
    ['our id but a web origin claim on an extension URL', { ...popup, origin: 'https://evil.example' }, null],
    ['a web page (no id)', { url: 'https://evil.example/', tab: { id: 1 }, frameId: 0 }, null],
    ['our id, web URL, no tab', { id: ID, url: 'https://crm.example.com/' }, null],
    ['our id, tab without frameId', { id: ID, url: 'https://crm.example.com/', tab: { id: 1 } }, null],
    ['nothing', undefined, null],
  ];
  for (const [what, sender, kind] of table) {
    it(`${what} → ${kind}`, () => assert.equal(senderKind(sender, ID, ORIGIN), kind));
  }
  it('never matches when the runtime id is unknown', () => {
    assert.equal(senderKind({ id: undefined, url: ORIGIN }, undefined, ORIGIN), null);
  });
});

describe('route: accepted messages', () => {
  it('passes a valid message to its handler and wraps the answer', async () => {
    const { route, calls } = setup();
    const answer = await route({ type: 'detect', payload: { tabId: 7 } }, popup);
    assert.deepEqual(answer, { ok: true, data: { echoed: 'detect' } });
    assert.deepEqual(calls, [{ type: 'detect', payload: { tabId: 7 }, kind: 'extension' }]);
  });
  it('treats a missing payload as {}', async () => {
    const { route } = setup();
    assert.equal((await route({ type: 'getSettings' }, options)).ok, true);
  });
  it('accepts a full createLink payload', async () => {
    const { route } = setup();
    const payload = {
      contact: { name: 'Ada', email: 'ada@example.com', organization: null, tzid: 'Europe/London' },
      summary: 'Meeting',
      duration_minutes: 30,
      expires_at: '2026-12-01T09:00:00Z',
      max_uses: 1,
    };
    assert.equal((await route({ type: 'createLink', payload }, popup)).ok, true);
  });
});

describe('route: rejected messages never reach a handler', () => {
  const cases = [
    ['unknown type', { type: 'deleteEverything', payload: {} }, popup, 'unknown_type'],
    ['type from the prototype', { type: 'constructor', payload: {} }, popup, 'unknown_type'],
    ['type missing', { payload: {} }, popup, 'unknown_type'],
    ['not an object', 'detect', popup, 'bad_message'],
    ['an array', ['detect'], popup, 'bad_message'],
    ['null', null, popup, 'bad_message'],
    ['extra top-level key', { type: 'detect', payload: { tabId: 1 }, apiKey: 'x' }, popup, 'bad_message'],
    ['oversized payload', { type: 'createLink', payload: { contact: { name: 'x'.repeat(MAX_MESSAGE_BYTES) } } }, popup, 'too_large'],
    ['oversized in bytes, not chars', { type: 'createLink', payload: { contact: { name: '€'.repeat(6000) } } }, popup, 'too_large'],
    ['another extension', { type: 'getSettings', payload: {} }, otherExtension, 'forbidden_sender'],
    ['no sender', { type: 'getSettings', payload: {} }, undefined, 'forbidden_sender'],
    ['a content script asking for an extension-page type', { type: 'getSettings', payload: {} }, contentScript, 'forbidden_sender'],
    ['a content script asking to create a link', { type: 'createLink', payload: { contact: { email: 'a@example.com' } } }, contentScript, 'forbidden_sender'],
    ['unknown payload key', { type: 'detect', payload: { tabId: 1, url: 'x' } }, popup, 'bad_payload'],
    ['missing required field', { type: 'detect', payload: {} }, popup, 'bad_payload'],
    ['wrong field type', { type: 'detect', payload: { tabId: '1' } }, popup, 'bad_payload'],
    ['negative tab id', { type: 'detect', payload: { tabId: -1 } }, popup, 'bad_payload'],
    ['payload not an object', { type: 'getSettings', payload: [] }, popup, 'bad_payload'],
    ['string too long', { type: 'createLink', payload: { contact: { email: 'a'.repeat(321) } } }, popup, 'bad_payload'],
    ['unknown contact key', { type: 'createLink', payload: { contact: { email: 'a@example.com', isAdmin: true } } }, popup, 'bad_payload'],
    ['expires_at not RFC 3339 UTC', { type: 'createLink', payload: { contact: {}, expires_at: '2026-12-01 09:00' } }, popup, 'bad_payload'],
    ['duration out of range', { type: 'createLink', payload: { contact: {}, duration_minutes: 0 } }, popup, 'bad_payload'],
    ['link id with path characters', { type: 'getQr', payload: { id: '../../admin' } }, popup, 'bad_payload'],
    ['badge pattern for all sites', { type: 'addBadgeSite', payload: { pattern: '<all_urls>' } }, options, 'bad_payload'],
    ['badge pattern with a wildcard host', { type: 'addBadgeSite', payload: { pattern: 'https://*/*' } }, options, 'bad_payload'],
  ];
  for (const [what, message, sender, code] of cases) {
    it(`${what} → ${code}`, async () => {
      const { route, calls } = setup();
      const answer = await route(message, sender);
      assert.equal(answer.ok, false);
      assert.equal(answer.error.code, code);
      assert.equal(typeof answer.error.message, 'string');
      assert.deepEqual(calls, []);
    });
  }
  it('a payload with a non-plain prototype is rejected', async () => {
    const { route, calls } = setup();
    class Sneaky {
      constructor() {
        this.tabId = 1;
      }
    }
    const answer = await route({ type: 'detect', payload: new Sneaky() }, popup);
    assert.equal(answer.error.code, 'bad_payload');
    assert.deepEqual(calls, []);
  });
});

describe('route: content-script messages', () => {
  const vocabulary = { pageNote: { from: 'content', payload: obj({ count: int(0, 100) }) } };
  it('are accepted from a tab', async () => {
    const { route, calls } = setup(vocabulary);
    assert.equal((await route({ type: 'pageNote', payload: { count: 2 } }, contentScript)).ok, true);
    assert.equal(calls[0].kind, 'content');
  });
  it('are rejected from an extension page or from outside a tab', async () => {
    const { route, calls } = setup(vocabulary);
    assert.equal((await route({ type: 'pageNote', payload: { count: 2 } }, popup)).error.code, 'forbidden_sender');
    const noTab = { id: ID, url: 'https://crm.example.com/' };
    assert.equal((await route({ type: 'pageNote', payload: { count: 2 } }, noTab)).error.code, 'forbidden_sender');
    assert.deepEqual(calls, []);
  });
  it('the shipped vocabulary opens nothing to content scripts', () => {
    for (const [type, spec] of Object.entries(MESSAGES)) assert.equal(spec.from, 'extension', type);
  });
});

describe('route: limits and handler failures', () => {
  it('a per-type maxBytes overrides the global cap', async () => {
    const vocabulary = { small: { from: 'extension', maxBytes: 64, payload: obj({ s: str(0, 1000) }) } };
    const { route } = setup(vocabulary);
    assert.equal((await route({ type: 'small', payload: { s: 'x'.repeat(10) } }, popup)).ok, true);
    assert.equal((await route({ type: 'small', payload: { s: 'x'.repeat(100) } }, popup)).error.code, 'too_large');
  });
  it('maps a handler failure through describeError', async () => {
    const { route, handlers } = setup();
    handlers.getSettings = async () => {
      throw new ApiError({ kind: 'http', status: 401, code: 'unauthorized' });
    };
    const route2 = createRouter({ runtimeId: ID, extensionOrigin: ORIGIN, handlers, describeError });
    const answer = await route2({ type: 'getSettings', payload: {} }, options);
    assert.equal(answer.ok, false);
    assert.equal(answer.error.code, 'unauthorized');
    assert.ok(route);
  });
  it('refuses to build a router with a missing handler', () => {
    assert.throws(() => createRouter({ runtimeId: ID, extensionOrigin: ORIGIN, handlers: {}, describeError }), /no handler/);
  });
});

describe('check (schema)', () => {
  it('reports every problem with its path', () => {
    const spec = obj({ a: int(1, 2), b: str(1, 3), c: obj({ d: str(0, 1, { optional: true }) }) });
    assert.deepEqual(check(spec, { a: 3, b: '', c: { d: 'xx', e: 1 } }).sort(), [
      'payload.a must be an integer from 1 to 2',
      'payload.b must be a string of 1 to 3 characters',
      'payload.c.d must be a string of 0 to 1 characters',
      'payload.c.e is not allowed',
    ]);
    assert.deepEqual(check(spec, { a: 1, b: 'x', c: {} }), []);
  });
  it('nullable accepts null, optional accepts absence only', () => {
    assert.deepEqual(check(obj({ x: str(0, 1, { optional: true, nullable: true }) }), { x: null }), []);
    assert.deepEqual(check(obj({ x: str(0, 1, { optional: true }) }), { x: null }), ['payload.x must be a string of 0 to 1 characters']);
    assert.deepEqual(check(obj({ x: str(0, 1, { optional: true }) }), {}), []);
  });
});
