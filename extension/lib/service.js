// The service worker's behaviour, with the browser namespace and fetch
// injected so tests can run it against fakes. background.js only wires these
// handlers and listeners to the real APIs at top level.

import { ApiError, createApiClient } from './api.js';
import {
  browserLabel,
  challengeFor,
  cleanStart,
  cleanToken,
  newVerifier,
  publicRequest,
  signupStatus,
} from './connect.js';
import { badgeCount, badgeText } from './detect.js';
import { UserError, describeError } from './errors.js';
import { SettingsError, createSettingsStore, normalizeApiKey } from './settings.js';
import { normalizeBackendUrl, originPattern, pageUrlForParse } from './url.js';
import { detectInTab } from '../content/detect-in-tab.js';

const CONTACT_KEYS = ['name', 'email', 'organization', 'title', 'phone', 'tzid', 'reference'];

/** The contact object sent to POST /v1/scheduling_links: trimmed, empty values left out;
 * the page's pre-filled answers travel along (the router checked their shape). */
export function contactForLink(contact) {
  const out = {};
  for (const key of CONTACT_KEYS) {
    const v = contact?.[key];
    if (typeof v === 'string' && v.trim() !== '') out[key] = v.trim();
  }
  if (contact?.answers && Object.keys(contact.answers).length) out.answers = { ...contact.answers };
  return out;
}

/**
 * @param {object} o
 * @param {object} o.browser the WebExtension namespace (or a fake)
 * @param {typeof fetch} o.fetch
 * @param {() => number} [o.now]
 */
export function createService({ browser, fetch, now = () => Date.now(), log = () => {} }) {
  const settings = createSettingsStore(browser.storage.local);
  // The pending connection's verifier: in memory only where the browser offers it.
  const pendingArea = () => browser.storage.session ?? browser.storage.local;

  async function apiFor(overrides = {}) {
    const s = await settings.load();
    const baseUrl = overrides.backendUrl ?? s.backendUrl;
    const apiKey = overrides.apiKey ?? s.apiKey;
    if (!apiKey) throw new ApiError({ kind: 'not_configured' });
    return { s, api: createApiClient({ fetch, baseUrl, apiKey, now }) };
  }

  async function setBadge(tabId, text) {
    try {
      await browser.action.setBadgeText({ tabId, text });
    } catch {
      // the tab may be gone
    }
  }

  async function isBadgeTab(url, badgeSites) {
    let pattern;
    try {
      pattern = originPattern(url);
    } catch {
      return false;
    }
    if (!badgeSites.includes(pattern)) return false;
    try {
      return await browser.permissions.contains({ origins: [pattern] });
    } catch {
      return false;
    }
  }

  /** Count candidates locally and put the number on the tab's badge. */
  async function countTab(tabId) {
    try {
      const detection = await detectInTab(browser.scripting, tabId);
      await setBadge(tabId, badgeText(badgeCount(detection)));
    } catch (err) {
      log('badge count failed', err?.message);
      await setBadge(tabId, '');
    }
  }

  const handlers = {
    async detect({ tabId }) {
      const { s, api } = await apiFor();
      const detection = await detectInTab(browser.scripting, tabId);
      let tabUrl = null;
      try {
        tabUrl = (await browser.tabs.get(tabId))?.url ?? null;
      } catch {
        tabUrl = null;
      }
      const url = pageUrlForParse(tabUrl) ?? pageUrlForParse(detection.url);
      let site = null;
      try {
        site = url ? originPattern(url) : null;
      } catch {
        site = null;
      }
      const summary = {
        url,
        site,
        candidates: detection.candidates.length,
        formats: detection.candidates.map((c) => c.format),
        dropped: detection.dropped,
        unreadableFrames: detection.scopes.unreadableFrames,
      };
      if (tabUrl && (await isBadgeTab(tabUrl, s.badgeSites))) {
        await setBadge(tabId, badgeText(badgeCount(detection)));
      }
      if (detection.candidates.length === 0) return { ...summary, contacts: [], warnings: [] };
      const html = detection.candidates.map((c) => c.html).join('\n');
      const parsed = await api.parseMarkup(html, url);
      return { ...summary, contacts: parsed.contacts, warnings: parsed.warnings };
    },

    async createLink(payload) {
      const { api } = await apiFor();
      const body = { contact: contactForLink(payload.contact) };
      for (const key of ['summary', 'duration_minutes', 'expires_at', 'max_uses', 'place', 'hosts', 'questions', 'max_guests']) {
        if (payload[key] !== undefined) body[key] = payload[key];
      }
      return { link: await api.createLink(body) };
    },

    async getTeam() {
      const { api } = await apiFor();
      const [me, organization] = await Promise.all([api.userinfo(), api.organization()]);
      return { me: { sub: me.sub, name: me.name }, organization };
    },

    async getQr({ id }) {
      const { api } = await apiFor();
      return { dataUrl: await api.qrDataUrl(id) };
    },

    async getSettings() {
      return settings.publicView();
    },

    async saveSettings({ backendUrl, apiKey, clearApiKey }) {
      const saved = await settings.save({ backendUrl, apiKey, clearApiKey });
      const view = await settings.publicView();
      return { ...view, warning: saved.warning };
    },

    async testConnection({ backendUrl, apiKey }) {
      const overrides = {};
      if (backendUrl) overrides.backendUrl = normalizeBackendUrl(backendUrl).url;
      if (apiKey && apiKey.trim()) overrides.apiKey = normalizeApiKey(apiKey);
      // The stored key goes only to the stored server: a typed-but-unsaved URL (a typo, or
      // a look-alike pasted from elsewhere) must not receive it.
      if (overrides.backendUrl && !overrides.apiKey) {
        const saved = await settings.load();
        if (saved.apiKey && overrides.backendUrl !== saved.backendUrl) {
          throw new SettingsError('To test another server, type its API key too (or save the new URL first); the saved key is only sent to the saved server.');
        }
      }
      const { api } = await apiFor(overrides);
      return { backendUrl: api.baseUrl, userinfo: await api.userinfo() };
    },

    async getSignup({ backendUrl }) {
      return signupStatus(fetch, normalizeBackendUrl(backendUrl).url);
    },

    async connectStart({ backendUrl }) {
      const base = normalizeBackendUrl(backendUrl).url;
      const verifier = newVerifier();
      const { body } = await publicRequest(fetch, base, 'POST', '/v1/browser_connections', {
        code_challenge: await challengeFor(verifier),
        browser: browserLabel(globalThis.navigator?.userAgent),
      });
      const started = cleanStart(body, base);
      const connectPending = {
        backendUrl: base,
        connectionId: started.connectionId,
        verifier,
        userCode: started.userCode,
        expiresAt: now() + started.expiresIn * 1000,
      };
      await pendingArea().set({ connectPending });
      await browser.tabs.create({ url: started.verificationUrl });
      return { userCode: started.userCode, interval: started.interval, expiresIn: started.expiresIn };
    },

    async connectPoll() {
      const { connectPending: p } = await pendingArea().get('connectPending');
      if (!p) return { status: 'none' };
      const forget = () => pendingArea().remove('connectPending');
      if (now() > p.expiresAt) {
        await forget();
        return { status: 'expired' };
      }
      let answer;
      try {
        const { status, body } = await publicRequest(fetch, p.backendUrl, 'POST', '/v1/browser_connections/token', {
          connection_id: p.connectionId,
          code_verifier: p.verifier,
        });
        answer = cleanToken(status, body);
      } catch (err) {
        if (err instanceof ApiError && err.kind === 'http' && (err.status === 404 || err.status === 410)) {
          await forget();
          return { status: 'expired' };
        }
        throw err;
      }
      if (!answer) return { status: 'pending', userCode: p.userCode };
      await settings.save({ backendUrl: p.backendUrl, apiKey: answer.apiKey });
      await forget();
      return { status: 'connected', who: answer.who, settings: await settings.publicView() };
    },

    async addBadgeSite({ pattern }) {
      const granted = await browser.permissions.contains({ origins: [pattern] });
      if (!granted) {
        throw new UserError('permission_missing', 'Access to that site was not granted, so no count can be shown there.');
      }
      const s = await settings.load();
      const badgeSites = await settings.setBadgeSites([...s.badgeSites, pattern]);
      try {
        const tabs = await browser.tabs.query({ url: pattern });
        await Promise.all(tabs.filter((t) => Number.isSafeInteger(t.id)).map((t) => countTab(t.id)));
      } catch (err) {
        log('counting open tabs failed', err?.message);
      }
      return { badgeSites };
    },

    async removeBadgeSite({ pattern }) {
      const s = await settings.load();
      try {
        const tabs = await browser.tabs.query({ url: pattern });
        await Promise.all(tabs.filter((t) => Number.isSafeInteger(t.id)).map((t) => setBadge(t.id, '')));
      } catch {
        // without the permission the tabs are not visible; nothing to clear
      }
      const badgeSites = await settings.setBadgeSites(s.badgeSites.filter((p) => p !== pattern));
      let backendPattern = null;
      try {
        backendPattern = originPattern(s.backendUrl);
      } catch {
        backendPattern = null;
      }
      // Keep the backend's own permission: it is what lets the API calls through.
      if (pattern !== backendPattern) {
        try {
          await browser.permissions.remove({ origins: [pattern] });
        } catch (err) {
          log('permission removal failed', err?.message);
        }
      }
      return { badgeSites };
    },
  };

  return {
    handlers,
    settings,
    describe: (err) => describeError(err),

    /** tabs.onUpdated: count candidates on badge sites once a page has loaded. */
    async onTabUpdated(tabId, changeInfo, tab) {
      const url = tab?.url;
      if (typeof url !== 'string') return; // no permission for this tab: not ours to look at
      if (changeInfo.status !== 'loading' && changeInfo.status !== 'complete') return;
      const { badgeSites } = await settings.load();
      if (!(await isBadgeTab(url, badgeSites))) return;
      if (changeInfo.status === 'loading') await setBadge(tabId, '');
      else await countTab(tabId);
    },

    /** permissions.onRemoved: forget badge sites whose permission the user revoked. */
    async onPermissionsRemoved(removed) {
      const origins = Array.isArray(removed?.origins) ? removed.origins : [];
      if (!origins.length) return;
      const s = await settings.load();
      const left = s.badgeSites.filter((p) => !origins.includes(p));
      if (left.length !== s.badgeSites.length) await settings.setBadgeSites(left);
    },

    /** Keep storage.local (the API key) away from content scripts where supported. */
    async restrictStorage() {
      const area = browser.storage?.local;
      if (!area || typeof area.setAccessLevel !== 'function') return false;
      try {
        await area.setAccessLevel({ accessLevel: 'TRUSTED_CONTEXTS' });
        return true;
      } catch (err) {
        // Firefox supports it for storage.session only; see README.md.
        log('storage.local.setAccessLevel not supported', err?.message);
        return false;
      }
    },
  };
}
