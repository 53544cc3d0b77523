// Shared test helpers: linkedom documents and fixture loading.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseHTML } from 'linkedom';

export const here = dirname(fileURLToPath(import.meta.url));
export const root = join(here, '..');

/** A linkedom Document for a body fragment (or a whole page). */
export function docFrom(html) {
  const page = /<html[\s>]/i.test(html) ? html : `<!doctype html><html><head></head><body>${html}</body></html>`;
  return parseHTML(page).document;
}

export function fixture(kind, name) {
  return readFileSync(join(here, 'fixtures', kind, name), 'utf8');
}

export function fixtures(kind) {
  return readdirSync(join(here, 'fixtures', kind))
    .filter((f) => f.endsWith('.html'))
    .sort()
    .map((file) => ({ name: file.replace(/\.html$/, ''), html: fixture(kind, file) }));
}

/**
 * A fake fetch. `handler(url, init)` returns a Response (or throws); every
 * call is recorded in fake.calls as {url, method, headers, body}.
 */
export function fakeFetch(handler) {
  const calls = [];
  const fake = async (url, init = {}) => {
    const headers = { ...(init.headers || {}) };
    const call = { url, method: init.method || 'GET', headers, body: init.body ? JSON.parse(init.body) : undefined, init };
    calls.push(call);
    return handler(call);
  };
  fake.calls = calls;
  return fake;
}

export function json(status, body, headers = {}) {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });
}

/**
 * A fake WebExtension namespace for the service worker. Tabs are
 * {id: {url, doc}}; scripting.executeScript runs the injected function's
 * *source text* against the tab's linkedom document in a fresh vm context
 * (as the browser serialises `func`), and structured-clones the result.
 */
export async function fakeBrowser({ tabs = {}, granted = [], stored = {}, executeScript = null } = {}) {
  const vm = await import('node:vm');
  const store = structuredClone(stored);
  const badges = {};
  const perms = new Set(granted);
  const injections = [];
  const matches = (pattern, url) => {
    try {
      const p = new URL(pattern.replace('/*', '/'));
      const u = new URL(url);
      return p.protocol === u.protocol && p.hostname === u.hostname;
    } catch {
      return false;
    }
  };
  const api = {
    runtime: { id: 'kdjlmnjmmlphkglgafoeiebaldecllhh' },
    storage: {
      local: {
        async get(keys) {
          const out = {};
          for (const k of [].concat(keys)) if (k in store) out[k] = structuredClone(store[k]);
          return out;
        },
        async set(items) {
          Object.assign(store, structuredClone(items));
        },
        async remove(key) {
          for (const k of [].concat(key)) delete store[k];
        },
        accessLevel: null,
        async setAccessLevel({ accessLevel }) {
          api.storage.local.accessLevel = accessLevel;
        },
      },
    },
    scripting: {
      async executeScript(details) {
        injections.push(details);
        if (executeScript) return executeScript(details);
        const tab = tabs[details.target.tabId];
        if (!tab) throw new Error(`No tab with id: ${details.target.tabId}`);
        if (!tab.doc) throw new Error('Cannot access contents of the page.');
        const context = vm.createContext({ document: tab.doc, TextEncoder });
        const fn = vm.runInContext(`(${details.func.toString()})`, context);
        const result = fn(...JSON.parse(JSON.stringify(details.args)));
        return [{ frameId: 0, result: structuredClone(JSON.parse(JSON.stringify(result))) }];
      },
    },
    tabs: {
      async get(id) {
        if (!tabs[id]) throw new Error('No tab');
        return { id, url: tabs[id].url };
      },
      async query({ url }) {
        return Object.entries(tabs)
          .filter(([, t]) => matches(url, t.url))
          .map(([id, t]) => ({ id: Number(id), url: t.url }));
      },
    },
    permissions: {
      async contains({ origins }) {
        return origins.every((o) => perms.has(o));
      },
      async remove({ origins }) {
        for (const o of origins) perms.delete(o);
        return true;
      },
    },
    action: {
      async setBadgeText({ tabId, text }) {
        badges[tabId] = text;
      },
    },
  };
  return { api, store, badges, perms, injections };
}
