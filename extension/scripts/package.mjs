#!/usr/bin/env node
// Build the store packages from this directory (no bundling, no minifying):
//   dist/schedlink-chrome.zip   manifest without background.scripts and
//                               browser_specific_settings (Chrome ignores them
//                               with a warning); keeps "key", so an unpacked
//                               install keeps the fixed extension ID.
//                               --store also drops "key" (the Chrome Web Store
//                               assigns its own ID and refuses the field).
//   dist/schedlink-firefox.zip  manifest without key, background.service_worker
//                               and minimum_chrome_version (Firefox runs
//                               background.scripts as an event page).
// Only runtime files go in: manifest.json, background.js, content/, lib/,
// popup/, options/, icons/*.png. Tests, bench, scripts and node_modules stay out.
//
//   node scripts/package.mjs --e2e-dir DIR
// writes an unpacked copy for browser tests instead: the Chrome manifest (same
// key, same ID) plus host_permissions for loopback pages, because a test that
// opens popup.html?tab=N in a tab has no toolbar click, hence no activeTab
// grant. bench/ is included there. Never ship this variant.

import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { zip } from './zip.mjs';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const RUNTIME_DIRS = ['content', 'lib', 'popup', 'options', 'icons'];
const RUNTIME_EXT = /\.(js|html|css|png|svg|json)$/;

/** The runtime files, as paths relative to the extension root with / separators. */
export function runtimeFiles(base = root) {
  const files = ['manifest.json', 'background.js'];
  const walk = (dir) => {
    for (const name of readdirSync(join(base, dir)).sort()) {
      const rel = `${dir}/${name}`;
      if (statSync(join(base, rel)).isDirectory()) walk(rel);
      else if (RUNTIME_EXT.test(name)) files.push(rel.split(sep).join('/'));
    }
  };
  for (const dir of RUNTIME_DIRS) walk(dir);
  return files;
}

export function chromeManifest(manifest, { store = false } = {}) {
  const m = structuredClone(manifest);
  delete m.browser_specific_settings;
  delete m.background.scripts;
  if (store) delete m.key;
  return m;
}

export function firefoxManifest(manifest) {
  const m = structuredClone(manifest);
  delete m.key;
  delete m.minimum_chrome_version;
  delete m.background.service_worker;
  return m;
}

/** The browser-test variant: loopback pages readable without a toolbar click. */
export function e2eManifest(manifest) {
  const m = chromeManifest(manifest);
  m.host_permissions = ['http://127.0.0.1/*', 'http://localhost/*'];
  return m;
}

export function writeE2eDir(dir, base = root) {
  rmSync(dir, { recursive: true, force: true });
  const manifest = JSON.parse(readFileSync(join(base, 'manifest.json'), 'utf8'));
  for (const name of [...runtimeFiles(base), 'bench/detect-bench.html', 'bench/detect-bench.js']) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    if (name === 'manifest.json') writeFileSync(join(dir, name), `${JSON.stringify(e2eManifest(manifest), null, 2)}\n`);
    else cpSync(join(base, name), join(dir, name));
  }
}

export function buildPackage(transform, base = root) {
  const manifest = JSON.parse(readFileSync(join(base, 'manifest.json'), 'utf8'));
  const entries = runtimeFiles(base).map((name) => ({
    name,
    data: name === 'manifest.json' ? Buffer.from(`${JSON.stringify(transform(manifest), null, 2)}\n`) : readFileSync(join(base, name)),
  }));
  return zip(entries);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1] && process.argv.includes('--e2e-dir')) {
  const dir = process.argv[process.argv.indexOf('--e2e-dir') + 1];
  if (!dir) throw new Error('--e2e-dir needs a directory');
  writeE2eDir(dir);
  console.log(`unpacked test build in ${dir}`);
} else if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const store = process.argv.includes('--store');
  const dist = join(root, 'dist');
  mkdirSync(dist, { recursive: true });
  const outputs = [
    ['schedlink-chrome.zip', (m) => chromeManifest(m, { store })],
    ['schedlink-firefox.zip', firefoxManifest],
  ];
  for (const [file, transform] of outputs) {
    const buf = buildPackage(transform);
    writeFileSync(join(dist, file), buf);
    console.log(`${relative(process.cwd(), join(dist, file))}  ${buf.length} bytes`);
  }
}
