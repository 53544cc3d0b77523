import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync, mkdtempSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, OUTPUT } from '../build.mjs';

test('the served bundle is the build of src/ (run npm run build)', () => {
  assert.equal(readFileSync(OUTPUT, 'utf8'), build());
});

test('the bundle is at most 30 KB gzipped', () => {
  const size = gzipSync(readFileSync(OUTPUT)).length;
  assert.ok(size <= 30 * 1024, `${size} bytes gzipped`);
});

test('the bundle is one ES module exporting the three elements', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sle-'));
  writeFileSync(join(dir, 'b.mjs'), readFileSync(OUTPUT));
  const mod = await import(join(dir, 'b.mjs'));
  assert.deepEqual(Object.keys(mod).sort(), ['AvailabilityRules', 'AvailabilityViewer', 'SlotPicker', 'VERSION']);
});

test('no global CSS or DOM outside the target: no document.head, body or global styles', () => {
  for (const name of readdirSync(new URL('../src/', import.meta.url))) {
    const text = readFileSync(new URL(`../src/${name}`, import.meta.url), 'utf8');
    assert.doesNotMatch(text, /document\.(head|body|styleSheets|adoptedStyleSheets)/, name);
    assert.doesNotMatch(text, /\b(eval|new Function|innerHTML)\b/, name);
  }
});
