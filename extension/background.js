// schedlink service worker (Chrome) / background script (Firefox).
//
// It owns the network and storage: extension pages ask it for everything
// through one validated message router (lib/router.js). All listeners are
// registered synchronously at top level so the browser can wake the worker
// for them.

import { browserApi as browser } from './lib/browser.js';
import { createRouter } from './lib/router.js';
import { createService } from './lib/service.js';

const log = (...args) => console.warn('[schedlink]', ...args);

const service = createService({
  browser,
  fetch: (...args) => globalThis.fetch(...args),
  log,
});

const route = createRouter({
  runtimeId: browser.runtime.id,
  extensionOrigin: browser.runtime.getURL(''),
  handlers: service.handlers,
  describeError: service.describe,
  log,
});

browser.runtime.onMessage.addListener((message, sender, sendResponse) => {
  route(message, sender).then(sendResponse, (err) => {
    log('router failed', err);
    sendResponse({ ok: false, error: { code: 'internal', message: 'Something went wrong inside the extension.' } });
  });
  return true; // answer asynchronously
});

browser.tabs.onUpdated.addListener((tabId, changeInfo, tab) => {
  service.onTabUpdated(tabId, changeInfo, tab).catch((err) => log('badge update failed', err));
});

browser.permissions.onRemoved.addListener((removed) => {
  service.onPermissionsRemoved(removed).catch((err) => log('permission cleanup failed', err));
});

// Every time the worker starts: keep the API key away from content scripts,
// and set the badge colour (cheap, and survives browser restarts this way).
service.restrictStorage();
Promise.resolve(browser.action.setBadgeBackgroundColor({ color: '#1d4ed8' })).catch(() => {});
