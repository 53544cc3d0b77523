// Shared test helpers: linkedom documents and fixture loading.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateRawSync } from 'node:zlib';
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

/**
 * The files of a ZIP archive (what `web-ext build` writes), read through its
 * central directory: {name: Buffer}, directories left out, CRCs checked.
 */
export function unzip(buf) {
  const CRC = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc32 = (data) => {
    let c = 0xffffffff;
    for (let i = 0; i < data.length; i++) c = CRC[(c ^ data[i]) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  let end = buf.length - 22;
  while (end >= 0 && buf.readUInt32LE(end) !== 0x06054b50) end -= 1;
  if (end < 0) throw new Error('not a ZIP archive');
  const count = buf.readUInt16LE(end + 10);
  let p = buf.readUInt32LE(end + 16);
  const out = {};
  for (let i = 0; i < count; i++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error('bad central directory');
    const method = buf.readUInt16LE(p + 10);
    const crc = buf.readUInt32LE(p + 16);
    const size = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const skip = buf.readUInt16LE(p + 30) + buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    p += 46 + nameLen + skip;
    if (name.endsWith('/')) continue;
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const raw = buf.subarray(start, start + size);
    const data = method === 8 ? inflateRawSync(raw) : Buffer.from(raw);
    if (crc32(data) !== crc) throw new Error(`CRC mismatch in ${name}`);
    out[name] = data;
  }
  return out;
}
