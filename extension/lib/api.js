// The schedlink HTTP API client, used only by the service worker.
//
// Pure apart from the injected `fetch`, so tests drive it with a fake. Every
// answer is treated as untrusted input: shapes are checked and strings bounded
// before anything reaches the popup.

import { apiUrl, isHttpUrl } from './url.js';

const MAX_BODY_CHARS = 2_000_000;
const MAX_QR_CHARS = 500_000;
const LINK_ID = /^[A-Za-z0-9_-]{1,128}$/;
const SOURCES = new Set(['schedlink', 'json-ld', 'microdata', 'h-card', 'hcard', 'mailto']);
const ACCOUNT_SUB = /^acc_[A-Za-z0-9_-]{1,96}$/;
const ANSWER_KEY = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
const MAX_ANSWERS = 20;
const MAX_MEMBERS = 200;

/** Any failure of an API call, with what the UI needs to explain it. */
export class ApiError extends Error {
  /**
   * @param {object} o
   * @param {'http'|'network'|'timeout'|'redirect'|'bad_response'|'not_configured'|'page_unreadable'} o.kind
   * @param {number} [o.status] HTTP status for kind 'http'
   * @param {string} [o.code] the server's "error" code
   * @param {string} [o.message] the server's (or our) message
   * @param {Object<string, string[]>} [o.fields] 422 field messages
   * @param {number|null} [o.retryAfter] seconds, from Retry-After
   */
  constructor({ kind, status = 0, code = '', message = '', fields = null, retryAfter = null, backendUrl = '' }) {
    super(message || code || kind);
    this.name = 'ApiError';
    this.kind = kind;
    this.status = status;
    this.code = code;
    this.serverMessage = message;
    this.fields = fields;
    this.retryAfter = retryAfter;
    this.backendUrl = backendUrl;
  }
}

// Control characters, and bidi overrides/isolates and zero-width characters
// that can make a name display as something else.
// eslint-disable-next-line no-control-regex
const UNSAFE_CHARS = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;

/** A display-safe, bounded string, or null for absent/empty/non-strings. */
export function cleanText(value, max = 500) {
  if (typeof value !== 'string') return null;
  const s = value.replace(UNSAFE_CHARS, ' ').replace(/\s+/g, ' ').trim().slice(0, max);
  return s === '' ? null : s;
}

function cleanInt(value, min, max) {
  return Number.isSafeInteger(value) && value >= min && value <= max ? value : null;
}

/** One Contact from the server, with every field bounded; null if unusable. */
export function cleanContact(c) {
  if (c === null || typeof c !== 'object' || Array.isArray(c)) return null;
  const contact = {
    name: cleanText(c.name, 200),
    email: cleanText(c.email, 320),
    organization: cleanText(c.organization, 200),
    title: cleanText(c.title, 200),
    phone: cleanText(c.phone, 64),
    tzid: cleanText(c.tzid, 64),
    reference: cleanText(c.reference, 200),
    summary: cleanText(c.summary, 200),
    duration_minutes: cleanInt(c.duration_minutes, 1, 1440),
    source: SOURCES.has(c.source) ? c.source : null,
  };
  const answers = cleanAnswers(c.answers);
  if (answers) contact.answers = answers;
  return contact.name || contact.email ? contact : null;
}

/** Pre-filled booking answers ({key: text}, keys as docs/markup.md names them), or null. */
export function cleanAnswers(answers) {
  if (answers === null || typeof answers !== 'object' || Array.isArray(answers)) return null;
  const out = {};
  for (const [key, value] of Object.entries(answers).slice(0, MAX_ANSWERS)) {
    const text = cleanText(value, 2000);
    if (ANSWER_KEY.test(key) && text) out[key] = text;
  }
  return Object.keys(out).length ? out : null;
}

/** POST /v1/markup/parse answer → {contacts, warnings}. */
export function cleanParseResult(body) {
  if (body === null || typeof body !== 'object' || !Array.isArray(body.contacts)) {
    throw new ApiError({ kind: 'bad_response', message: 'parse answer without "contacts"' });
  }
  const contacts = body.contacts.slice(0, 100).map(cleanContact).filter(Boolean);
  const warnings = Array.isArray(body.warnings)
    ? body.warnings.slice(0, 20).map((w) => cleanText(w, 300)).filter(Boolean)
    : [];
  return { contacts, warnings };
}

/** A Link from the server; its URL must be http(s) (it ends up in a message). */
export function cleanLink(link) {
  if (link === null || typeof link !== 'object' || !LINK_ID.test(link.id) || !isHttpUrl(link.url)) {
    throw new ApiError({ kind: 'bad_response', message: 'scheduling link without a valid id and url' });
  }
  return {
    id: link.id,
    url: link.url,
    status: cleanText(link.status, 32),
    contact: cleanContact(link.contact),
    summary: cleanText(link.summary, 200),
    duration_minutes: cleanInt(link.duration_minutes, 1, 1440),
    expires_at: cleanText(link.expires_at, 40),
    max_uses: cleanInt(link.max_uses, 0, 1_000_000),
    uses: cleanInt(link.uses, 0, 1_000_000),
    created_at: cleanText(link.created_at, 40),
  };
}

/** GET /v1/userinfo answer → {sub, email, name, tzid}. */
export function cleanUserinfo(body) {
  if (body === null || typeof body !== 'object' || typeof body.sub !== 'string') {
    throw new ApiError({ kind: 'bad_response', message: 'userinfo answer without "sub"' });
  }
  return {
    sub: cleanText(body.sub, 100),
    email: cleanText(body.email, 320),
    name: cleanText(body.name, 200),
    tzid: cleanText(body.tzid, 64),
  };
}

/** GET /v1/organization answer → {name, members: [{sub, name, email, role}]}. */
export function cleanOrganization(body) {
  const org = body?.organization;
  if (org === null || typeof org !== 'object' || !Array.isArray(org.members)) {
    throw new ApiError({ kind: 'bad_response', message: 'organization answer without "members"' });
  }
  const members = org.members
    .slice(0, MAX_MEMBERS)
    .filter((m) => m && typeof m === 'object' && typeof m.sub === 'string' && ACCOUNT_SUB.test(m.sub))
    .map((m) => ({
      sub: m.sub,
      name: cleanText(m.name, 200),
      email: cleanText(m.email, 320),
      role: m.role === 'admin' ? 'admin' : 'member',
    }));
  return { name: cleanText(org.name, 200), members };
}

/** Seconds from a Retry-After header (delta-seconds or HTTP-date), else null. */
export function parseRetryAfter(value, now = Date.now()) {
  if (typeof value !== 'string' || value.trim() === '') return null;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Math.min(Number(v), 86_400);
  const t = Date.parse(v);
  if (Number.isNaN(t)) return null;
  return Math.max(0, Math.min(Math.ceil((t - now) / 1000), 86_400));
}

/** 422 body {"errors": {"field": [{"key", "description"}]}} → {field: [text]}. */
export function parseValidationErrors(body) {
  const out = {};
  const errors = body && typeof body === 'object' ? body.errors : null;
  if (!errors || typeof errors !== 'object' || Array.isArray(errors)) return out;
  for (const [field, list] of Object.entries(errors).slice(0, 50)) {
    const name = cleanText(field, 100);
    if (!name) continue;
    const items = Array.isArray(list) ? list : [list];
    const texts = items
      .slice(0, 10)
      .map((e) =>
        typeof e === 'string'
          ? cleanText(e, 300)
          : e && typeof e === 'object'
            ? cleanText(e.description, 300) || cleanText(e.key, 100)
            : null,
      )
      .filter(Boolean);
    out[name] = texts.length ? texts : ['is not valid'];
  }
  return out;
}

/** Build the ApiError for a non-2xx response from its status, body text and headers. */
export function errorFromResponse(status, text, headers, now = Date.now()) {
  let body = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  const get = (h) => (headers && typeof headers.get === 'function' ? headers.get(h) : null);
  return new ApiError({
    kind: 'http',
    status,
    code: cleanText(body?.error, 64) || '',
    message: cleanText(body?.message, 500) || '',
    fields: status === 422 ? parseValidationErrors(body) : null,
    retryAfter: status === 429 || status === 503 ? parseRetryAfter(get('Retry-After'), now) : null,
  });
}

/**
 * @param {object} o
 * @param {typeof fetch} o.fetch
 * @param {string} o.baseUrl normalised backend URL (lib/url.js normalizeBackendUrl)
 * @param {string} o.apiKey
 * @param {number} [o.timeoutMs]
 */
export function createApiClient({ fetch, baseUrl, apiKey, timeoutMs = 15_000, now = () => Date.now() }) {
  if (!baseUrl || !apiKey) {
    throw new ApiError({ kind: 'not_configured' });
  }

  async function request(method, path, { json, accept = 'application/json', maxChars = MAX_BODY_CHARS } = {}) {
    const headers = { Accept: accept, Authorization: `Bearer ${apiKey}` };
    const init = {
      method,
      headers,
      credentials: 'omit', // bearer key only; never the browser's cookies
      cache: 'no-store',
      redirect: 'manual', // never replay the key to wherever a redirect points
    };
    if (json !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(json);
    }
    const controller = typeof AbortController === 'function' ? new AbortController() : null;
    let timer = null;
    if (controller) {
      init.signal = controller.signal;
      timer = setTimeout(() => controller.abort(), timeoutMs);
    }
    let res;
    let text;
    try {
      res = await fetch(apiUrl(baseUrl, path), init);
      if (res.type === 'opaqueredirect' || (res.status >= 300 && res.status < 400)) {
        throw new ApiError({ kind: 'redirect', status: res.status });
      }
      text = await res.text();
    } catch (err) {
      if (err instanceof ApiError) {
        err.backendUrl = baseUrl;
        throw err;
      }
      if (err && err.name === 'AbortError') throw new ApiError({ kind: 'timeout', backendUrl: baseUrl });
      throw new ApiError({ kind: 'network', message: String(err?.message || err), backendUrl: baseUrl });
    } finally {
      if (timer !== null) clearTimeout(timer);
    }
    if (!res.ok) throw errorFromResponse(res.status, text.slice(0, 100_000), res.headers, now());
    if (text.length > maxChars) {
      throw new ApiError({ kind: 'bad_response', message: 'answer too large', backendUrl: baseUrl });
    }
    if (accept !== 'application/json') return { text, contentType: res.headers?.get?.('Content-Type') || '' };
    try {
      return JSON.parse(text);
    } catch {
      throw new ApiError({ kind: 'bad_response', message: 'answer is not JSON', backendUrl: baseUrl });
    }
  }

  return {
    baseUrl,

    async userinfo() {
      return cleanUserinfo(await request('GET', '/v1/userinfo'));
    },

    /** The caller's organization, or null when they belong to none (404). */
    async organization() {
      try {
        return cleanOrganization(await request('GET', '/v1/organization'));
      } catch (err) {
        if (err instanceof ApiError && err.kind === 'http' && err.status === 404) return null;
        throw err;
      }
    },

    async parseMarkup(html, url) {
      const body = { html };
      if (url) body.url = url;
      return cleanParseResult(await request('POST', '/v1/markup/parse', { json: body }));
    },

    async createLink(payload) {
      const body = await request('POST', '/v1/scheduling_links', { json: payload });
      return cleanLink(body?.scheduling_link);
    },

    /** The link's QR code as a data: URL for an <img> (SVG in <img> runs no script). */
    async qrDataUrl(id) {
      if (!LINK_ID.test(id)) throw new ApiError({ kind: 'bad_response', message: 'bad link id' });
      const { text, contentType } = await request('GET', `/v1/scheduling_links/${encodeURIComponent(id)}/qr.svg`, {
        accept: 'image/svg+xml',
        maxChars: MAX_QR_CHARS,
      });
      if (!/^image\/svg\+xml\b/i.test(contentType) && !/^\s*(<\?xml[^>]*>\s*)?<svg[\s>]/i.test(text)) {
        throw new ApiError({ kind: 'bad_response', message: 'QR answer is not SVG' });
      }
      return svgDataUrl(text);
    },
  };
}

/** data:image/svg+xml;base64,… for a UTF-8 SVG string. */
export function svgDataUrl(svg) {
  const bytes = new TextEncoder().encode(svg);
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return `data:image/svg+xml;base64,${btoa(bin)}`;
}
