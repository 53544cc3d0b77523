// URL rules: the backend URL the user types, permission match patterns for a
// site, and the page URL sent along with candidate markup.

// What `schedlink demo` prints: a host name, since passkeys refuse IP addresses.
export const DEFAULT_BACKEND_URL = 'http://localhost:5000';
const MAX_URL_LENGTH = 2048;

export class UrlError extends Error {
  constructor(message) {
    super(message);
    this.name = 'UrlError';
  }
}

/** True for hosts that never leave this machine. `hostname` as URL gives it. */
export function isLoopbackHost(hostname) {
  const h = String(hostname).toLowerCase().replace(/\.$/, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (h === '[::1]') return true;
  return /^127(?:\.\d{1,3}){3}$/.test(h);
}

/**
 * Normalise what the user typed as the backend URL.
 * - adds a scheme when missing: http:// for loopback hosts, https:// otherwise;
 * - only http and https; no credentials, query or fragment;
 * - keeps a path prefix (a backend mounted under /schedlink) without trailing
 *   slashes, and drops a trailing /v1 (people paste the API base);
 * Returns {url, warning}; warning is set for plain http to a non-loopback host,
 * because the API key would travel unencrypted. Throws UrlError.
 */
export function normalizeBackendUrl(input) {
  if (typeof input !== 'string') throw new UrlError('Enter the schedlink server URL.');
  let s = input.trim();
  if (s === '') throw new UrlError('Enter the schedlink server URL.');
  if (s.length > MAX_URL_LENGTH) throw new UrlError('That URL is too long.');
  // eslint-disable-next-line no-control-regex
  if (/[\s\u0000-\u001f\u007f]/.test(s)) throw new UrlError('The URL must not contain spaces.');
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) {
    let host = '';
    try {
      host = new URL(`http://${s}`).hostname;
    } catch {
      throw new UrlError('That is not a valid URL.');
    }
    s = `${isLoopbackHost(host) ? 'http' : 'https'}://${s}`;
  }
  let u;
  try {
    u = new URL(s);
  } catch {
    throw new UrlError('That is not a valid URL.');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new UrlError('The server URL must start with http:// or https://.');
  }
  if (!u.hostname) throw new UrlError('The URL has no host name.');
  if (u.username || u.password) {
    throw new UrlError('Leave user names and passwords out of the URL; the API key is the login.');
  }
  if (u.search || s.includes('?')) throw new UrlError('Leave the query (?…) out of the server URL.');
  if (u.hash || s.includes('#')) throw new UrlError('Leave the fragment (#…) out of the server URL.');
  let path = u.pathname.replace(/\/+$/, '');
  if (/\/v1$/i.test(path)) path = path.slice(0, -3);
  const url = u.origin + path;
  const warning =
    u.protocol === 'http:' && !isLoopbackHost(u.hostname)
      ? 'This server is reached over plain http://, so the API key travels unencrypted. Use https:// for anything but your own machine.'
      : null;
  return { url, warning };
}

/** Join the normalised backend base and an API path such as /v1/userinfo. */
export function apiUrl(base, path) {
  if (!path.startsWith('/v1/')) throw new UrlError('API paths start with /v1/');
  return base.replace(/\/+$/, '') + path;
}

/**
 * The permission match pattern for the site of `url`: "https://host/*".
 * Ports are left out (match patterns in Firefox do not take them), so the
 * pattern covers every port of that host. Throws UrlError for non-web URLs.
 */
export function originPattern(url) {
  let u;
  try {
    u = new URL(url);
  } catch {
    throw new UrlError('That is not a valid URL.');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new UrlError('Only http:// and https:// sites can be granted.');
  }
  return `${u.protocol}//${u.hostname}/*`;
}

/** Turn a user-typed site ("crm.example.com", a full URL) into its match pattern. */
export function sitePattern(input) {
  const s = String(input ?? '').trim();
  if (!s) throw new UrlError('Enter a site, for example https://crm.example.com.');
  if (s.length > MAX_URL_LENGTH) throw new UrlError('That URL is too long.');
  const withScheme = /^[a-z][a-z0-9+.-]*:/i.test(s) ? s : `https://${s}`;
  return originPattern(withScheme);
}

/** True for a pattern this extension produces: scheme://host/* (no wildcards in the host). */
export function isSitePattern(pattern) {
  return (
    typeof pattern === 'string' &&
    pattern.length <= MAX_URL_LENGTH &&
    /^https?:\/\/(?:\[[0-9a-f:.]+\]|[a-z0-9.-]+)\/\*$/i.test(pattern)
  );
}

/**
 * The page URL sent with the candidate markup (the parser's base URL):
 * scheme, host, port and path only. Credentials, query and fragment can hold
 * session ids or record ids and are of no use for resolving links, so they
 * stay in the browser. Returns null for anything but http(s).
 */
export function pageUrlForParse(url) {
  if (typeof url !== 'string' || url.length > MAX_URL_LENGTH * 2) return null;
  let u;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
  return u.origin + u.pathname;
}

/** True when `url` is an absolute http(s) URL (used for links from the backend). */
export function isHttpUrl(url) {
  if (typeof url !== 'string' || url.length > MAX_URL_LENGTH) return false;
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}
