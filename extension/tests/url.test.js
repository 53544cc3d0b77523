import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DEFAULT_BACKEND_URL,
  UrlError,
  apiUrl,
  isHttpUrl,
  isLoopbackHost,
  isSitePattern,
  normalizeBackendUrl,
  originPattern,
  pageUrlForParse,
  sitePattern,
} from '../lib/url.js';

describe('normalizeBackendUrl', () => {
  const ok = [
    ['http://127.0.0.1:5000', 'http://127.0.0.1:5000'],
    ['http://127.0.0.1:5000/', 'http://127.0.0.1:5000'],
    ['  http://127.0.0.1:5000//  ', 'http://127.0.0.1:5000'],
    ['127.0.0.1:5000', 'http://127.0.0.1:5000'],
    ['localhost:5000', 'http://localhost:5000'],
    ['LOCALHOST:5000', 'http://localhost:5000'],
    ['[::1]:5000', 'http://[::1]:5000'],
    ['schedlink.example.com', 'https://schedlink.example.com'],
    ['HTTPS://Schedlink.Example.com:443/', 'https://schedlink.example.com'],
    ['https://example.com/schedlink/', 'https://example.com/schedlink'],
    ['https://example.com/schedlink/v1/', 'https://example.com/schedlink'],
    ['http://127.0.0.1:5000/v1', 'http://127.0.0.1:5000'],
  ];
  for (const [input, url] of ok) {
    it(`${JSON.stringify(input)} → ${url}`, () => {
      assert.equal(normalizeBackendUrl(input).url, url);
    });
  }
  const bad = ['', '   ', 'ftp://example.com', 'javascript:alert(1)', 'file:///etc/passwd', 'https://user:pw@example.com',
    'https://example.com/?key=1', 'https://example.com/#x', 'http://exa mple.com', 'http://', 'x'.repeat(3000), 'data:text/html,hi'];
  for (const input of bad) {
    it(`rejects ${JSON.stringify(input.slice(0, 40))}`, () => {
      assert.throws(() => normalizeBackendUrl(input), UrlError);
    });
  }
  it('rejects non-strings', () => {
    assert.throws(() => normalizeBackendUrl(undefined), UrlError);
    assert.throws(() => normalizeBackendUrl(42), UrlError);
  });
  it('warns about plain http to a non-loopback host only', () => {
    assert.equal(normalizeBackendUrl('http://127.0.0.1:5000').warning, null);
    assert.equal(normalizeBackendUrl('http://localhost').warning, null);
    assert.equal(normalizeBackendUrl('https://schedlink.example.com').warning, null);
    assert.match(normalizeBackendUrl('http://192.168.1.5:5000').warning, /unencrypted/);
  });
  it('has the documented default', () => {
    assert.equal(normalizeBackendUrl(DEFAULT_BACKEND_URL).url, 'http://localhost:5000');
  });
});

describe('isLoopbackHost', () => {
  for (const h of ['localhost', 'app.localhost', '127.0.0.1', '127.1.2.3', '[::1]', 'localhost.']) {
    it(`${h} is loopback`, () => assert.equal(isLoopbackHost(h), true));
  }
  for (const h of ['example.com', '10.0.0.1', '128.0.0.1', 'localhost.example.com', '127.0.0.1.example.com']) {
    it(`${h} is not`, () => assert.equal(isLoopbackHost(h), false));
  }
});

describe('apiUrl', () => {
  it('joins base and path', () => {
    assert.equal(apiUrl('http://127.0.0.1:5000', '/v1/userinfo'), 'http://127.0.0.1:5000/v1/userinfo');
    assert.equal(apiUrl('https://e.com/s/', '/v1/markup/parse'), 'https://e.com/s/v1/markup/parse');
  });
  it('only builds /v1/ paths', () => assert.throws(() => apiUrl('http://a', '/admin'), UrlError));
});

describe('permission patterns', () => {
  it('originPattern drops port, path and query', () => {
    assert.equal(originPattern('https://crm.example.com:8443/a/b?c#d'), 'https://crm.example.com/*');
    assert.equal(originPattern('http://127.0.0.1:5000'), 'http://127.0.0.1/*');
    assert.equal(originPattern('http://[::1]:5000/x'), 'http://[::1]/*');
  });
  it('originPattern refuses non-web URLs', () => {
    for (const u of ['chrome://extensions', 'about:blank', 'file:///x', 'not a url']) {
      assert.throws(() => originPattern(u), UrlError, u);
    }
  });
  it('sitePattern accepts what people type', () => {
    assert.equal(sitePattern('crm.example.com'), 'https://crm.example.com/*');
    assert.equal(sitePattern(' http://crm.example.com/deals/1 '), 'http://crm.example.com/*');
    assert.equal(sitePattern('https://crm.example.com/*'), 'https://crm.example.com/*');
    assert.throws(() => sitePattern(''), UrlError);
    assert.throws(() => sitePattern('javascript:alert(1)'), UrlError);
  });
  it('isSitePattern accepts only scheme://host/*', () => {
    assert.equal(isSitePattern('https://crm.example.com/*'), true);
    assert.equal(isSitePattern('http://[::1]/*'), true);
    for (const p of ['<all_urls>', '*://*/*', 'https://*/*', 'https://*.example.com/*', 'https://a.com/x/*', 'ftp://a.com/*', 42]) {
      assert.equal(isSitePattern(p), false, String(p));
    }
  });
});

describe('pageUrlForParse', () => {
  it('keeps scheme, host, port and path only', () => {
    assert.equal(
      pageUrlForParse('https://user:pw@crm.example.com:8443/deals/17?session=abc#notes'),
      'https://crm.example.com:8443/deals/17',
    );
  });
  it('returns null for non-web and broken URLs', () => {
    for (const u of ['chrome://newtab/', 'about:blank', 'file:///tmp/x.html', '', null, undefined, 'nope']) {
      assert.equal(pageUrlForParse(u), null, String(u));
    }
  });
});

describe('isHttpUrl', () => {
  it('accepts http(s) only', () => {
    assert.equal(isHttpUrl('https://s.example/b/abc'), true);
    assert.equal(isHttpUrl('http://127.0.0.1:5000/b/x'), true);
    assert.equal(isHttpUrl('javascript:alert(1)'), false);
    assert.equal(isHttpUrl('data:text/html,x'), false);
    assert.equal(isHttpUrl('/b/relative'), false);
    assert.equal(isHttpUrl(null), false);
  });
});
