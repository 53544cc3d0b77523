#!/usr/bin/env node
// The Chrome extension ID fixed by manifest.json's "key": the first 32 hex
// digits of SHA-256(DER public key), with 0-f mapped to a-p.
//   node scripts/extension-id.mjs          print it
//   node scripts/extension-id.mjs --write  also write EXTENSION_ID

import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function extensionIdFromKey(base64Key) {
  const der = Buffer.from(base64Key, 'base64');
  const hex = createHash('sha256').update(der).digest('hex').slice(0, 32);
  return [...hex].map((c) => String.fromCharCode('a'.charCodeAt(0) + parseInt(c, 16))).join('');
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const manifest = JSON.parse(readFileSync(join(root, 'manifest.json'), 'utf8'));
  const id = extensionIdFromKey(manifest.key);
  console.log(id);
  if (process.argv.includes('--write')) writeFileSync(join(root, 'EXTENSION_ID'), `${id}\n`);
}
