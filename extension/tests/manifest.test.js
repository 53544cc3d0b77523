// Static checks on what ships: the manifest's permission model, the fixed
// extension ID, icons, HTML pages, and a grep of the runtime code for unsafe
// DOM sinks and for network/key access from the in-page code.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { extensionIdFromKey } from '../scripts/extension-id.mjs';
import { buildPackages, chromeManifest, firefoxManifest, runtimeFiles } from '../scripts/package.mjs';
import { root, unzip } from './helpers.js';

const read = (p) => readFileSync(join(root, p), 'utf8');
const manifest = JSON.parse(read('manifest.json'));

describe('manifest: permission model', () => {
  it('is Manifest V3', () => assert.equal(manifest.manifest_version, 3));
  it('asks only for activeTab, scripting, storage, clipboardWrite at install', () => {
    assert.deepEqual([...manifest.permissions].sort(), ['activeTab', 'clipboardWrite', 'scripting', 'storage']);
  });
  it('has no install-time host access, content scripts, external messaging or exposed resources', () => {
    for (const key of ['host_permissions', 'content_scripts', 'externally_connectable', 'web_accessible_resources', 'optional_permissions']) {
      assert.equal(key in manifest, false, key);
    }
    assert.equal(JSON.stringify(manifest).includes('<all_urls>'), false);
  });
  it('host access is optional, requested per site at run time', () => {
    assert.deepEqual(manifest.optional_host_permissions, ['http://*/*', 'https://*/*']);
  });
  it('one manifest runs in Chrome (service_worker) and Firefox (scripts)', () => {
    assert.equal(manifest.background.service_worker, 'background.js');
    assert.deepEqual(manifest.background.scripts, ['background.js']);
    assert.equal(manifest.background.type, 'module');
    assert.equal(manifest.browser_specific_settings.gecko.id, 'schedlink@schedlink.dev');
    assert.match(manifest.browser_specific_settings.gecko.strict_min_version, /^\d+\.\d+$/);
    assert.ok(Number(manifest.minimum_chrome_version) >= 121);
  });
  it('keeps a strict CSP for extension pages', () => {
    const csp = manifest.content_security_policy.extension_pages;
    assert.match(csp, /script-src 'self';/);
    assert.match(csp, /object-src 'none'/);
    assert.doesNotMatch(csp, /unsafe-|https?:|\*/);
  });
  it('every file it names exists', () => {
    const files = [manifest.background.service_worker, manifest.action.default_popup, manifest.options_ui.page, ...Object.values(manifest.icons), ...Object.values(manifest.action.default_icon)];
    for (const f of files) assert.ok(existsSync(join(root, f)), f);
  });
});

describe('fixed extension ID', () => {
  it('EXTENSION_ID is derived from the manifest key', () => {
    const id = read('EXTENSION_ID').trim();
    assert.match(id, /^[a-p]{32}$/);
    assert.equal(extensionIdFromKey(manifest.key), id);
  });
  it('the private key is not in the tree', () => {
    for (const f of runtimeFiles()) assert.doesNotMatch(read(f), /PRIVATE KEY/, f);
    assert.equal(existsSync(join(root, 'key.pem')), false);
  });
});

describe('icons', () => {
  for (const [size, file] of Object.entries(manifest.icons)) {
    it(`${file} is a ${size}×${size} PNG`, () => {
      const buf = readFileSync(join(root, file));
      assert.equal(buf.subarray(1, 4).toString('ascii'), 'PNG');
      assert.equal(buf.readUInt32BE(16), Number(size));
      assert.equal(buf.readUInt32BE(20), Number(size));
    });
  }
});

describe('pages', () => {
  const pages = {
    'popup/popup.html': ['status', 'error', 'contact-list', 'name', 'email', 'summary', 'duration', 'expires-days', 'max-uses', 'create', 'link-url', 'copy', 'copy-message', 'qr'],
    'options/options.html': ['backend-url', 'api-key', 'save', 'test', 'result', 'badge-site', 'badge-add', 'badge-sites'],
  };
  for (const [page, ids] of Object.entries(pages)) {
    const html = read(page);
    it(`${page} has the documented element ids`, () => {
      for (const id of ids) assert.match(html, new RegExp(`id="${id}"`), id);
    });
    it(`${page} has no inline script, inline handler or remote resource`, () => {
      for (const m of html.matchAll(/<script\b([^>]*)>/g)) assert.match(m[1], /src="[^":]+\.js"/);
      assert.doesNotMatch(html, /\son[a-z]+=/i);
      assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//i);
    });
    it(`${page} labels every input`, () => {
      for (const m of html.matchAll(/<input\b[^>]*\bid="([^"]+)"/g)) assert.match(html, new RegExp(`<label[^>]*for="${m[1]}"`), m[1]);
    });
  }
  it('status and error regions are announced', () => {
    const html = read('popup/popup.html');
    assert.match(html, /id="status" role="status" aria-live="polite"/);
    assert.match(html, /id="error" role="alert"/);
  });
});

describe('runtime code grep', () => {
  const code = runtimeFiles().filter((f) => /\.(js|html)$/.test(f));
  // Built from pieces so this file does not itself contain the words.
  const sinks = [
    new RegExp(['inner', 'HTML'].join('')),
    new RegExp(['outer', 'HTML\\s*\\+?='].join('')),
    new RegExp(['insertAdjacent', 'HTML'].join('')),
    new RegExp(['document\\.', 'write'].join('')),
    new RegExp(['\\bev', 'al\\('].join('')),
    new RegExp(['new\\s+Func', 'tion'].join('')),
    new RegExp(['create', 'ContextualFragment'].join('')),
    new RegExp(['DOM', 'Parser'].join('')),
    /setTimeout\(\s*['"`]/,
  ];
  for (const file of code) {
    it(`${file} has no HTML-string sink or eval`, () => {
      const src = read(file);
      for (const re of sinks) assert.doesNotMatch(src, re, `${re} in ${file}`);
    });
  }
  it('the in-page code makes no request and touches no storage or key', () => {
    for (const file of ['lib/detect.js', 'content/detect-in-tab.js']) {
      const src = read(file);
      assert.doesNotMatch(src, /\bfetch\(|XMLHttpRequest|WebSocket|sendBeacon|\bstorage\b|apiKey|Authorization/, file);
    }
  });
  it('only the service worker side talks to the network', () => {
    const fetchers = code.filter((f) => /\bfetch\(/.test(read(f)));
    // lib/connect.js: the worker's keyless calls (sign-up status, connecting this browser).
    assert.deepEqual(fetchers.sort(), ['background.js', 'lib/api.js', 'lib/connect.js']);
  });
  it('the popup and options page never read the stored key', () => {
    for (const file of ['popup/popup.js', 'options/options.js', 'lib/ui.js']) assert.doesNotMatch(read(file), /storage\./, file);
  });
});

describe('packages', () => {
  it('Chrome package: no Firefox keys, keeps the key unless for the store', () => {
    const m = chromeManifest(manifest);
    assert.equal(m.background.service_worker, 'background.js');
    assert.equal('scripts' in m.background, false);
    assert.equal('browser_specific_settings' in m, false);
    assert.equal(m.key, manifest.key);
    assert.equal('key' in chromeManifest(manifest, { store: true }), false);
  });
  it('Firefox package: no key, no service_worker', () => {
    const m = firefoxManifest(manifest);
    assert.equal('key' in m, false);
    assert.equal('service_worker' in m.background, false);
    assert.deepEqual(m.background.scripts, ['background.js']);
    assert.equal('minimum_chrome_version' in m, false);
  });
  it('web-ext build makes both packages from the one source, each with exactly the runtime files', async () => {
    const dist = mkdtempSync(join(tmpdir(), 'schedlink-dist-'));
    try {
      const paths = await buildPackages({ dist });
      assert.deepEqual(paths.map((p) => p.slice(dist.length + 1)), ['schedlink-chrome.zip', 'schedlink-firefox.zip']);
      const [chrome, firefox] = paths.map((p) => unzip(readFileSync(p)));
      for (const files of [chrome, firefox]) {
        const names = Object.keys(files).sort();
        assert.deepEqual(names, [...runtimeFiles()].sort());
        assert.ok(names.includes('lib/detect.js') && names.includes('popup/popup.html'));
        assert.equal(names.some((n) => /^(tests|bench|scripts|node_modules)\//.test(n) || n.startsWith('package')), false);
        assert.equal(files['lib/detect.js'].toString('utf8'), read('lib/detect.js'));
      }
      assert.deepEqual(JSON.parse(firefox['manifest.json']), firefoxManifest(manifest));
      assert.deepEqual(JSON.parse(chrome['manifest.json']), chromeManifest(manifest));
      assert.equal('key' in JSON.parse(firefox['manifest.json']), false);
    } finally {
      rmSync(dist, { recursive: true, force: true });
    }
  });
});
