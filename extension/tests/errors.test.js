import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from '../lib/api.js';
import { UserError, describeError } from '../lib/errors.js';
import { SettingsError } from '../lib/settings.js';
import { UrlError } from '../lib/url.js';

const http = (status, extra = {}) => new ApiError({ kind: 'http', status, ...extra });

describe('describeError: HTTP status and body → what the user reads', () => {
  const table = [
    [http(401, { code: 'unauthorized', message: 'bad key' }), 'unauthorized', /refused the API key \(401\).*Options/, true],
    [http(403), 'http_403', /not allowed/, false],
    [http(404, { code: 'not_found', message: 'No such link' }), 'not_found', /Not found \(404\)\. The server said: No such link/, false],
    [http(409, { code: 'conflict', message: 'Already disabled' }), 'conflict', /Already disabled/, false],
    [http(410, { code: 'gone' }), 'gone', /no longer available \(410\)/, false],
    [http(413, { code: 'payload_too_large' }), 'too_large', /too large .*\(413\).*Type the contact in/, false],
    [http(429, { retryAfter: 30 }), 'rate_limited', /Try again in 30 seconds/, false],
    [http(429, { retryAfter: 1 }), 'rate_limited', /Try again in 1 second\./, false],
    [http(429), 'rate_limited', /Try again in a moment/, false],
    [http(500), 'http_500', /had a problem \(500\)/, false],
    [http(503), 'http_503', /had a problem \(503\)/, false],
    [http(400, { message: 'Malformed JSON' }), 'http_400', /rejected the request\. The server said: Malformed JSON/, false],
    [http(418), 'http_418', /error \(418\)/, false],
    [new ApiError({ kind: 'network', backendUrl: 'http://127.0.0.1:5000' }), 'unreachable', /Can't reach the schedlink server at http:\/\/127\.0\.0\.1:5000/, true],
    [new ApiError({ kind: 'timeout' }), 'timeout', /did not answer in time/, false],
    [new ApiError({ kind: 'redirect' }), 'redirect', /redirect/, true],
    [new ApiError({ kind: 'bad_response' }), 'bad_response', /not understood/, true],
    [new ApiError({ kind: 'not_configured' }), 'not_configured', /not set up yet.*Options/, true],
    [new ApiError({ kind: 'page_unreadable' }), 'page_unreadable', /can't be read by extensions.*Type the contact in/, false],
  ];
  for (const [err, code, pattern, hint] of table) {
    it(`${err.kind} ${err.status || ''} → ${code}`, () => {
      const d = describeError(err);
      assert.equal(d.code, code);
      assert.match(d.message, pattern);
      assert.equal(Boolean(d.optionsHint), hint);
    });
  }
  it('422 carries the field messages', () => {
    const d = describeError(http(422, { fields: { 'contact.email': ['required'] } }));
    assert.equal(d.code, 'validation');
    assert.equal(d.status, 422);
    assert.deepEqual(d.fields, { 'contact.email': ['required'] });
    assert.match(d.message, /fix the marked fields/);
  });
  it('422 without fields shows the server message', () => {
    const d = describeError(http(422, { message: 'bad', fields: {} }));
    assert.match(d.message, /The server said: bad/);
  });
  it('429 reports retryAfter', () => {
    assert.equal(describeError(http(429, { retryAfter: 5 })).retryAfter, 5);
  });
  it('input errors name their field', () => {
    assert.deepEqual(describeError(new UrlError('bad url')), { code: 'invalid_input', message: 'bad url', fields: { backendUrl: ['bad url'] } });
    assert.deepEqual(describeError(new SettingsError('bad key')), { code: 'invalid_input', message: 'bad key', fields: { apiKey: ['bad key'] } });
    assert.deepEqual(describeError(new UserError('permission_missing', 'no')), { code: 'permission_missing', message: 'no' });
  });
  it('unexpected errors do not leak internals', () => {
    const d = describeError(new Error('secret stack detail'));
    assert.equal(d.code, 'internal');
    assert.equal(d.message.includes('secret'), false);
  });
});
