import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ApiError,
  cleanContact,
  cleanLink,
  cleanParseResult,
  createApiClient,
  errorFromResponse,
  parseRetryAfter,
  parseValidationErrors,
  svgDataUrl,
} from '../lib/api.js';
import { fakeFetch, json } from './helpers.js';

const BASE = 'http://127.0.0.1:5000';
const KEY = 'sk_test_0123456789abcdef';
const client = (fetch, extra = {}) => createApiClient({ fetch, baseUrl: BASE, apiKey: KEY, ...extra });

const LINK = {
  id: 'sl_abc123',
  url: 'http://127.0.0.1:5000/b/tok',
  status: 'open',
  contact: { name: 'Ada Lovelace', email: 'ada@example.com', organization: null, title: null, phone: null, tzid: null, reference: null, summary: null, duration_minutes: null, source: 'schedlink' },
  summary: 'Meeting',
  duration_minutes: 30,
  expires_at: '2026-12-01T09:00:00Z',
  max_uses: 1,
  uses: 0,
  created_at: '2026-11-17T09:00:00Z',
};

async function rejects(promise) {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof ApiError, `expected ApiError, got ${err}`);
    return err;
  }
  assert.fail('expected a rejection');
}

describe('requests', () => {
  it('sends the bearer key, JSON and no cookies; parse posts {html, url}', async () => {
    const fetch = fakeFetch(() => json(200, { contacts: [], warnings: [] }));
    await client(fetch).parseMarkup('<div class="h-card">A</div>', 'https://crm.example.com/p/1');
    const [call] = fetch.calls;
    assert.equal(call.url, `${BASE}/v1/markup/parse`);
    assert.equal(call.method, 'POST');
    assert.equal(call.headers.Authorization, `Bearer ${KEY}`);
    assert.equal(call.headers['Content-Type'], 'application/json');
    assert.equal(call.headers.Accept, 'application/json');
    assert.equal(call.init.credentials, 'omit');
    assert.equal(call.init.redirect, 'manual');
    assert.deepEqual(call.body, { html: '<div class="h-card">A</div>', url: 'https://crm.example.com/p/1' });
  });
  it('leaves url out of the parse body when there is none', async () => {
    const fetch = fakeFetch(() => json(200, { contacts: [] }));
    await client(fetch).parseMarkup('<a href="mailto:a@example.com">a</a>', null);
    assert.deepEqual(fetch.calls[0].body, { html: '<a href="mailto:a@example.com">a</a>' });
  });
  it('GETs userinfo without a body or content type', async () => {
    const fetch = fakeFetch(() => json(200, { sub: 'acc_1', email: 'host@example.com', name: 'Host', tzid: 'Europe/Berlin', calendars: [] }));
    const info = await client(fetch).userinfo();
    assert.deepEqual(info, { sub: 'acc_1', email: 'host@example.com', name: 'Host', tzid: 'Europe/Berlin' });
    assert.equal(fetch.calls[0].method, 'GET');
    assert.equal(fetch.calls[0].url, `${BASE}/v1/userinfo`);
    assert.equal(fetch.calls[0].headers['Content-Type'], undefined);
  });
  it('creates a link and returns the cleaned Link', async () => {
    const fetch = fakeFetch(() => json(201, { scheduling_link: LINK }));
    const payload = { contact: { name: 'Ada Lovelace', email: 'ada@example.com' }, summary: 'Meeting', duration_minutes: 30, expires_at: '2026-12-01T09:00:00Z', max_uses: 1 };
    const link = await client(fetch).createLink(payload);
    assert.deepEqual(fetch.calls[0].body, payload);
    assert.equal(fetch.calls[0].url, `${BASE}/v1/scheduling_links`);
    assert.equal(link.id, 'sl_abc123');
    assert.equal(link.url, LINK.url);
    assert.equal(link.contact.name, 'Ada Lovelace');
  });
  it('fetches the QR code as an SVG data URL', async () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><title>Ünïcode</title></svg>';
    const fetch = fakeFetch(() => new Response(svg, { status: 200, headers: { 'Content-Type': 'image/svg+xml; charset=utf-8' } }));
    const dataUrl = await client(fetch).qrDataUrl('sl_abc123');
    assert.equal(fetch.calls[0].url, `${BASE}/v1/scheduling_links/sl_abc123/qr.svg`);
    assert.equal(fetch.calls[0].headers.Accept, 'image/svg+xml');
    assert.equal(fetch.calls[0].headers.Authorization, `Bearer ${KEY}`);
    assert.ok(dataUrl.startsWith('data:image/svg+xml;base64,'));
    assert.equal(Buffer.from(dataUrl.split(',')[1], 'base64').toString('utf8'), svg);
  });
  it('refuses a QR answer that is not SVG, and a bad link id before any request', async () => {
    const fetch = fakeFetch(() => new Response('<html>login</html>', { status: 200, headers: { 'Content-Type': 'text/html' } }));
    assert.equal((await rejects(client(fetch).qrDataUrl('sl_1'))).kind, 'bad_response');
    assert.equal((await rejects(client(fetch).qrDataUrl('../admin'))).kind, 'bad_response');
    assert.equal(fetch.calls.length, 1);
  });
  it('is not configured without a key or URL', () => {
    assert.throws(() => createApiClient({ fetch() {}, baseUrl: BASE, apiKey: '' }), (e) => e.kind === 'not_configured');
    assert.throws(() => createApiClient({ fetch() {}, baseUrl: '', apiKey: KEY }), (e) => e.kind === 'not_configured');
  });
});

describe('failures', () => {
  it('network error (server down, CORS refusal)', async () => {
    const fetch = fakeFetch(() => {
      throw new TypeError('Failed to fetch');
    });
    const err = await rejects(client(fetch).userinfo());
    assert.equal(err.kind, 'network');
    assert.equal(err.backendUrl, BASE);
  });
  it('timeout', async () => {
    const fetch = (url, init) =>
      new Promise((_, reject) => init.signal.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }))));
    const err = await rejects(client(fetch, { timeoutMs: 10 }).userinfo());
    assert.equal(err.kind, 'timeout');
  });
  it('redirects are not followed', async () => {
    const fetch = fakeFetch(() => ({ type: 'opaqueredirect', status: 0, ok: false, headers: new Headers() }));
    assert.equal((await rejects(client(fetch).userinfo())).kind, 'redirect');
  });
  it('401 with the error envelope', async () => {
    const fetch = fakeFetch(() => json(401, { error: 'unauthorized', message: 'Invalid API key' }));
    const err = await rejects(client(fetch).userinfo());
    assert.deepEqual([err.kind, err.status, err.code, err.serverMessage], ['http', 401, 'unauthorized', 'Invalid API key']);
  });
  it('422 with field errors', async () => {
    const fetch = fakeFetch(() =>
      json(422, { errors: { 'contact.email': [{ key: 'errors.required', description: 'required' }], max_uses: [{ key: 'errors.too_big' }] } }),
    );
    const err = await rejects(client(fetch).createLink({ contact: {} }));
    assert.equal(err.status, 422);
    assert.deepEqual(err.fields, { 'contact.email': ['required'], max_uses: ['errors.too_big'] });
  });
  it('429 with Retry-After', async () => {
    const fetch = fakeFetch(() => json(429, { error: 'rate_limited', message: 'slow down' }, { 'Retry-After': '17' }));
    const err = await rejects(client(fetch).parseMarkup('<a href="mailto:a@b.c">a</a>'));
    assert.equal(err.retryAfter, 17);
  });
  it('an HTML error page (proxy, wrong URL) still gives a status', async () => {
    const fetch = fakeFetch(() => new Response('<html><body>Bad Gateway</body></html>', { status: 502 }));
    const err = await rejects(client(fetch).userinfo());
    assert.deepEqual([err.status, err.code, err.serverMessage], [502, '', '']);
  });
  it('a 200 that is not JSON, or has the wrong shape', async () => {
    assert.equal((await rejects(client(fakeFetch(() => new Response('<html></html>'))).userinfo())).kind, 'bad_response');
    assert.equal((await rejects(client(fakeFetch(() => json(200, { nope: 1 }))).userinfo())).kind, 'bad_response');
    assert.equal((await rejects(client(fakeFetch(() => json(200, { contacts: 'x' }))).parseMarkup('x'))).kind, 'bad_response');
    assert.equal((await rejects(client(fakeFetch(() => json(201, {}))).createLink({}))).kind, 'bad_response');
  });
  it('a link whose URL is not http(s) is refused', async () => {
    const fetch = fakeFetch(() => json(201, { scheduling_link: { ...LINK, url: 'javascript:alert(1)' } }));
    assert.equal((await rejects(client(fetch).createLink({}))).kind, 'bad_response');
  });
});

describe('cleaning answers (backend data is shown to the user)', () => {
  it('bounds and strips contact strings, drops unknown sources and bad durations', () => {
    const c = cleanContact({
      name: ' Ada\u202E\u0000 Lovelace ' + 'x'.repeat(500),
      email: 'ada@example.com',
      duration_minutes: 99999,
      source: '<script>',
      extra: 'dropped',
    });
    assert.ok(c.name.startsWith('Ada Lovelace'));
    assert.equal(c.name.length, 200);
    assert.equal(c.duration_minutes, null);
    assert.equal(c.source, null);
    assert.equal('extra' in c, false);
  });
  it('drops contacts with neither name nor e-mail, and non-objects', () => {
    const r = cleanParseResult({ contacts: [{ name: '', email: null }, 'x', null, [], { email: 'a@example.com' }], warnings: ['w', 3, ''] });
    assert.equal(r.contacts.length, 1);
    assert.deepEqual(r.warnings, ['w']);
  });
  it('caps the number of contacts', () => {
    const r = cleanParseResult({ contacts: Array.from({ length: 500 }, (_, i) => ({ email: `p${i}@example.com` })) });
    assert.equal(r.contacts.length, 100);
  });
  it('keeps HTML-looking names as plain text (the UI shows text)', () => {
    const c = cleanContact({ name: '<img src=x onerror=alert(1)>', email: 'a@example.com' });
    assert.equal(c.name, '<img src=x onerror=alert(1)>');
  });
  it('cleanLink requires a safe id', () => {
    assert.throws(() => cleanLink({ ...LINK, id: '../x' }), ApiError);
    assert.throws(() => cleanLink(null), ApiError);
  });
});

describe('helpers', () => {
  it('parseRetryAfter', () => {
    const now = Date.UTC(2026, 0, 1, 0, 0, 0);
    assert.equal(parseRetryAfter('120', now), 120);
    assert.equal(parseRetryAfter(' 5 ', now), 5);
    assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now), 30);
    assert.equal(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now), 0);
    assert.equal(parseRetryAfter('soon', now), null);
    assert.equal(parseRetryAfter(null, now), null);
    assert.equal(parseRetryAfter('999999999', now), 86400);
  });
  it('parseValidationErrors accepts the Cronofy shape and tolerates others', () => {
    assert.deepEqual(parseValidationErrors({ errors: { summary: [{ key: 'errors.required', description: 'Summary is required' }] } }), { summary: ['Summary is required'] });
    assert.deepEqual(parseValidationErrors({ errors: { summary: 'too long' } }), { summary: ['too long'] });
    assert.deepEqual(parseValidationErrors({ errors: { summary: [{}] } }), { summary: ['is not valid'] });
    assert.deepEqual(parseValidationErrors(null), {});
    assert.deepEqual(parseValidationErrors({ errors: ['x'] }), {});
  });
  it('errorFromResponse reads Retry-After only for 429/503', () => {
    const h = new Headers({ 'Retry-After': '3' });
    assert.equal(errorFromResponse(429, '{}', h).retryAfter, 3);
    assert.equal(errorFromResponse(503, '', h).retryAfter, 3);
    assert.equal(errorFromResponse(500, '', h).retryAfter, null);
  });
  it('svgDataUrl round-trips UTF-8', () => {
    const svg = '<svg>é€😀</svg>';
    assert.equal(Buffer.from(svgDataUrl(svg).split(',')[1], 'base64').toString('utf8'), svg);
  });
});
