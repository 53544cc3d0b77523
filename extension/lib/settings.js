// Settings in storage.local, read and written only by the service worker.
//
// Keys: backendUrl (normalised), apiKey, badgeSites (match patterns the user
// enabled the toolbar count for). The service worker restricts storage.local
// to trusted contexts where the browser supports it (Chrome), so content
// scripts cannot read the key; see README.md "Permission model".

import { DEFAULT_BACKEND_URL, isSitePattern, normalizeBackendUrl } from './url.js';

export class SettingsError extends Error {
  constructor(message) {
    super(message);
    this.name = 'SettingsError';
  }
}

/** Check an API key as typed: printable ASCII without spaces (it goes into a header). */
export function normalizeApiKey(input) {
  const key = String(input ?? '').trim();
  if (key.length === 0) throw new SettingsError('Enter the API key.');
  if (key.length > 512) throw new SettingsError('That API key is too long.');
  if (!/^[\x21-\x7e]+$/.test(key)) {
    throw new SettingsError('An API key has no spaces or special characters; paste it again.');
  }
  return key;
}

/** A short, non-secret reminder of which key is stored: "…abcd". */
export function apiKeyHint(key) {
  return typeof key === 'string' && key.length >= 12 ? `…${key.slice(-4)}` : key ? '(set)' : '';
}

export function createSettingsStore(storageArea) {
  async function load() {
    const raw = await storageArea.get(['backendUrl', 'apiKey', 'badgeSites']);
    let backendUrl = DEFAULT_BACKEND_URL;
    if (typeof raw.backendUrl === 'string') {
      try {
        backendUrl = normalizeBackendUrl(raw.backendUrl).url;
      } catch {
        backendUrl = DEFAULT_BACKEND_URL;
      }
    }
    const apiKey = typeof raw.apiKey === 'string' && raw.apiKey ? raw.apiKey : '';
    const badgeSites = Array.isArray(raw.badgeSites) ? raw.badgeSites.filter(isSitePattern) : [];
    return { backendUrl, apiKey, badgeSites };
  }

  return {
    load,

    /** The settings as extension pages may see them: never the key itself. */
    async publicView() {
      const s = await load();
      return {
        backendUrl: s.backendUrl,
        defaultBackendUrl: DEFAULT_BACKEND_URL,
        apiKeySet: Boolean(s.apiKey),
        apiKeyHint: apiKeyHint(s.apiKey),
        badgeSites: s.badgeSites,
      };
    },

    /**
     * Save the backend URL and, when given and not empty, the API key.
     * `clearApiKey` forgets the stored key. Returns {backendUrl, warning}.
     */
    async save({ backendUrl, apiKey, clearApiKey = false }) {
      const { url, warning } = normalizeBackendUrl(backendUrl);
      const update = { backendUrl: url };
      if (apiKey !== undefined && String(apiKey).trim() !== '') update.apiKey = normalizeApiKey(apiKey);
      await storageArea.set(update);
      if (clearApiKey && update.apiKey === undefined) await storageArea.remove('apiKey');
      return { backendUrl: url, warning };
    },

    async setBadgeSites(list) {
      const unique = [...new Set(list.filter(isSitePattern))].sort();
      await storageArea.set({ badgeSites: unique });
      return unique;
    },
  };
}
