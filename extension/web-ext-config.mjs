// web-ext settings (lint, run, build): development files are not part of the
// extension. node_modules and dot-files are ignored by web-ext already.
export default {
  ignoreFiles: [
    'tests',
    'tests/**',
    'bench',
    'bench/**',
    'scripts',
    'scripts/**',
    'dist',
    'dist/**',
    'package.json',
    'package-lock.json',
    'web-ext-config.mjs',
    'README.md',
    'EXTENSION_ID',
  ],
};
