#!/usr/bin/env bash
# Install everything the tests need from the project's own files, then run every check:
# ruff (lint + format), import-linter, the extension's unit tests and web-ext lint, and pytest
# (unit, integration on SQLite and PostgreSQL, and e2e in real Chromium and real Firefox).
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  missing+=(chromium chromium-driver)
fi
if ! command -v firefox-esr >/dev/null; then
  missing+=(firefox-esr)  # driven through Marionette (marionette-driver, in the test extra)
fi
if [ "${#missing[@]}" -gt 0 ]; then
  echo "== installing ${missing[*]} (Debian packages)"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
echo "== installing the Python package with its test extra"
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]'

echo "== installing the extension's dev dependencies and the browser-test assets (axe-core)"
(cd extension && npm ci --no-audit --no-fund --loglevel=error)
(cd e2e && npm ci --no-audit --no-fund --loglevel=error)
echo "== installing the official Cronofy Node SDK for the contract tests (tests/sdk)"
(cd tests/sdk && npm ci --no-audit --no-fund --loglevel=error)

echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .

echo "== import-linter (the architecture's rules, docs/architecture.md)"
.venv/bin/lint-imports

echo "== extension: node --test and web-ext lint; UI Elements: node --test"
(cd extension && npm test && npm run lint)
(cd elements && npm test)

echo "== pytest"
export SE_OFFLINE=true
.venv/bin/python -m pytest "$@"
