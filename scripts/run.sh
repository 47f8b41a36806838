#!/usr/bin/env bash
# Start possync on the demo store (seeded on first start). Extra arguments go to the app,
# e.g. scripts/run.sh --db postgresql+psycopg://me@dbhost/possync
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh app
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] && [ -z "${QT_QPA_PLATFORM:-}" ]; then
  echo "run: no display found (DISPLAY is not set). Start it from a desktop session, or try it" >&2
  echo "     headless: QT_QPA_PLATFORM=offscreen scripts/run.sh --smoke" >&2
  exit 1
fi
exec .venv/bin/python main.py "$@"
