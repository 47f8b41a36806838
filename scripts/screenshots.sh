#!/usr/bin/env bash
# The README's pictures: one PNG of each tab, taken from the real app on a fresh demo store
# (seeded once, then synced with its Demo POS so every tab has something to show).
#   scripts/screenshots.sh [OUT_DIR]     (default docs/screenshots)
# Under Xvfb when xvfb-run is installed, else Qt's offscreen platform.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh app
out=${1:-docs/screenshots}
mkdir -p "$out"
tmp=$(mktemp -d /tmp/possync-shots.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export XDG_DATA_HOME=$tmp/data XDG_CONFIG_HOME=$tmp/config XDG_CACHE_HOME=$tmp/cache
export PYTHON_KEYRING_BACKEND=${PYTHON_KEYRING_BACKEND:-keyrings.alt.file.PlaintextKeyring}
db="sqlite:///$tmp/demo.sqlite3"
run=(.venv/bin/python main.py --db "$db" --operator "Dana (receiving)")
if [ -z "${QT_QPA_PLATFORM:-}" ]; then
  if command -v xvfb-run >/dev/null 2>&1; then
    run=(xvfb-run -a -s "-screen 0 1400x900x24" "${run[@]}")
  else
    export QT_QPA_PLATFORM=offscreen
  fi
fi
echo "screenshots: seeding the demo store"
"${run[@]}" --smoke >/dev/null
echo "screenshots: one sync and health check of the Demo POS"
.venv/bin/possync --db "$db" sync >/dev/null || true
.venv/bin/possync --db "$db" health >/dev/null || true
for tab in Inventory Alerts "Purchase Orders" Receiving Conflicts Integrations; do
  slug=$(echo "$tab" | tr 'A-Z ' 'a-z-')
  "${run[@]}" --tab "$tab" --screenshot "$out/$slug.png" >/dev/null
  echo "screenshots: $out/$slug.png"
done
