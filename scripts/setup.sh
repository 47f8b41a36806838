#!/usr/bin/env bash
# Prepare this checkout: Debian packages (when root and missing), a venv in .venv, and
# possync with its dev extras. Idempotent and quick when nothing changed.
#   scripts/setup.sh app    what the window needs (Qt's xcb libraries, fonts)
#   scripts/setup.sh test   what the test suite needs (Qt offscreen, PostgreSQL server)
#   scripts/setup.sh package  what packaging/build.sh needs (Qt offscreen, objdump for PyInstaller)
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-app}

qt_offscreen=(libegl1 libgl1 libglib2.0-0 libfontconfig1 libfreetype6 fonts-dejavu-core
              libdbus-1-3 libxkbcommon0 libx11-6)
qt_xcb=(libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-randr0
        libxcb-render-util0 libxcb-shape0 libxcb-xkb1 libxkbcommon-x11-0 libx11-xcb1)
case "$mode" in
  app)  wanted=("${qt_offscreen[@]}" "${qt_xcb[@]}") ;;
  test) wanted=("${qt_offscreen[@]}" postgresql) ;;
  package) wanted=("${qt_offscreen[@]}" binutils) ;;
  *) echo "usage: $0 app|test|package" >&2; exit 2 ;;
esac

if command -v dpkg >/dev/null 2>&1; then
  missing=()
  for pkg in "${wanted[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "setup: installing Debian packages: ${missing[*]}"
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq
      apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
      echo "setup: missing Debian packages (run as root to install them): ${missing[*]}" >&2
    fi
  fi
fi

py=${PYTHON:-python3}
if ! "$py" -c 'import sys; raise SystemExit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "setup: possync needs Python 3.11 or newer ($py is $("$py" --version 2>&1))." >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$py" -m venv .venv
fi
stamp=.venv/.possync-installed
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: installing possync and its dependencies into .venv"
  .venv/bin/python -m pip install -q --upgrade pip 2>&1 | grep -v "is ignored" || true
  .venv/bin/python -m pip install -q -e ".[dev]" 2>&1 | grep -v "is ignored" || true
  .venv/bin/python -c "import possync_gui, PySide6, sqlalchemy, qasync" \
    || { echo "setup: the install failed (see above)" >&2; exit 1; }
  echo "$want" > "$stamp"
fi
