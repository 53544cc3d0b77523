#!/usr/bin/env node
// Build both store packages from this one source directory with `web-ext build`
// (no bundling, no minifying). Each browser's manifest is derived from
// manifest.json, written with the runtime files into a staging directory, and
// web-ext builds the zip from there:
//   dist/schedlink-chrome.zip   manifest without background.scripts and
//                               browser_specific_settings (Chrome ignores them
//                               with a warning); keeps "key", so an unpacked
//                               install keeps the fixed extension ID.
//                               --store also drops "key" (the Chrome Web Store
//                               assigns its own ID and refuses the field).
//   dist/schedlink-firefox.zip  manifest without key, background.service_worker
//                               and minimum_chrome_version (Firefox runs
//                               background.scripts as an event page). Install
//                               it as .zip or rename to .xpi for AMO.
// Only runtime files go in: manifest.json, background.js, content/, lib/,
// popup/, options/, icons/*.png. Tests, bench, scripts and node_modules stay out.
//
//   node scripts/package.mjs [--store] [--dist DIR]
//   node scripts/package.mjs --lint-firefox   web-ext lint of the Firefox package's
//                                              files, warnings counted as errors
//
//   node scripts/package.mjs --e2e-dir DIR [--browser chrome|firefox]
// writes an unpacked copy for browser tests instead, with bench/ included: for
// Chrome the Chrome manifest (same key, same ID) plus host_permissions for
// loopback pages, because a test that opens popup.html?tab=N in a tab has no
// toolbar click, hence no activeTab grant; for Firefox the Firefox manifest
// as shipped (the bench page needs no page access). Never ship these variants.

import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import webExt from 'web-ext';

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

function readManifest(base) {
  return JSON.parse(readFileSync(join(base, 'manifest.json'), 'utf8'));
}

/** Write `files` of `base` into `dir`, the manifest replaced by `manifest`. */
function stage(dir, manifest, files, base) {
  rmSync(dir, { recursive: true, force: true });
  for (const name of files) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    if (name === 'manifest.json') writeFileSync(join(dir, name), `${JSON.stringify(manifest, null, 2)}\n`);
    else cpSync(join(base, name), join(dir, name));
  }
}

export function writeE2eDir(dir, { browser = 'chrome', base = root } = {}) {
  const manifest = readManifest(base);
  const m = browser === 'firefox' ? firefoxManifest(manifest) : e2eManifest(manifest);
  stage(dir, m, [...runtimeFiles(base), 'bench/detect-bench.html', 'bench/detect-bench.js'], base);
}

export const PACKAGES = Object.freeze({
  chrome: { file: 'schedlink-chrome.zip', manifest: (m, o) => chromeManifest(m, o) },
  firefox: { file: 'schedlink-firefox.zip', manifest: (m) => firefoxManifest(m) },
});

/**
 * Build dist/schedlink-<browser>.zip for each browser with web-ext build.
 * Returns the paths written.
 */
export async function buildPackages({ dist = join(root, 'dist'), store = false, base = root, browsers = Object.keys(PACKAGES) } = {}) {
  mkdirSync(dist, { recursive: true });
  const staging = mkdtempSync(join(tmpdir(), 'schedlink-package-'));
  const written = [];
  try {
    for (const browser of browsers) {
      const { file, manifest } = PACKAGES[browser];
      const dir = join(staging, browser);
      stage(dir, manifest(readManifest(base), { store }), runtimeFiles(base), base);
      const { extensionPath } = await webExt.cmd.build(
        { sourceDir: dir, artifactsDir: dist, filename: file, overwriteDest: true },
        { showReadyMessage: false },
      );
      written.push(extensionPath);
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return written;
}

/** web-ext lint of exactly what the Firefox package holds; resolves to the linter summary. */
export async function lintFirefox({ base = root } = {}) {
  const staging = mkdtempSync(join(tmpdir(), 'schedlink-lint-'));
  try {
    const dir = join(staging, 'firefox');
    stage(dir, firefoxManifest(readManifest(base)), runtimeFiles(base), base);
    const result = await webExt.cmd.lint(
      { sourceDir: dir, warningsAsErrors: true, output: 'text', selfHosted: false },
      { shouldExitProgram: false },
    );
    return result.summary;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

function option(name) {
  const i = process.argv.indexOf(name);
  if (i === -1) return null;
  const value = process.argv[i + 1];
  if (!value || value.startsWith('--')) throw new Error(`${name} needs a value`);
  return value;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const e2eDir = option('--e2e-dir');
  if (process.argv.includes('--lint-firefox')) {
    const summary = await lintFirefox();
    if (summary.errors || summary.warnings) process.exitCode = 1;
  } else if (e2eDir) {
    const browser = option('--browser') || 'chrome';
    writeE2eDir(e2eDir, { browser });
    console.log(`unpacked ${browser} test build in ${e2eDir}`);
  } else {
    const dist = option('--dist') || join(root, 'dist');
    for (const path of await buildPackages({ dist, store: process.argv.includes('--store') })) {
      console.log(`${relative(process.cwd(), path) || path}  ${statSync(path).size} bytes`);
    }
  }
}
