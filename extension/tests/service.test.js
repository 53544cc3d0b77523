import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_LIMITS, findCandidates } from '../lib/detect.js';
import { describeError } from '../lib/errors.js';
import { contactForLink, createService } from '../lib/service.js';
import { docFrom, fakeBrowser, fakeFetch, fixture, json } from './helpers.js';

const KEY = 'sk_test_0123456789abcdef';
const configured = { backendUrl: 'http://127.0.0.1:5000', apiKey: KEY };
const CRM = 'https://crm.example.com/candidates/4711?session=s3cr3t#notes';
const ADA = { name: 'Ada Lovelace', email: 'ada@example.com', organization: 'Analytical Engines Ltd', title: 'Engineer', phone: null, tzid: 'Europe/London', reference: 'candidate-4711', summary: 'Interview: Senior Engineer', duration_minutes: 45, source: 'schedlink' };

function backend(routes = {}) {
  return fakeFetch((call) => {
    const path = new URL(call.url).pathname;
    const route = routes[`${call.method} ${path}`];
    if (!route) return json(404, { error: 'not_found', message: `no route ${path}` });
    return route(call);
  });
}

async function rejectsWith(promise, code) {
  try {
    await promise;
  } catch (err) {
    assert.equal(describeError(err).code, code, err.stack);
    return err;
  }
  assert.fail(`expected ${code}`);
}

describe('detect', () => {
  it('injects findCandidates into the tab, sends the candidates to the parser, returns contacts', async () => {
    const doc = docFrom(`<h1>Candidate</h1>${fixture('positive', 'schedlink.html')}${fixture('positive', 'mailto.html')}`);
    const b = await fakeBrowser({ tabs: { 7: { url: CRM, doc } }, stored: configured });
    const fetch = backend({ 'POST /v1/markup/parse': () => json(200, { contacts: [ADA], warnings: [] }) });
    const service = createService({ browser: b.api, fetch });
    const r = await service.handlers.detect({ tabId: 7 });

    assert.equal(b.injections.length, 1);
    assert.equal(b.injections[0].func, findCandidates);
    assert.deepEqual(b.injections[0].target, { tabId: 7 });
    assert.deepEqual(b.injections[0].args, [null, { ...DEFAULT_LIMITS }]);

    const [call] = fetch.calls;
    assert.equal(call.url, 'http://127.0.0.1:5000/v1/markup/parse');
    assert.equal(call.headers.Authorization, `Bearer ${KEY}`);
    assert.deepEqual(call.body.html.split('\n<a'), [doc.querySelector('[data-schedlink-contact]').outerHTML, ` href="mailto:someone@example.com?subject=Hello">Someone</a>`]);
    assert.equal(call.body.url, 'https://crm.example.com/candidates/4711', 'query and fragment stay in the browser');
    assert.equal(call.body.html.includes('<h1>'), false, 'never the whole page');

    assert.equal(r.contacts.length, 1);
    assert.equal(r.contacts[0].name, 'Ada Lovelace');
    assert.deepEqual(r.formats, ['schedlink', 'mailto']);
    assert.equal(r.site, 'https://crm.example.com/*');
    assert.equal(r.candidates, 2);
  });
  it('markup added after load (SPA) is found on the next click', async () => {
    const doc = docFrom('<div id="app"></div>');
    const b = await fakeBrowser({ tabs: { 7: { url: CRM, doc } }, stored: configured });
    const fetch = backend({ 'POST /v1/markup/parse': (call) => json(200, { contacts: call.body.html.includes('ada@') ? [ADA] : [] }) });
    const service = createService({ browser: b.api, fetch });
    assert.equal((await service.handlers.detect({ tabId: 7 })).contacts.length, 0);
    const div = doc.createElement('div');
    div.setAttribute('data-schedlink-contact', '');
    div.setAttribute('data-email', 'ada@example.com');
    doc.getElementById('app').append(div);
    assert.equal((await service.handlers.detect({ tabId: 7 })).contacts.length, 1);
  });
  it('does not call the server when the page has no candidate', async () => {
    const b = await fakeBrowser({ tabs: { 7: { url: CRM, doc: docFrom('<p>nothing here</p>') } }, stored: configured });
    const fetch = backend();
    const r = await createService({ browser: b.api, fetch }).handlers.detect({ tabId: 7 });
    assert.deepEqual(r.contacts, []);
    assert.equal(fetch.calls.length, 0);
  });
  it('is "not configured" without an API key, before touching the page', async () => {
    const b = await fakeBrowser({ tabs: { 7: { url: CRM, doc: docFrom('') } } });
    await rejectsWith(createService({ browser: b.api, fetch: backend() }).handlers.detect({ tabId: 7 }), 'not_configured');
    assert.equal(b.injections.length, 0);
  });
  it('reports pages extensions cannot read', async () => {
    const b = await fakeBrowser({ tabs: { 7: { url: 'chrome://settings/' } }, stored: configured });
    await rejectsWith(createService({ browser: b.api, fetch: backend() }).handlers.detect({ tabId: 7 }), 'page_unreadable');
  });
  it('says how many frames of the page could not be read', async () => {
    const page = [{ frameId: 0, result: { candidates: [], found: 0, scopes: { shadowRoots: 0, frames: 1, unreadableFrames: 2 }, url: CRM } }];
    const b = await fakeBrowser({ tabs: { 7: { url: CRM } }, stored: configured, executeScript: async () => page });
    const r = await createService({ browser: b.api, fetch: backend() }).handlers.detect({ tabId: 7 });
    assert.equal(r.unreadableFrames, 2);
    assert.deepEqual(r.contacts, []);
  });
  it('treats a forged page result (compromised renderer) as unreadable, sends nothing', async () => {
    const forged = [{ frameId: 0, result: { candidates: [{ format: 'schedlink', html: 'x'.repeat(500_000) }] } }];
    const b = await fakeBrowser({ tabs: { 7: { url: CRM } }, stored: configured, executeScript: async () => forged });
    const fetch = backend();
    await rejectsWith(createService({ browser: b.api, fetch }).handlers.detect({ tabId: 7 }), 'page_unreadable');
    assert.equal(fetch.calls.length, 0);
  });
  it('passes server errors on (413, 429)', async () => {
    const doc = docFrom(fixture('positive', 'h-card.html'));
    for (const [status, code] of [[413, 'too_large'], [429, 'rate_limited'], [401, 'unauthorized']]) {
      const b = await fakeBrowser({ tabs: { 7: { url: CRM, doc } }, stored: configured });
      const fetch = backend({ 'POST /v1/markup/parse': () => json(status, { error: 'x', message: 'y' }, { 'Retry-After': '9' }) });
      await rejectsWith(createService({ browser: b.api, fetch }).handlers.detect({ tabId: 7 }), code);
    }
  });
});

describe('createLink and QR', () => {
  it('posts the link request and returns the link', async () => {
    const b = await fakeBrowser({ stored: configured });
    const link = { id: 'sl_1', url: 'http://127.0.0.1:5000/b/t0k', status: 'open', contact: ADA, summary: 'Interview', duration_minutes: 45, expires_at: '2026-12-01T09:00:00Z', max_uses: 1, uses: 0, created_at: '2026-11-17T09:00:00Z' };
    const fetch = backend({ 'POST /v1/scheduling_links': () => json(201, { scheduling_link: link }) });
    const payload = { contact: { name: ' Ada Lovelace ', email: 'ada@example.com', organization: null, phone: '' }, summary: 'Interview', duration_minutes: 45, expires_at: '2026-12-01T09:00:00Z', max_uses: 1 };
    const r = await createService({ browser: b.api, fetch }).handlers.createLink(payload);
    assert.deepEqual(fetch.calls[0].body, { contact: { name: 'Ada Lovelace', email: 'ada@example.com' }, summary: 'Interview', duration_minutes: 45, expires_at: '2026-12-01T09:00:00Z', max_uses: 1 });
    assert.equal(r.link.url, link.url);
  });
  it('surfaces 422 field errors', async () => {
    const b = await fakeBrowser({ stored: configured });
    const fetch = backend({ 'POST /v1/scheduling_links': () => json(422, { errors: { 'contact.email': [{ key: 'errors.required', description: 'required' }] } }) });
    const err = await rejectsWith(createService({ browser: b.api, fetch }).handlers.createLink({ contact: {} }), 'validation');
    assert.deepEqual(describeError(err).fields, { 'contact.email': ['required'] });
  });
  it('fetches the QR code with the key and returns a data URL', async () => {
    const b = await fakeBrowser({ stored: configured });
    const fetch = backend({ 'GET /v1/scheduling_links/sl_1/qr.svg': () => new Response('<svg xmlns="http://www.w3.org/2000/svg"/>', { headers: { 'Content-Type': 'image/svg+xml' } }) });
    const r = await createService({ browser: b.api, fetch }).handlers.getQr({ id: 'sl_1' });
    assert.match(r.dataUrl, /^data:image\/svg\+xml;base64,/);
    assert.equal(fetch.calls[0].headers.Authorization, `Bearer ${KEY}`);
  });
  it('contactForLink trims and drops empty and unknown fields', () => {
    assert.deepEqual(contactForLink({ name: ' A ', email: 'a@example.com', phone: '', tzid: null, source: 'mailto', extra: 'x' }), { name: 'A', email: 'a@example.com' });
  });
});

describe('settings', () => {
  it('saves a normalised URL and the key, and never hands the key back', async () => {
    const b = await fakeBrowser();
    const s = createService({ browser: b.api, fetch: backend() });
    const view = await s.handlers.saveSettings({ backendUrl: 'localhost:5000/', apiKey: `  ${KEY} ` });
    assert.deepEqual(b.store, { backendUrl: 'http://localhost:5000', apiKey: KEY });
    assert.equal(view.backendUrl, 'http://localhost:5000');
    assert.equal(view.apiKeySet, true);
    assert.equal(view.apiKeyHint, '…cdef');
    assert.equal(JSON.stringify(view).includes(KEY), false);
    assert.equal(JSON.stringify(await s.handlers.getSettings({})).includes(KEY), false);
  });
  it('keeps the stored key when the field is left empty, forgets it on request', async () => {
    const b = await fakeBrowser({ stored: configured });
    const s = createService({ browser: b.api, fetch: backend() });
    await s.handlers.saveSettings({ backendUrl: 'https://schedlink.example.com', apiKey: '' });
    assert.equal(b.store.apiKey, KEY);
    const view = await s.handlers.saveSettings({ backendUrl: 'https://schedlink.example.com', clearApiKey: true });
    assert.equal('apiKey' in b.store, false);
    assert.equal(view.apiKeySet, false);
  });
  it('rejects a bad URL or key without storing anything', async () => {
    const b = await fakeBrowser({ stored: configured });
    const s = createService({ browser: b.api, fetch: backend() });
    await rejectsWith(s.handlers.saveSettings({ backendUrl: 'javascript:alert(1)', apiKey: KEY }), 'invalid_input');
    await rejectsWith(s.handlers.saveSettings({ backendUrl: 'http://127.0.0.1:5000', apiKey: 'has spaces in it' }), 'invalid_input');
    assert.deepEqual(b.store, configured);
  });
  it('defaults to http://localhost:5000', async () => {
    const b = await fakeBrowser();
    const view = await createService({ browser: b.api, fetch: backend() }).handlers.getSettings({});
    assert.deepEqual(view, { backendUrl: 'http://localhost:5000', defaultBackendUrl: 'http://localhost:5000', apiKeySet: false, apiKeyHint: '', badgeSites: [] });
  });
  it('testConnection uses typed values before saving', async () => {
    const b = await fakeBrowser({ stored: configured });
    const fetch = fakeFetch(() => json(200, { sub: 'acc_1', email: 'host@example.com', name: 'Host <b>Name</b>' }));
    const r = await createService({ browser: b.api, fetch }).handlers.testConnection({ backendUrl: 'https://other.example.com/', apiKey: 'sk_other_key_123' });
    assert.equal(fetch.calls[0].url, 'https://other.example.com/v1/userinfo');
    assert.equal(fetch.calls[0].headers.Authorization, 'Bearer sk_other_key_123');
    assert.deepEqual(r.userinfo, { sub: 'acc_1', email: 'host@example.com', name: 'Host <b>Name</b>', tzid: null });
  });
  it('testConnection never sends the saved key to a typed but unsaved server URL', async () => {
    const b = await fakeBrowser({ stored: configured });
    const fetch = fakeFetch(() => json(200, { sub: 'acc_1' }));
    const handlers = createService({ browser: b.api, fetch }).handlers;
    for (const typed of ['https://evil.example.com/', 'http://127.0.0.1:5001', 'http://localhost:5000']) {
      await assert.rejects(handlers.testConnection({ backendUrl: typed }), (err) => err.name === 'SettingsError');
      await assert.rejects(handlers.testConnection({ backendUrl: typed, apiKey: '   ' }), (err) => err.name === 'SettingsError');
    }
    assert.equal(fetch.calls.length, 0, 'nothing was sent anywhere');
    // The saved server (however it is typed) and a typed key for another server are fine.
    await handlers.testConnection({ backendUrl: 'http://127.0.0.1:5000/' });
    await handlers.testConnection({ backendUrl: 'https://other.example.com', apiKey: 'sk_other_key_123' });
    assert.deepEqual(fetch.calls.map((c) => [c.url, c.headers.Authorization]), [
      ['http://127.0.0.1:5000/v1/userinfo', `Bearer ${KEY}`],
      ['https://other.example.com/v1/userinfo', 'Bearer sk_other_key_123'],
    ]);
  });
  it('testConnection reports a wrong key', async () => {
    const b = await fakeBrowser({ stored: configured });
    const fetch = fakeFetch(() => json(401, { error: 'unauthorized', message: 'bad key' }));
    await rejectsWith(createService({ browser: b.api, fetch }).handlers.testConnection({}), 'unauthorized');
  });
  it('restricts storage.local to trusted contexts where supported, and survives where not', async () => {
    const b = await fakeBrowser();
    assert.equal(await createService({ browser: b.api, fetch: backend() }).restrictStorage(), true);
    assert.equal(b.api.storage.local.accessLevel, 'TRUSTED_CONTEXTS');
    b.api.storage.local.setAccessLevel = async () => {
      throw new Error('This StorageArea is not available for setting access level');
    };
    assert.equal(await createService({ browser: b.api, fetch: backend() }).restrictStorage(), false);
    delete b.api.storage.local.setAccessLevel;
    assert.equal(await createService({ browser: b.api, fetch: backend() }).restrictStorage(), false);
  });
});

describe('badge', () => {
  const SITE = 'https://crm.example.com/*';
  const page = () => docFrom(fixture('positive', 'schedlink.html') + fixture('positive', 'h-card.html') + fixture('positive', 'mailto.html'));

  it('counts locally on a granted site when the page completes; clears on navigation', async () => {
    const b = await fakeBrowser({ tabs: { 7: { url: CRM, doc: page() } }, stored: { ...configured, badgeSites: [SITE] }, granted: [SITE] });
    const fetch = backend();
    const s = createService({ browser: b.api, fetch });
    await s.onTabUpdated(7, { status: 'complete' }, { id: 7, url: CRM });
    assert.equal(b.badges[7], '2');
    assert.equal(fetch.calls.length, 0, 'the count never calls the server');
    await s.onTabUpdated(7, { status: 'loading' }, { id: 7, url: CRM });
    assert.equal(b.badges[7], '');
  });
  it('does nothing without the permission, for sites not enabled, or without a visible URL', async () => {
    const cases = [
      { stored: { badgeSites: [SITE] }, granted: [], tab: { id: 7, url: CRM } },
      { stored: { badgeSites: [] }, granted: [SITE], tab: { id: 7, url: CRM } },
      { stored: { badgeSites: [SITE] }, granted: [SITE], tab: { id: 7 } },
      { stored: { badgeSites: [SITE] }, granted: [SITE], tab: { id: 7, url: 'https://other.example.com/' } },
    ];
    for (const c of cases) {
      const b = await fakeBrowser({ tabs: { 7: { url: c.tab.url ?? CRM, doc: page() } }, stored: c.stored, granted: c.granted });
      await createService({ browser: b.api, fetch: backend() }).onTabUpdated(7, { status: 'complete' }, c.tab);
      assert.equal(b.injections.length, 0, JSON.stringify(c));
      assert.deepEqual(b.badges, {});
    }
  });
  it('adding a site requires the granted permission, then counts its open tabs', async () => {
    const b = await fakeBrowser({ tabs: { 7: { url: CRM, doc: page() }, 8: { url: 'https://else.example.com/', doc: page() } } });
    const s = createService({ browser: b.api, fetch: backend() });
    await rejectsWith(s.handlers.addBadgeSite({ pattern: SITE }), 'permission_missing');
    b.perms.add(SITE);
    const r = await s.handlers.addBadgeSite({ pattern: SITE });
    assert.deepEqual(r.badgeSites, [SITE]);
    assert.deepEqual(b.badges, { 7: '2' });
  });
  it('removing a site clears its badges and drops the permission, but keeps the backend one', async () => {
    const backendSite = 'http://127.0.0.1/*';
    const b = await fakeBrowser({ tabs: { 7: { url: CRM, doc: page() } }, stored: { ...configured, badgeSites: [SITE, backendSite] }, granted: [SITE, backendSite] });
    const s = createService({ browser: b.api, fetch: backend() });
    b.badges[7] = '2';
    assert.deepEqual((await s.handlers.removeBadgeSite({ pattern: SITE })).badgeSites, [backendSite]);
    assert.equal(b.badges[7], '');
    assert.equal(b.perms.has(SITE), false);
    await s.handlers.removeBadgeSite({ pattern: backendSite });
    assert.equal(b.perms.has(backendSite), true);
  });
  it('forgets sites whose permission the user revoked in the browser', async () => {
    const b = await fakeBrowser({ stored: { badgeSites: [SITE, 'https://b.example/*'] } });
    await createService({ browser: b.api, fetch: backend() }).onPermissionsRemoved({ origins: [SITE] });
    assert.deepEqual(b.store.badgeSites, ['https://b.example/*']);
  });
  it('the popup detect also refreshes the badge on a badge site', async () => {
    const b = await fakeBrowser({ tabs: { 7: { url: CRM, doc: page() } }, stored: { ...configured, badgeSites: [SITE] }, granted: [SITE] });
    const fetch = backend({ 'POST /v1/markup/parse': () => json(200, { contacts: [ADA] }) });
    await createService({ browser: b.api, fetch }).handlers.detect({ tabId: 7 });
    assert.equal(b.badges[7], '2');
  });
});
