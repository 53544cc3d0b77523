// Times lib/detect.js findCandidates on a page of N elements (default 10 000)
// in a real browser. Open as chrome-extension://<id>/bench/detect-bench.html
// (the unpacked extension includes this folder) or serve the extension
// directory over http from loopback. Query: ?elements=10000&runs=51
//
// The page is built as today's web apps are: every SHADOW_EVERY-th row of ten
// elements is a custom element whose cells live in its open shadow root (the
// native schedlink markup among them), so findCandidates must search shadow
// roots to find everything. `elements` counts every element built, light and
// shadow DOM together.
//
// Results: #median-ms, #result (JSON), body[data-median-ms], body[data-done=yes]
// and one console line "detect-bench {json}". The baseline, measured in the
// same run on the same page, is the approach findCandidates avoids: a JS walk
// over every element (entering shadow roots) testing it against the same selector.

import { CANDIDATE_SELECTOR, findCandidates } from '../lib/detect.js';

const params = new URLSearchParams(location.search);
const ELEMENTS = Math.max(100, Number(params.get('elements')) || 10_000);
const RUNS = Math.max(3, Number(params.get('runs')) || 51);
const SHADOW_EVERY = 5; // one row in five renders inside a shadow root

class BenchRow extends HTMLElement {}
customElements.define('bench-row', BenchRow);

function build(container, total) {
  // Candidate markup of every format, spread through the page.
  const specials = [
    () => Object.assign(document.createElement('div'), { hidden: true }),
    () => document.createElement('script'),
    () => document.createElement('script'),
  ];
  const made = [];
  const add = (parent, el) => {
    parent.append(el);
    made.push(el);
    return el;
  };
  const schedlink = specials[0]();
  schedlink.setAttribute('data-schedlink-contact', '');
  schedlink.dataset.name = 'Ada Lovelace';
  schedlink.dataset.email = 'ada@example.com';
  const person = specials[1]();
  person.type = 'application/ld+json';
  person.textContent = JSON.stringify({ '@context': 'https://schema.org', '@type': 'Person', name: 'Grace Hopper' });
  const org = specials[2]();
  org.type = 'application/ld+json';
  org.textContent = JSON.stringify({ '@context': 'https://schema.org', '@type': 'Organization', name: 'Acme' });

  let row = null;
  let rows = 0;
  let shadowRoots = 0;
  let i = 0;
  while (made.length < total) {
    if (i % 10 === 0) {
      rows += 1;
      if (rows % SHADOW_EVERY === 0 || i === 5000) {
        // A web component: its cells go into its open shadow root.
        const host = add(container, document.createElement('bench-row'));
        row = host.attachShadow({ mode: 'open' });
        shadowRoots += 1;
      } else {
        row = add(container, document.createElement('div'));
      }
    }
    const n = i;
    i += 1;
    let el;
    if (n === 5000) el = schedlink;
    else if (n === 100) el = person;
    else if (n === 200) el = org;
    else if (n % 997 === 0) {
      el = document.createElement('div');
      el.setAttribute('itemscope', '');
      el.setAttribute('itemtype', 'https://schema.org/Person');
      el.textContent = `Person ${n}`;
    } else if (n % 499 === 0) {
      el = document.createElement('div');
      el.className = n % 2 ? 'h-card' : 'vcard';
      el.textContent = `Card ${n}`;
    } else if (n % 193 === 0) {
      el = document.createElement('a');
      el.href = `mailto:person${n}@example.com`;
      el.textContent = `person${n}`;
    } else {
      el = document.createElement(n % 3 ? 'span' : 'p');
      el.className = `cell c${n % 7}`;
      el.textContent = `cell ${n}`;
    }
    add(row, el);
  }
  return { built: made.length, shadowRoots };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time(fn, runs) {
  for (let i = 0; i < 5; i++) fn(); // warm up
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    samples.push(performance.now() - t0);
  }
  return samples;
}

const container = document.getElementById('page');
const { built, shadowRoots } = build(container, ELEMENTS);
const elements = document.getElementsByTagName('*').length; // light DOM only
let last = null;
const samples = time(() => {
  last = findCandidates(document);
}, RUNS);
const baseline = time(() => {
  let n = 0;
  const walk = (root) => {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_ELEMENT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.matches(CANDIDATE_SELECTOR)) n += 1;
      if (node.shadowRoot) walk(node.shadowRoot);
    }
  };
  walk(document);
  return n;
}, RUNS);
const medianMs = median(samples);
const baselineMs = median(baseline);
const result = {
  elements: built,
  light_dom_elements: elements,
  shadow_roots: shadowRoots,
  built,
  runs: RUNS,
  median_ms: Number(medianMs.toFixed(3)),
  p90_ms: Number([...samples].sort((a, b) => a - b)[Math.floor(samples.length * 0.9)].toFixed(3)),
  baseline_median_ms: Number(baselineMs.toFixed(3)),
  ratio_to_baseline: baselineMs > 0 ? Number((medianMs / baselineMs).toFixed(2)) : null,
  candidates: last.candidates.length,
  scopes: last.scopes,
  by_format: last.candidates.reduce((n, c) => ({ ...n, [c.format]: (n[c.format] || 0) + 1 }), {}),
  target_ms: 10,
  ok: medianMs < 10,
};
document.getElementById('runs').textContent = String(RUNS);
document.getElementById('elements').textContent = `${built} (${shadowRoots} shadow roots)`;
document.getElementById('median-ms').textContent = result.median_ms.toFixed(3);
document.getElementById('result').textContent = JSON.stringify(result, null, 2);
container.hidden = true;
document.body.dataset.medianMs = String(result.median_ms);
document.body.dataset.done = 'yes';
console.log(`detect-bench ${JSON.stringify(result)}`);
