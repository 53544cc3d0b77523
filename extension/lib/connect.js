// "Create an account" and "Connect this browser": the keyless calls the service worker
// makes before it has an API key, and the pure helpers they need.
//
// Connecting works like OAuth's device flow with PKCE: the worker keeps a random verifier
// (storage.session, never shown to a page), sends only its SHA-256 to the server, opens the
// server's approval page in a tab and shows the same short code on the options page; once
// the owner approves there, the worker trades the verifier for a new API key. Nothing is
// copied by hand, and a request link someone else sends is useless to them: the key goes
// only to the holder of the verifier.

import { ApiError, cleanText, errorFromResponse } from './api.js';
import { apiUrl, isHttpUrl } from './url.js';

const CODE = /^[A-Z]{4}-[A-Z]{4}$/;
const CONNECTION_ID = /^bc_[a-z2-7]{26}$/;

/** base64url without padding. */
export function base64url(bytes) {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** A new verifier: 48 random bytes, 64 base64url characters (RFC 7636 allows 43–128). */
export function newVerifier(crypto = globalThis.crypto) {
  return base64url(crypto.getRandomValues(new Uint8Array(48)));
}

/** The challenge the server stores: base64url(SHA-256(verifier)). */
export async function challengeFor(verifier, crypto = globalThis.crypto) {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

/** "Chrome on Linux", "Firefox on Windows", … for the key's label; never more than that. */
export function browserLabel(userAgent = '') {
  const ua = String(userAgent);
  const browser = /Firefox\//.test(ua)
    ? 'Firefox'
    : /Edg\//.test(ua)
      ? 'Edge'
      : /OPR\//.test(ua)
        ? 'Opera'
        : /Chrom(e|ium)\//.test(ua)
          ? 'Chrome'
          : 'Browser';
  const os = /Android/.test(ua)
    ? 'Android'
    : /Windows/.test(ua)
      ? 'Windows'
      : /Mac OS X|Macintosh/.test(ua)
        ? 'macOS'
        : /CrOS/.test(ua)
          ? 'ChromeOS'
          : /Linux/.test(ua)
            ? 'Linux'
            : '';
  return os ? `${browser} on ${os}` : browser;
}

/** The start answer, checked: the approval page must be on the server we asked. */
export function cleanStart(body, baseUrl) {
  const ok =
    body && typeof body === 'object' &&
    CONNECTION_ID.test(body.connection_id) && CODE.test(body.user_code) &&
    isHttpUrl(body.verification_url) &&
    new URL(body.verification_url).origin === new URL(baseUrl).origin;
  if (!ok) throw new ApiError({ kind: 'bad_response', message: 'connection answer is not valid', backendUrl: baseUrl });
  const interval = Number.isSafeInteger(body.interval) ? Math.min(Math.max(body.interval, 1), 30) : 2;
  const expiresIn = Number.isSafeInteger(body.expires_in) ? Math.min(Math.max(body.expires_in, 10), 3600) : 600;
  return {
    connectionId: body.connection_id,
    userCode: body.user_code,
    verificationUrl: body.verification_url,
    interval,
    expiresIn,
  };
}

/**
 * Keyless JSON calls: no Authorization header, no cookies, no redirects followed.
 * @returns {{status: number, body: object}} for 2xx; throws ApiError otherwise
 */
export async function publicRequest(fetch, baseUrl, method, path, json, timeoutMs = 15_000) {
  const init = {
    method,
    headers: { Accept: 'application/json' },
    credentials: 'omit',
    cache: 'no-store',
    redirect: 'manual',
  };
  if (json !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(json);
  }
  const controller = typeof AbortController === 'function' ? new AbortController() : null;
  const timer = controller ? setTimeout(() => controller.abort(), timeoutMs) : null;
  if (controller) init.signal = controller.signal;
  let res;
  let text;
  try {
    res = await fetch(apiUrl(baseUrl, path), init);
    if (res.type === 'opaqueredirect' || (res.status >= 300 && res.status < 400)) {
      throw new ApiError({ kind: 'redirect', status: res.status, backendUrl: baseUrl });
    }
    text = await res.text();
  } catch (err) {
    if (err instanceof ApiError) throw err;
    if (err && err.name === 'AbortError') throw new ApiError({ kind: 'timeout', backendUrl: baseUrl });
    throw new ApiError({ kind: 'network', message: String(err?.message || err), backendUrl: baseUrl });
  } finally {
    if (timer !== null) clearTimeout(timer);
  }
  if (!res.ok) {
    const err = errorFromResponse(res.status, text.slice(0, 100_000), res.headers);
    err.backendUrl = baseUrl;
    throw err;
  }
  try {
    return { status: res.status, body: JSON.parse(text.slice(0, 100_000)) };
  } catch {
    throw new ApiError({ kind: 'bad_response', message: 'answer is not JSON', backendUrl: baseUrl });
  }
}

/** GET /v1/signup → {open, url}; the URL only if it is on the same server. */
export async function signupStatus(fetch, baseUrl) {
  const { body } = await publicRequest(fetch, baseUrl, 'GET', '/v1/signup');
  const url = isHttpUrl(body?.url) && new URL(body.url).origin === new URL(baseUrl).origin ? body.url : null;
  return { open: body?.open === true && url !== null, url };
}

/** The token answer: {apiKey, who} or null while pending. */
export function cleanToken(status, body) {
  if (status === 202) return null;
  if (!body || typeof body.api_key !== 'string' || !/^slk_[\x21-\x7e]{10,200}$/.test(body.api_key)) {
    throw new ApiError({ kind: 'bad_response', message: 'token answer without a key' });
  }
  return { apiKey: body.api_key, who: { name: cleanText(body.name, 200), email: cleanText(body.email, 320) } };
}
