// Candidate finding: which elements of a page may describe a contact.
//
// This is pure DOM logic with no extension APIs, tested in node against
// linkedom documents (tests/detect.test.js) and timed in a real browser by
// bench/detect-bench.html.
//
// findCandidates() is also the code that runs inside the page: the service
// worker injects it with chrome.scripting.executeScript({func, args}), which
// serialises the function's *source text*. So findCandidates must stay
// self-contained: no imports, no references to module-level names, only its
// parameters and browser globals. The tests run the stringified function in a
// fresh vm context to enforce that.
//
// It never parses values (names, e-mails): the server parser is the single
// source of truth. It only returns bounded outerHTML snippets.

/** Formats in order of trust (index = rank, lower is better). */
export const FORMATS = Object.freeze(['schedlink', 'json-ld', 'microdata', 'h-card', 'hcard', 'mailto']);

/** One selector per format (the JSON-LD one also needs PERSON_JSON to match the text). */
export const FORMAT_SELECTORS = Object.freeze({
  schedlink: '[data-schedlink-contact]',
  'json-ld': 'script[type="application/ld+json" i]',
  microdata: '[itemtype*="schema.org/Person"]',
  'h-card': '.h-card',
  hcard: '.vcard',
  mailto: 'a[href^="mailto:" i]',
});

/** The one combined selector (a test keeps the copy inside findCandidates equal). */
export const CANDIDATE_SELECTOR = Object.values(FORMAT_SELECTORS).join(', ');

/**
 * A JSON string value that is, or ends in, the Person type: "Person",
 * "schema:Person", "https://schema.org/Person", "…\/Person". Linear time.
 */
export const PERSON_JSON = /["/:#]Person"/;

/** Does `el` match the detector of one format (selector, plus the Person check for JSON-LD)? */
export function matchesFormat(el, format) {
  const selector = FORMAT_SELECTORS[format];
  if (!selector || !el.matches(selector)) return false;
  return format !== 'json-ld' || PERSON_JSON.test(el.textContent || '');
}

export const DEFAULT_LIMITS = Object.freeze({
  maxElementBytes: 20_000, // one candidate's outerHTML, UTF-8 bytes
  maxTotalBytes: 200_000, // all candidates together
  maxCandidates: 100,
  maxScopes: 200, // shadow roots and frame documents searched, the page itself included
});

/**
 * Find contact candidates under `root` (a Document, ShadowRoot or Element;
 * null means the global `document`, which is how the injected copy is called).
 *
 * Rules:
 * - the search covers `root` and every *scope* reachable from it: open shadow
 *   roots (element.shadowRoot; closed ones are null by design) and the
 *   documents of same-origin <iframe>/<frame> elements (contentDocument; null
 *   or a SecurityError for cross-origin frames, which are skipped), nested to
 *   any depth, at most maxScopes scopes;
 * - one querySelectorAll with one combined selector per scope (document order);
 * - JSON-LD scripts count only when they mention a schema.org Person type;
 * - only outermost candidates are kept within a scope: an element inside
 *   another kept candidate is already part of its outerHTML (a .vcard inside a
 *   [data-schedlink-contact] element is not sent twice). outerHTML never
 *   includes shadow trees or frame documents, so their candidates are separate;
 * - kept candidates are ordered by trust (best format found inside them), then
 *   scope (the root's own first; under each scope, depth first, its shadow
 *   roots in host order, then its frames), then document order, so budget
 *   pressure drops mailto links before native markup;
 * - a candidate larger than maxElementBytes is not sent; candidates nested in
 *   it are considered instead; the total is capped at maxTotalBytes and
 *   maxCandidates. <html> and <body> are never candidates themselves (their
 *   nested candidates are), so no page or frame is ever sent whole.
 *
 * @returns {{candidates: {format: string, html: string}[], found: number,
 *   dropped: {tooLarge: number, overBudget: number, overCount: number},
 *   scopes: {shadowRoots: number, frames: number, unreadableFrames: number},
 *   url: string|null}}
 */
export function findCandidates(root, limits) {
  // --- everything below must stay inside this function (see header) ---
  const SELECTOR =
    '[data-schedlink-contact], script[type="application/ld+json" i], [itemtype*="schema.org/Person"], ' +
    '.h-card, .vcard, a[href^="mailto:" i]';
  const NAMES = ['schedlink', 'json-ld', 'microdata', 'h-card', 'hcard', 'mailto'];
  const MAILTO = 5;
  const PERSON = /["/:#]Person"/; // = PERSON_JSON
  const opts = Object.assign(
    { maxElementBytes: 20000, maxTotalBytes: 200000, maxCandidates: 100, maxScopes: 200 },
    limits || {},
  );
  const base = root || document;
  const topDoc = base.ownerDocument || base;
  const encoder = new TextEncoder();

  function rankOf(el) {
    // <html>/<body> would be the whole page (or frame): never a candidate themselves.
    const doc = el.ownerDocument;
    if (doc && (el === doc.documentElement || el === doc.body)) return -1;
    if (el.hasAttribute('data-schedlink-contact')) return 0;
    if (el.localName === 'script') {
      // type matched the selector; keep it only if it mentions a Person.
      return PERSON.test(el.textContent || '') ? 1 : -1;
    }
    const itemtype = el.getAttribute('itemtype');
    if (itemtype && itemtype.indexOf('schema.org/Person') !== -1) return 2;
    const cls = el.classList;
    if (cls && cls.contains('h-card')) return 3;
    if (cls && cls.contains('vcard')) return 4;
    return MAILTO; // a[href^=mailto:] is the only selector left
  }

  // Every scope to search, root first, then depth-first in host order. No
  // selector matches "has a shadow root", so each scope is walked once for
  // hosts (a TreeWalker: no array of every element is built); frames are
  // found by selector.
  const scopes = { shadowRoots: 0, frames: 0, unreadableFrames: 0 };
  const roots = [];
  function addScope(node) {
    if (roots.length >= opts.maxScopes) return;
    roots.push(node);
    const walker = (node.ownerDocument || node).createTreeWalker(node, 1); // 1 = SHOW_ELEMENT
    for (let el = walker.nextNode(); el !== null; el = walker.nextNode()) {
      const shadow = el.shadowRoot;
      if (shadow) {
        scopes.shadowRoots += 1;
        addScope(shadow);
      }
    }
    const frames = node.querySelectorAll('iframe, frame');
    for (let i = 0; i < frames.length; i++) {
      let inner = null;
      try {
        inner = frames[i].contentDocument; // null for a cross-origin frame
      } catch (_) {
        inner = null; // or a SecurityError
      }
      if (inner && inner.documentElement) {
        scopes.frames += 1;
        addScope(inner);
      } else if (frames[i].getAttribute('src')) {
        scopes.unreadableFrames += 1;
      }
    }
  }
  addScope(base);

  // Outermost candidates among `list` (document order). Only the last kept
  // element can contain the next one: anything kept earlier has ended before
  // the last kept element started.
  function outermost(list, exclude, scope, kept) {
    let last = null;
    for (let i = 0; i < list.length; i++) {
      const el = list[i];
      if (el === exclude) continue;
      if (last !== null && last.el.contains(el)) {
        const r = rankOf(el);
        if (r >= 0 && r < last.rank) last.rank = r;
        continue;
      }
      const rank = rankOf(el);
      if (rank < 0) continue;
      last = { el, rank, scope, order: kept.length };
      kept.push(last);
    }
    return kept;
  }

  const dropped = { tooLarge: 0, overBudget: 0, overCount: 0 };
  const candidates = [];
  let total = 0;
  let found = 0;
  let queue = [];
  for (let s = 0; s < roots.length; s++) {
    const all = roots[s].querySelectorAll(SELECTOR);
    found += all.length;
    outermost(all, null, s, queue);
  }
  // Work list: outermost candidates, best format first, then scope, then document order.
  const byTrust = (a, b) => a.rank - b.rank || a.scope - b.scope || a.order - b.order;
  queue.sort(byTrust);
  let pos = 0;
  while (pos < queue.length) {
    const item = queue[pos++];
    if (candidates.length >= opts.maxCandidates) {
      dropped.overCount += 1 + queue.length - pos;
      break;
    }
    const html = item.el.outerHTML;
    // chars <= UTF-8 bytes, so a long string is too large without encoding it.
    const size = html.length > opts.maxElementBytes ? Infinity : encoder.encode(html).length;
    if (size > opts.maxElementBytes) {
      dropped.tooLarge += 1;
      // Fall back to the candidates nested inside the oversized one.
      const inner = outermost(item.el.querySelectorAll(SELECTOR), item.el, item.scope, []);
      for (let i = 0; i < inner.length; i++) {
        inner[i].order = item.order + (i + 1) / (inner.length + 1);
      }
      queue = queue.slice(pos).concat(inner).sort(byTrust);
      pos = 0;
      continue;
    }
    if (total + size > opts.maxTotalBytes) {
      dropped.overBudget += 1;
      continue;
    }
    total += size;
    candidates.push({ format: NAMES[item.rank], html });
  }
  let url = null;
  try {
    url = typeof topDoc.URL === 'string' ? topDoc.URL : null;
  } catch (_) {
    url = null;
  }
  return { candidates, found, dropped, scopes, url };
}

/**
 * Validate what came back from the page. The injected code runs in a renderer
 * the page controls (assume it is compromised), so its result is untrusted
 * input: check the shape, re-apply every bound, and drop anything else.
 * Returns {candidates, found, dropped, scopes, url}; throws TypeError on a bad shape.
 */
export function sanitizeDetection(result, limits = DEFAULT_LIMITS) {
  const lim = { ...DEFAULT_LIMITS, ...limits };
  if (result === null || typeof result !== 'object' || !Array.isArray(result.candidates)) {
    throw new TypeError('detection result has the wrong shape');
  }
  const enc = new TextEncoder();
  const candidates = [];
  let total = 0;
  for (const c of result.candidates.slice(0, lim.maxCandidates)) {
    if (c === null || typeof c !== 'object') throw new TypeError('bad candidate');
    if (typeof c.html !== 'string' || !FORMATS.includes(c.format)) {
      throw new TypeError('bad candidate');
    }
    const size = enc.encode(c.html).length;
    if (size > lim.maxElementBytes || total + size > lim.maxTotalBytes) {
      throw new TypeError('candidate over the size bounds');
    }
    total += size;
    candidates.push({ format: c.format, html: c.html });
  }
  const num = (v) => (Number.isSafeInteger(v) && v >= 0 ? v : 0);
  const d = result.dropped && typeof result.dropped === 'object' ? result.dropped : {};
  const sc = result.scopes && typeof result.scopes === 'object' ? result.scopes : {};
  const url = typeof result.url === 'string' && result.url.length <= 4096 ? result.url : null;
  return {
    candidates,
    found: num(result.found),
    dropped: { tooLarge: num(d.tooLarge), overBudget: num(d.overBudget), overCount: num(d.overCount) },
    scopes: { shadowRoots: num(sc.shadowRoots), frames: num(sc.frames), unreadableFrames: num(sc.unreadableFrames) },
    url,
  };
}

/**
 * The number shown on the toolbar badge for a granted site: structured
 * candidates only. mailto links are left out because almost every page has a
 * support/contact address in its footer, and a badge on every page is noise.
 */
export function badgeCount(detection) {
  return detection.candidates.filter((c) => c.format !== 'mailto').length;
}

/** Badge text for a count: '' for none, '99+' above 99. */
export function badgeText(count) {
  if (!Number.isSafeInteger(count) || count <= 0) return '';
  return count > 99 ? '99+' : String(count);
}
