// The browser-compat layer (lib/browser.js) and the Firefox-specific paths of
// the service worker / background script, against Firefox-shaped fakes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pickBrowserApi } from '../lib/browser.js';
import { firefoxManifest } from '../scripts/package.mjs';
import { root } from './helpers.js';

const manifest = JSON.parse(readFileSync(join(root, 'manifest.json'), 'utf8'));

describe('pickBrowserApi', () => {
  const chrome = { runtime: { id: 'chrome' } };
  const browser = { runtime: { id: 'browser', getBrowserInfo: async () => ({ name: 'Firefox' }) } };
  it('prefers the standard `browser` namespace (Firefox, recent Chrome)', () => {
    assert.equal(pickBrowserApi({ browser, chrome }), browser);
  });
  it('falls back to `chrome`', () => assert.equal(pickBrowserApi({ chrome }), chrome));
  it('is undefined outside an extension', () => assert.equal(pickBrowserApi({}), undefined));
});

describe('Firefox manifest', () => {
  const m = firefoxManifest(manifest);
  it('runs background.js as a module event page, not a service worker', () => {
    assert.deepEqual(m.background, { scripts: ['background.js'], type: 'module' });
  });
  it('has the fixed add-on id (its storage survives reinstalls) and Firefox 140 or later', () => {
    assert.equal(m.browser_specific_settings.gecko.id, 'schedlink@schedlink.dev');
    assert.equal(m.browser_specific_settings.gecko.strict_min_version, '140.0');
  });
  it('asks for no host at install: the server and badge sites are optional host permissions', () => {
    assert.equal('host_permissions' in m, false);
    assert.deepEqual(m.optional_host_permissions, ['http://*/*', 'https://*/*']);
    assert.equal(m.permissions.includes('<all_urls>'), false);
    assert.deepEqual([...m.permissions].sort(), ['activeTab', 'clipboardWrite', 'scripting', 'storage']);
  });
});

describe('background.js uses only promise-returning calls', () => {
  const source = readFileSync(join(root, 'background.js'), 'utf8');
  it('imports the namespace from lib/browser.js, never `chrome.` directly', () => {
    assert.match(source, /from '\.\/lib\/browser\.js'/);
    assert.doesNotMatch(source, /\bchrome\./);
  });
  it('no extension code passes a callback to a browser API (Firefox `browser.*` takes none)', () => {
    for (const file of ['background.js', 'lib/service.js', 'lib/ui.js', 'options/options.js', 'popup/popup.js', 'content/detect-in-tab.js']) {
      const code = readFileSync(join(root, file), 'utf8');
      assert.doesNotMatch(code, /\bchrome\.\w+\.\w+\(/, file);
      assert.doesNotMatch(code, /runtime\.lastError/, file);
    }
  });
});
