// The message vocabulary between the extension pages and the service worker,
// and a small schema checker for payloads.
//
// A message is {type: string, payload: object}. Every type says which kind of
// sender may use it ('extension' = an extension page: popup, options; 'content'
// = a script in a web page's tab) and the exact shape of its payload: unknown
// keys, wrong types and over-long strings are rejected, not ignored.
//
// No type is open to content scripts today: the in-page code returns its
// result through chrome.scripting.executeScript, so a page (or a compromised
// renderer) has nothing to send messages to.

// --- schema helpers -------------------------------------------------------

export const int = (min, max, { optional = false } = {}) => ({ kind: 'int', min, max, optional });
export const str = (min, max, { optional = false, nullable = false, pattern = null } = {}) => ({
  kind: 'str',
  min,
  max,
  optional,
  nullable,
  pattern,
});
export const bool = ({ optional = false } = {}) => ({ kind: 'bool', optional });
export const obj = (fields, { optional = false } = {}) => ({ kind: 'obj', fields, optional });
export const list = (item, min, max, { optional = false } = {}) => ({ kind: 'list', item, min, max, optional });
/** One of a few exact values (strings or numbers). */
export const oneOf = (values, { optional = false } = {}) => ({ kind: 'oneOf', values, optional });
/** An object used as a map: at most `max` keys, each matching `keyPattern`, values of `value`. */
export const map = (keyPattern, value, max, { optional = false } = {}) => ({ kind: 'map', keyPattern, value, max, optional });

function isPlainObject(v) {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Check `value` against `spec`; returns a list of problems ('' path = root). */
export function check(spec, value, path = 'payload') {
  const problems = [];
  const walk = (s, v, p) => {
    if (v === undefined) {
      if (!s.optional) problems.push(`${p} is required`);
      return;
    }
    if (v === null && s.nullable) return;
    switch (s.kind) {
      case 'int':
        if (!Number.isSafeInteger(v) || v < s.min || v > s.max) {
          problems.push(`${p} must be an integer from ${s.min} to ${s.max}`);
        }
        return;
      case 'str':
        if (typeof v !== 'string' || v.length < s.min || v.length > s.max) {
          problems.push(`${p} must be a string of ${s.min} to ${s.max} characters`);
        } else if (s.pattern && !s.pattern.test(v)) {
          problems.push(`${p} has the wrong format`);
        }
        return;
      case 'bool':
        if (typeof v !== 'boolean') problems.push(`${p} must be true or false`);
        return;
      case 'oneOf':
        if (!s.values.includes(v)) problems.push(`${p} must be one of ${s.values.map((x) => JSON.stringify(x)).join(', ')}`);
        return;
      case 'list':
        if (!Array.isArray(v) || v.length < s.min || v.length > s.max) {
          problems.push(`${p} must be a list of ${s.min} to ${s.max} items`);
          return;
        }
        v.forEach((item, i) => walk(s.item, item, `${p}.${i}`));
        return;
      case 'map': {
        if (!isPlainObject(v)) {
          problems.push(`${p} must be an object`);
          return;
        }
        const keys = Object.keys(v);
        if (keys.length > s.max) problems.push(`${p} may have at most ${s.max} keys`);
        for (const key of keys) {
          if (!s.keyPattern.test(key)) problems.push(`${p} has a key of the wrong format`);
          else walk(s.value, v[key], `${p}.${key}`);
        }
        return;
      }
      case 'obj': {
        if (!isPlainObject(v)) {
          problems.push(`${p} must be an object`);
          return;
        }
        for (const key of Object.keys(v)) {
          if (!Object.hasOwn(s.fields, key)) problems.push(`${p}.${key} is not allowed`);
        }
        for (const [key, sub] of Object.entries(s.fields)) walk(sub, v[key], `${p}.${key}`);
        return;
      }
      default:
        problems.push(`${p}: unknown schema`);
    }
  };
  walk(spec, value, path);
  return problems;
}

// --- the vocabulary --------------------------------------------------------

const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?Z$/;
const LINK_ID = /^[A-Za-z0-9_-]{1,128}$/;
const SITE_PATTERN = /^https?:\/\/(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)\/\*$/;
const opt = { optional: true, nullable: true };

// What the popup sends (lib/questions.js): a few questions, the API's types, its limits.
const QUESTION = obj({
  label: str(1, 200),
  type: oneOf(['text', 'textarea', 'choice', 'choices', 'phone', 'checkbox']),
  required: bool({ optional: true }),
  choices: list(str(1, 200), 1, 30, { optional: true }),
});
export const MAX_QUESTIONS = 5;
const PHONE_NUMBER = /^(?:\+|00)[\d\s().\-/]{6,39}$/; // as lib/questions.js phoneNumber

const ACCOUNT_SUB = /^acc_[A-Za-z0-9_-]{1,96}$/;
// Pre-filled booking answers from the page's markup (docs/markup.md, data-answers-*).
export const ANSWER_KEY = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
export const MAX_ANSWERS = 20;

const CONTACT = obj({
  name: str(0, 200, opt),
  email: str(0, 320, opt),
  organization: str(0, 200, opt),
  title: str(0, 200, opt),
  phone: str(0, 64, opt),
  tzid: str(0, 64, opt),
  reference: str(0, 200, opt),
  answers: map(ANSWER_KEY, str(1, 2000), MAX_ANSWERS, { optional: true }),
});

/**
 * type → {from, payload schema, what it answers}. The answers are documented
 * in README.md ("Message vocabulary").
 */
export const MESSAGES = Object.freeze({
  // Find candidates in a tab, parse them on the server → {url, contacts, warnings, candidates, dropped, unreadableFrames}
  detect: { from: 'extension', payload: obj({ tabId: int(0, 2 ** 31 - 1) }) },
  // Create a one-time link → {link}
  createLink: {
    from: 'extension',
    payload: obj({
      contact: CONTACT,
      summary: str(1, 200, { optional: true }),
      duration_minutes: int(1, 1440, { optional: true }),
      expires_at: str(20, 32, { optional: true, pattern: RFC3339_UTC }),
      max_uses: int(1, 1000, { optional: true }),
      place: obj({
        type: str(1, 20, { pattern: /^(video|phone|in_person|custom)$/ }),
        calls: str(1, 10, { optional: true, pattern: /^(host|invitee)$/ }),
        number: str(7, 40, { optional: true, pattern: PHONE_NUMBER }),
        address: str(1, 300, { optional: true }),
        text: str(1, 300, { optional: true }),
      }, { optional: true }),
      hosts: obj({
        members: list(obj({ sub: str(5, 100, { pattern: ACCOUNT_SUB }) }), 1, 50),
        required: oneOf(['all', 1]),
      }, { optional: true }),
      questions: list(QUESTION, 1, MAX_QUESTIONS, { optional: true }),
      max_guests: int(0, 20, { optional: true }),
    }),
  },
  // The user and their organization (GET /v1/userinfo, GET /v1/organization) →
  // {me: {sub, name}, organization: {name, members: [{sub, name, email, role}]} | null}
  getTeam: { from: 'extension', payload: obj({}) },
  // The link's QR code → {dataUrl: "data:image/svg+xml;base64,…"}
  getQr: { from: 'extension', payload: obj({ id: str(1, 128, { pattern: LINK_ID }) }) },
  // → {backendUrl, defaultBackendUrl, apiKeySet, apiKeyHint, badgeSites}
  getSettings: { from: 'extension', payload: obj({}) },
  // Store settings (apiKey omitted or '' keeps the stored key) → {backendUrl, warning, apiKeySet, apiKeyHint}
  saveSettings: {
    from: 'extension',
    payload: obj({
      backendUrl: str(1, 2048),
      apiKey: str(0, 512, { optional: true }),
      clearApiKey: bool({ optional: true }),
    }),
  },
  // GET /v1/userinfo with the given (or stored) settings → {userinfo: {sub, email, name, tzid}}
  testConnection: {
    from: 'extension',
    payload: obj({ backendUrl: str(0, 2048, { optional: true }), apiKey: str(0, 512, { optional: true }) }),
  },
  // GET /v1/signup on that server (no key needed) → {open, url}
  getSignup: { from: 'extension', payload: obj({ backendUrl: str(1, 2048) }) },
  // "Connect this browser": start, open the approval tab → {userCode, interval, expiresIn}
  connectStart: { from: 'extension', payload: obj({ backendUrl: str(1, 2048) }) },
  // Ask whether it was approved; stores the new key → {status: none|pending|expired|connected, …}
  connectPoll: { from: 'extension', payload: obj({}) },
  // Record a site the user granted for the badge (permission must be granted already) → {badgeSites}
  addBadgeSite: { from: 'extension', payload: obj({ pattern: str(1, 300, { pattern: SITE_PATTERN }) }) },
  // Forget a badge site and drop its host permission → {badgeSites}
  removeBadgeSite: { from: 'extension', payload: obj({ pattern: str(1, 300, { pattern: SITE_PATTERN }) }) },
});

/** Largest accepted message, as UTF-8 JSON. Every payload above is far smaller. */
export const MAX_MESSAGE_BYTES = 16 * 1024;
