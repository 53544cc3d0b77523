// Builds the served file, backend/static/elements/<version>/schedlink-elements.js, from src/:
// the modules in dependency order, their relative imports dropped, only index.js's exports
// kept. No bundler: the source is plain ES modules with named imports from siblings. Each
// version gets its own folder and earlier builds stay: their URLs are immutable, and pages
// that pinned one (with its SRI hash) keep working. Change VERSION in src/common.js first.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const ORDER = ['common.js', 'zones.js', 'slot-picker.js', 'availability-viewer.js', 'availability-rules.js'];
export const VERSION = /VERSION = '([^']+)'/.exec(readFileSync(join(here, 'src', 'common.js'), 'utf8'))[1];
export const OUTPUT = join(here, '..', 'backend', 'static', 'elements', VERSION, 'schedlink-elements.js');

export function build() {
  const parts = ORDER.map((name) => {
    const text = readFileSync(join(here, 'src', name), 'utf8')
      .replace(/^import\s[\s\S]*?from\s+'\.\/[\w-]+\.js';\n/gm, '')
      .replace(/^export (?=(const|function|async function|let|class) )/gm, '');
    return `// --- ${name}\n${text}`;
  });
  return `// schedlink-elements ${VERSION}: Slot Picker, Availability Viewer, Availability Rules.\n`
    + '// Built by elements/build.mjs from elements/src/; do not edit.\n'
    + parts.join('\n')
    + '\nexport { VERSION, SlotPicker, AvailabilityViewer, AvailabilityRules };\n';
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  mkdirSync(dirname(OUTPUT), { recursive: true });
  writeFileSync(OUTPUT, build());
  console.log(`wrote ${OUTPUT}`);
}
