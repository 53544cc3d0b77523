import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import vm from 'node:vm';
import {
  CANDIDATE_SELECTOR,
  DEFAULT_LIMITS,
  FORMATS,
  FORMAT_SELECTORS,
  badgeCount,
  badgeText,
  findCandidates,
  matchesFormat,
  sanitizeDetection,
} from '../lib/detect.js';
import { docFrom, fixture, fixtures } from './helpers.js';

const positives = fixtures('positive');
const negatives = fixtures('negative');

describe('fixtures', () => {
  it('has one positive fixture per format', () => {
    assert.deepEqual(positives.map((f) => f.name).sort(), [...FORMATS].sort());
  });
});

describe('per-format detectors (positive/negative table)', () => {
  for (const { name: fixtureFormat, html } of positives) {
    for (const format of FORMATS) {
      const expected = format === fixtureFormat;
      it(`${fixtureFormat} fixture ${expected ? 'matches' : 'does not match'} the ${format} detector`, () => {
        const doc = docFrom(html);
        const top = doc.body.firstElementChild;
        assert.equal(matchesFormat(top, format), expected);
      });
    }
  }
  for (const { name, html } of negatives) {
    it(`negative fixture ${name} matches no detector anywhere`, () => {
      const doc = docFrom(html);
      for (const node of doc.querySelectorAll('*')) {
        for (const format of FORMATS) assert.equal(matchesFormat(node, format), false, `${format} on <${node.localName}>`);
      }
    });
  }
});

describe('findCandidates on each fixture', () => {
  for (const { name, html } of positives) {
    it(`${name}: exactly one candidate, of its own format, with its markup`, () => {
      const doc = docFrom(html);
      const r = findCandidates(doc);
      assert.equal(r.candidates.length, 1);
      assert.equal(r.candidates[0].format, name);
      assert.equal(r.candidates[0].html, doc.body.firstElementChild.outerHTML);
    });
  }
  for (const { name, html } of negatives) {
    it(`${name}: no candidate`, () => {
      const r = findCandidates(docFrom(html));
      assert.deepEqual(r.candidates, []);
    });
  }
  it('finds every format on one page, best first', () => {
    const page = [...positives].reverse().map((f) => f.html).join('\n<hr>\n') + negatives.map((f) => f.html).join('\n');
    const r = findCandidates(docFrom(page));
    assert.deepEqual(
      r.candidates.map((c) => c.format),
      FORMATS,
    );
  });
});

describe('JSON-LD Person check', () => {
  const cases = [
    ['{"@type":"Person"}', true],
    ['{"@type":["Person","Patient"]}', true],
    ['{"@type":"schema:Person"}', true],
    ['{"@type":"http://schema.org/Person"}', true],
    ['{"@type":"https:\\/\\/schema.org\\/Person"}', true],
    ['{"@graph":[{"@type":"WebPage"},{"@type":"Person","name":"A"}]}', true],
    ['{"@type":"Organization","founder":{"@type":"Person","name":"A"}}', true],
    ['{"@type":"Organization"}', false],
    ['{"@type":"Organization","description":"Person of the year"}', false],
    ['{"@type":"Product","name":"Personal organiser"}', false],
    ['{"@type":"Persona"}', false],
  ];
  for (const [json, expected] of cases) {
    it(`${json} → ${expected ? 'candidate' : 'none'}`, () => {
      const r = findCandidates(docFrom(`<script type="application/ld+json">${json}</script>`));
      assert.equal(r.candidates.length, expected ? 1 : 0);
    });
  }
  it('accepts the type attribute in any case', () => {
    const r = findCandidates(docFrom('<script type="Application/LD+JSON">{"@type":"Person"}</script>'));
    assert.equal(r.candidates.length, 1);
  });
  it('accepts mailto: in any case', () => {
    const r = findCandidates(docFrom('<a href="MAILTO:a@example.com">a</a>'));
    assert.equal(r.candidates.length, 1);
  });
});

describe('de-duplication (outermost candidates only)', () => {
  it('a .vcard inside a data-schedlink-contact element is not sent twice', () => {
    const doc = docFrom('<div data-schedlink-contact data-email="a@example.com"><span class="vcard"><a href="mailto:a@example.com">a</a></span></div>');
    const r = findCandidates(doc);
    assert.equal(r.candidates.length, 1);
    assert.equal(r.candidates[0].format, 'schedlink');
    assert.equal(r.found, 3);
  });
  it('an outer candidate takes the best format found inside it', () => {
    const doc = docFrom('<div class="h-card"><p>x</p><div hidden data-schedlink-contact data-email="a@example.com"></div></div>');
    const r = findCandidates(doc);
    assert.equal(r.candidates.length, 1);
    assert.equal(r.candidates[0].format, 'schedlink');
    assert.match(r.candidates[0].html, /^<div class="h-card">/);
  });
  it('mailto links inside microdata and h-cards are part of them', () => {
    const r = findCandidates(docFrom(fixture('positive', 'microdata.html') + fixture('positive', 'h-card.html')));
    assert.deepEqual(r.candidates.map((c) => c.format), ['microdata', 'h-card']);
  });
  it('siblings are all kept, in document order within a format', () => {
    const r = findCandidates(docFrom('<div class="h-card" id="a">A</div><div class="h-card" id="b">B</div><div><div class="h-card" id="c">C</div></div>'));
    assert.deepEqual(r.candidates.map((c) => c.html.match(/id="(.)"/)[1]), ['a', 'b', 'c']);
  });
  it('after a nested candidate, later siblings of its container still count', () => {
    const r = findCandidates(docFrom('<div class="vcard"><div class="h-card">in</div></div><a href="mailto:x@example.com">x</a>'));
    assert.deepEqual(r.candidates.map((c) => c.format), ['h-card', 'mailto']);
    assert.match(r.candidates[0].html, /^<div class="vcard">/);
  });
  it('a non-Person JSON-LD script does not hide anything', () => {
    const r = findCandidates(docFrom('<script type="application/ld+json">{"@type":"Organization"}</script><a href="mailto:x@example.com">x</a>'));
    assert.deepEqual(r.candidates.map((c) => c.format), ['mailto']);
  });
});

describe('bounds', () => {
  const filler = (n) => `<p>${'x'.repeat(n)}</p>`;

  it('never returns <body> or <html> themselves, even when they carry card classes', () => {
    const doc = docFrom(`<!doctype html><html class="h-card"><body class="vcard"><p class="p-name">Me</p><div class="vcard">inner</div>${filler(100)}</body></html>`);
    const r = findCandidates(doc);
    assert.equal(r.candidates.length, 1);
    assert.equal(r.candidates[0].html, '<div class="vcard">inner</div>');
  });
  it('drops a candidate over maxElementBytes and falls back to the ones nested in it', () => {
    const doc = docFrom(`<div class="h-card">${filler(25_000)}<a href="mailto:x@example.com">x</a></div>`);
    const r = findCandidates(doc);
    assert.equal(r.dropped.tooLarge, 1);
    assert.deepEqual(r.candidates.map((c) => c.format), ['mailto']);
  });
  it('measures UTF-8 bytes, not characters', () => {
    const html = `<div class="h-card">${'é'.repeat(6000)}</div>`; // 12 000+ bytes, 6 000+ chars
    const r = findCandidates(docFrom(html), { maxElementBytes: 10_000 });
    assert.equal(r.candidates.length, 0);
    assert.equal(r.dropped.tooLarge, 1);
  });
  it('caps the total size', () => {
    const cards = Array.from({ length: 30 }, (_, i) => `<div data-schedlink-contact data-n="${i}">${filler(9000)}</div>`).join('');
    const r = findCandidates(docFrom(cards));
    const total = r.candidates.reduce((n, c) => n + Buffer.byteLength(c.html), 0);
    assert.ok(total <= DEFAULT_LIMITS.maxTotalBytes, `total ${total}`);
    assert.equal(r.candidates.length + r.dropped.overBudget, 30);
    assert.ok(r.dropped.overBudget > 0);
  });
  it('caps the number of candidates', () => {
    const links = Array.from({ length: 150 }, (_, i) => `<a href="mailto:p${i}@example.com">p${i}</a>`).join(' ');
    const r = findCandidates(docFrom(links));
    assert.equal(r.candidates.length, DEFAULT_LIMITS.maxCandidates);
    assert.equal(r.dropped.overCount, 50);
  });
  it('under budget pressure, native markup wins over earlier mailto links', () => {
    const links = Array.from({ length: 200 }, (_, i) => `<a href="mailto:p${i}@example.com">p${i}</a>`).join(' ');
    const page = `${links}<div hidden data-schedlink-contact data-email="ada@example.com"></div>`;
    const r = findCandidates(docFrom(page), { maxTotalBytes: 2000, maxCandidates: 10 });
    assert.equal(r.candidates[0].format, 'schedlink');
    assert.ok(r.candidates.length <= 10);
  });
  it('the page is never sent whole: a 10 000-element page yields only its candidates', () => {
    const body = Array.from({ length: 10_000 }, (_, i) => `<span>${i}</span>`).join('') + fixture('positive', 'schedlink.html');
    const r = findCandidates(docFrom(body));
    assert.equal(r.candidates.length, 1);
    assert.ok(r.candidates[0].html.length < 1000);
  });
  it('works on an element root, not only a document', () => {
    const doc = docFrom('<section id="s"><div class="h-card">in</div></section><div class="h-card">out</div>');
    const r = findCandidates(doc.getElementById('s'));
    assert.equal(r.candidates.length, 1);
    assert.match(r.candidates[0].html, /in/);
  });
});

describe('findCandidates is self-contained (it is injected as source text)', () => {
  it('runs when re-created from its source in a fresh context with only a document', () => {
    const doc = docFrom(fixture('positive', 'schedlink.html') + fixture('positive', 'mailto.html'));
    const context = vm.createContext({ document: doc, TextEncoder });
    const injected = vm.runInContext(`(${findCandidates.toString()})`, context);
    const r = injected(null, { ...DEFAULT_LIMITS });
    assert.deepEqual(Array.from(r.candidates, (c) => c.format), ['schedlink', 'mailto']);
  });
  it('its inner selector equals the exported one', () => {
    const src = findCandidates.toString();
    const m = src.match(/const SELECTOR =\s*([\s\S]*?);\n/);
    const inner = vm.runInNewContext(m[1]);
    assert.equal(inner, CANDIDATE_SELECTOR);
    assert.equal(CANDIDATE_SELECTOR, Object.values(FORMAT_SELECTORS).join(', '));
  });
  it('its inner format names and defaults equal the exported ones', () => {
    const src = findCandidates.toString();
    assert.ok(src.includes(`const NAMES = ${JSON.stringify(FORMATS).replace(/"/g, "'").replace(/,/g, ', ')}`));
    assert.ok(src.includes(`maxElementBytes: ${DEFAULT_LIMITS.maxElementBytes}`));
    assert.ok(src.includes(`maxTotalBytes: ${DEFAULT_LIMITS.maxTotalBytes}`));
    assert.ok(src.includes(`maxCandidates: ${DEFAULT_LIMITS.maxCandidates}`));
  });
});

describe('sanitizeDetection (the page result is untrusted)', () => {
  const good = {
    candidates: [{ format: 'h-card', html: '<div class="h-card">A</div>' }],
    found: 1,
    dropped: { tooLarge: 0, overBudget: 0, overCount: 0 },
    scopes: { shadowRoots: 2, frames: 1, unreadableFrames: 1 },
    url: 'https://a.example/',
  };
  it('passes a well-formed result through', () => {
    assert.deepEqual(sanitizeDetection(good), good);
  });
  const bad = {
    'not an object': 'x',
    'null': null,
    'no candidates array': { candidates: 'x' },
    'unknown format': { candidates: [{ format: 'evil', html: 'x' }] },
    'html not a string': { candidates: [{ format: 'mailto', html: { toString: 1 } }] },
    'oversized candidate': { candidates: [{ format: 'mailto', html: 'x'.repeat(DEFAULT_LIMITS.maxElementBytes + 1) }] },
    'over the total': { candidates: Array.from({ length: 11 }, () => ({ format: 'mailto', html: 'x'.repeat(19_999) })) },
  };
  for (const [what, value] of Object.entries(bad)) {
    it(`rejects ${what}`, () => assert.throws(() => sanitizeDetection(value), TypeError));
  }
  it('drops extra fields, clamps counters, and caps the candidate count', () => {
    const many = { candidates: Array.from({ length: 150 }, () => ({ format: 'mailto', html: 'a', extra: 1 })), found: -3, dropped: 'x', url: 42, evil: true };
    const r = sanitizeDetection(many);
    assert.equal(r.candidates.length, DEFAULT_LIMITS.maxCandidates);
    assert.deepEqual(Object.keys(r.candidates[0]), ['format', 'html']);
    assert.equal(r.found, 0);
    assert.deepEqual(r.dropped, { tooLarge: 0, overBudget: 0, overCount: 0 });
    assert.deepEqual(r.scopes, { shadowRoots: 0, frames: 0, unreadableFrames: 0 });
    assert.equal(r.url, null);
    assert.equal('evil' in r, false);
  });
});

describe('badge', () => {
  it('counts structured candidates, not mailto links', () => {
    const r = findCandidates(docFrom(positives.map((f) => f.html).join('')));
    assert.equal(badgeCount(r), 5);
    assert.equal(badgeCount(findCandidates(docFrom(fixture('positive', 'mailto.html')))), 0);
  });
  it('formats the text', () => {
    assert.equal(badgeText(0), '');
    assert.equal(badgeText(3), '3');
    assert.equal(badgeText(99), '99');
    assert.equal(badgeText(100), '99+');
    assert.equal(badgeText(-1), '');
    assert.equal(badgeText(Number.NaN), '');
  });
});
