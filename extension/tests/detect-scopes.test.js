// Detection beyond the light DOM: open shadow roots and same-origin frames are
// searched; closed shadow roots and cross-origin frames are not (and cannot
// be). linkedom implements attachShadow (a closed root's element.shadowRoot is
// null, as in browsers); a frame's document is a second linkedom document
// behind the element's contentDocument, which is null — or throws — for a
// cross-origin frame, as in browsers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import vm from 'node:vm';
import { DEFAULT_LIMITS, FORMATS, findCandidates } from '../lib/detect.js';
import { docFrom, fixture, fixtures } from './helpers.js';

const positives = fixtures('positive');
const negatives = fixtures('negative');

/** Attach a shadow root with `html` to the element `#id` of `doc`. */
function shadow(doc, id, html, mode = 'open') {
  const host = doc.getElementById(id);
  const root = host.attachShadow({ mode });
  root.innerHTML = html;
  return root;
}

/** Make `#id` (an iframe) show `inner` as its document; 'cross-origin' → null, 'throws' → SecurityError. */
function frame(doc, id, inner) {
  const el = doc.getElementById(id);
  Object.defineProperty(el, 'contentDocument', {
    configurable: true,
    get() {
      if (inner === 'throws') throw new Error('SecurityError: Permission denied to access property "document" on cross-origin object');
      return inner === 'cross-origin' ? null : inner;
    },
  });
  return el;
}

const formats = (r) => r.candidates.map((c) => c.format);

// [what, build(doc) → void, page body, expected formats, expected scopes]
const table = [
  ...positives.map(({ name, html }) => [
    `${name} markup inside an open shadow root`,
    (doc) => shadow(doc, 'host', html),
    '<x-contact id="host"></x-contact>',
    [name],
    { shadowRoots: 1, frames: 0, unreadableFrames: 0 },
  ]),
  ...positives.map(({ name, html }) => [
    `${name} markup inside a same-origin iframe`,
    (doc) => frame(doc, 'f', docFrom(html)),
    '<iframe id="f" src="/candidate/4711"></iframe>',
    [name],
    { shadowRoots: 0, frames: 1, unreadableFrames: 0 },
  ]),
  ...positives.map(({ name, html }) => [
    `${name} markup inside a closed shadow root is not reachable`,
    (doc) => shadow(doc, 'host', html, 'closed'),
    '<x-contact id="host"></x-contact>',
    [],
    { shadowRoots: 0, frames: 0, unreadableFrames: 0 },
  ]),
  ...positives.map(({ name }) => [
    `${name} markup inside a cross-origin iframe is not reachable`,
    (doc) => frame(doc, 'f', 'cross-origin'),
    '<iframe id="f" src="https://other.example/candidate"></iframe>',
    [],
    { shadowRoots: 0, frames: 0, unreadableFrames: 1 },
  ]),
  ...negatives.map(({ name, html }) => [
    `negative ${name} inside a shadow root and a frame`,
    (doc) => {
      shadow(doc, 'host', html);
      frame(doc, 'f', docFrom(html));
    },
    '<div id="host"></div><iframe id="f" src="/x"></iframe>',
    [],
    { shadowRoots: 1, frames: 1, unreadableFrames: 0 },
  ]),
  [
    'a frame whose contentDocument throws (SecurityError) is skipped',
    (doc) => frame(doc, 'f', 'throws'),
    '<iframe id="f" src="https://other.example/"></iframe><a href="mailto:x@example.com">x</a>',
    ['mailto'],
    { shadowRoots: 0, frames: 0, unreadableFrames: 1 },
  ],
  [
    'a shadow root nested in a shadow root',
    (doc) => {
      const outer = shadow(doc, 'host', '<section><x-card id="inner"></x-card></section>');
      outer.getElementById('inner').attachShadow({ mode: 'open' }).innerHTML = fixture('positive', 'h-card.html');
    },
    '<x-app id="host"></x-app>',
    ['h-card'],
    { shadowRoots: 2, frames: 0, unreadableFrames: 0 },
  ],
  [
    'a shadow root inside a same-origin frame, and a frame inside a shadow root',
    (doc) => {
      const inner = docFrom('<x-card id="card"></x-card>');
      shadow(inner, 'card', fixture('positive', 'microdata.html'));
      frame(doc, 'f', inner);
      const root = shadow(doc, 'host', '<iframe id="g" src="/g"></iframe>');
      frame(root, 'g', docFrom(fixture('positive', 'hcard.html')));
    },
    '<iframe id="f" src="/f"></iframe><x-app id="host"></x-app>',
    ['microdata', 'hcard'],
    { shadowRoots: 2, frames: 2, unreadableFrames: 0 },
  ],
  [
    'trust order holds across scopes: native markup in a shadow root beats a mailto link in the page',
    (doc) => shadow(doc, 'host', fixture('positive', 'schedlink.html')),
    '<a href="mailto:support@example.com">support</a><x-contact id="host"></x-contact>',
    ['schedlink', 'mailto'],
    { shadowRoots: 1, frames: 0, unreadableFrames: 0 },
  ],
  [
    'the host element itself is a candidate apart from its shadow tree',
    (doc) => shadow(doc, 'host', fixture('positive', 'h-card.html')),
    '<div class="vcard" id="host"><span class="fn">Light</span></div>',
    ['h-card', 'hcard'],
    { shadowRoots: 1, frames: 0, unreadableFrames: 0 },
  ],
  [
    'an iframe without src (about:blank, filled by script) is same-origin and searched',
    (doc) => frame(doc, 'f', docFrom(fixture('positive', 'json-ld.html'))),
    '<iframe id="f"></iframe>',
    ['json-ld'],
    { shadowRoots: 0, frames: 1, unreadableFrames: 0 },
  ],
];

describe('findCandidates in shadow roots and frames (positive/negative table)', () => {
  for (const [what, build, body, expected, scopes] of table) {
    it(what, () => {
      const doc = docFrom(body);
      build(doc);
      const r = findCandidates(doc);
      assert.deepEqual(formats(r), expected);
      assert.deepEqual(r.scopes, scopes);
    });
  }

  it('sends the markup of the element inside the shadow root, not its host', () => {
    const doc = docFrom('<x-contact id="host"></x-contact>');
    shadow(doc, 'host', fixture('positive', 'schedlink.html'));
    const r = findCandidates(doc);
    assert.equal(r.candidates[0].html, doc.getElementById('host').shadowRoot.firstElementChild.outerHTML);
    assert.doesNotMatch(r.candidates[0].html, /x-contact/);
  });

  it("never sends a frame document's <html> or <body>, even with card classes", () => {
    const doc = docFrom('<iframe id="f" src="/f"></iframe>');
    frame(doc, 'f', docFrom('<!doctype html><html class="h-card"><body class="vcard"><div class="h-card">in</div></body></html>'));
    const r = findCandidates(doc);
    assert.deepEqual(r.candidates.map((c) => c.html), ['<div class="h-card">in</div>']);
  });

  it('keeps the page URL of the top document', () => {
    const doc = docFrom('<iframe id="f" src="/f"></iframe>');
    const inner = docFrom(fixture('positive', 'mailto.html'));
    Object.defineProperty(doc, 'URL', { value: 'https://crm.example/people/7' });
    Object.defineProperty(inner, 'URL', { value: 'https://crm.example/f' });
    frame(doc, 'f', inner);
    assert.equal(findCandidates(doc).url, 'https://crm.example/people/7');
  });

  it('bounds the number of scopes (maxScopes)', () => {
    const hosts = Array.from({ length: 30 }, (_, i) => `<div id="h${i}"></div>`).join('');
    const doc = docFrom(hosts);
    for (let i = 0; i < 30; i++) shadow(doc, `h${i}`, `<a href="mailto:p${i}@example.com">p${i}</a>`);
    assert.equal(findCandidates(doc).candidates.length, 30);
    const r = findCandidates(doc, { maxScopes: 10 });
    assert.equal(r.candidates.length, 9); // the page itself is the first scope
  });

  it('the page budget covers every scope together', () => {
    const doc = docFrom('<div id="a"></div><div id="b"></div>');
    const big = (n) => `<div data-schedlink-contact data-n="${n}">${'x'.repeat(15_000)}</div>`;
    shadow(doc, 'a', big(1) + big(2) + big(3) + big(4) + big(5) + big(6) + big(7));
    shadow(doc, 'b', big(8) + big(9) + big(10) + big(11) + big(12) + big(13) + big(14));
    const r = findCandidates(doc);
    const total = r.candidates.reduce((n, c) => n + Buffer.byteLength(c.html), 0);
    assert.ok(total <= DEFAULT_LIMITS.maxTotalBytes);
    assert.equal(r.candidates.length + r.dropped.overBudget, 14);
  });

  it('the injected copy (source text in a fresh context) searches shadow roots and frames too', () => {
    const doc = docFrom('<x-contact id="host"></x-contact><iframe id="f" src="/f"></iframe>');
    shadow(doc, 'host', fixture('positive', 'schedlink.html'));
    frame(doc, 'f', docFrom(fixture('positive', 'h-card.html')));
    const context = vm.createContext({ document: doc, TextEncoder, Set });
    const injected = vm.runInContext(`(${findCandidates.toString()})`, context);
    const r = injected(null, { ...DEFAULT_LIMITS });
    assert.deepEqual(Array.from(r.candidates, (c) => c.format), ['schedlink', 'h-card']);
    assert.ok(FORMATS.includes(r.candidates[1].format));
  });
});
