#!/usr/bin/env bash
# Install what the product needs (once) and start `schedlink demo` on http://localhost:5000 (listening on 127.0.0.1).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e .
exec .venv/bin/schedlink demo "$@"
