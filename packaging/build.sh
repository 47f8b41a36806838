#!/usr/bin/env bash
# Build the one-folder application (dist/possync/: possync-gui and possync) with PyInstaller,
# then start it once offscreen (--smoke, on a temporary demo database and data folders) and
# fail unless it opened the window and showed the inventory rows.
#   bash packaging/build.sh               build, then the smoke start
#   bash packaging/build.sh --smoke-only  the smoke start of the bundle already in dist/
# Linux and macOS; on Windows run the pyinstaller line below from the activated venv.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-build}
case "$mode" in
  build|--smoke-only) ;;
  *) echo "usage: $0 [--smoke-only]" >&2; exit 2 ;;
esac

bundle=dist/possync
if [ "$mode" = build ]; then
  bash scripts/setup.sh package
  # PyInstaller comes from the `package` extra; installed once per change of pyproject.toml.
  stamp=.venv/.possync-package-installed
  want=$(sha256sum pyproject.toml | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "build: installing the package extra (PyInstaller) into .venv"
    .venv/bin/python -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml",
      "rb"))["project"]["optional-dependencies"]["package"]))' > .venv/package-requirements.txt
    .venv/bin/python -m pip install -q -r .venv/package-requirements.txt 2>&1 \
      | grep -v "is ignored" || true
    .venv/bin/python -c "import PyInstaller" \
      || { echo "build: PyInstaller did not install (see above)" >&2; exit 1; }
    echo "$want" > "$stamp"
  fi
  echo "build: pyinstaller packaging/possync.spec (a few minutes)"
  started=$SECONDS
  log=build/pyinstaller.log
  mkdir -p build
  if ! .venv/bin/pyinstaller --noconfirm --clean --log-level WARN packaging/possync.spec \
      --distpath dist --workpath build/pyinstaller > "$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "build: PyInstaller failed (whole log: $log)" >&2
    exit 1
  fi
  echo "build: built $bundle in $((SECONDS - started)) s ($(du -sh "$bundle" | cut -f1))"
fi

[ -x "$bundle/possync-gui" ] || { echo "build: no $bundle/possync-gui; build it first" >&2; exit 1; }
# Nothing of the user's: data, settings and the smoke's own database all in one temp folder.
scratch=$(mktemp -d "${TMPDIR:-/tmp}/possync-build-smoke.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/tmp"
run() {
  env -u POSSYNC_DB_URL -u PYTHON_KEYRING_BACKEND QT_QPA_PLATFORM=offscreen \
    XDG_DATA_HOME="$scratch/data" XDG_CONFIG_HOME="$scratch/config" TMPDIR="$scratch/tmp" "$@"
}
echo "build: smoke start: $bundle/possync-gui --smoke"
started=$SECONDS
set +e
run timeout 600 "$bundle/possync-gui" --smoke > "$scratch/out" 2> "$scratch/err"
rc=$?
set -e
cat "$scratch/out"
rows=$(sed -n 's/^inventory rows: \([0-9][0-9]*\)$/\1/p' "$scratch/out")
if [ $rc -ne 0 ] || [ -z "$rows" ] || [ "$rows" -eq 0 ]; then
  tail -n 40 "$scratch/err" >&2
  echo "build: the smoke start failed (exit $rc, inventory rows: ${rows:-none})" >&2
  exit 1
fi
if [ -e "$scratch/data/possync" ] || [ -n "$(ls -A "$scratch/tmp")" ]; then
  echo "build: the smoke start left data behind: $(find "$scratch/data" "$scratch/tmp")" >&2
  exit 1
fi
echo "build: smoke start passed in $((SECONDS - started)) s ($rows inventory rows)"
# The command line in the same folder: its migrations run from the bundle too.
if ! run "$bundle/possync" --db "sqlite:///$scratch/cli.sqlite3" db upgrade > "$scratch/cli" 2>&1; then
  cat "$scratch/cli" >&2
  echo "build: $bundle/possync db upgrade failed" >&2
  exit 1
fi
echo "build: $(cat "$scratch/cli")"
# The wheel (`pip install .`) carries every file of the package: the migrations, the demo
# store's modules and the window icon included.
echo "build: checking the wheel's contents"
if ! .venv/bin/python -m pip wheel -q --no-deps -w "$scratch/wheel" . > "$scratch/wheel.log" 2>&1; then
  grep -v "is ignored" "$scratch/wheel.log" | tail -n 20 >&2
  echo "build: pip wheel failed" >&2
  exit 1
fi
.venv/bin/python - "$scratch"/wheel/possync-*.whl <<'PY'
import sys, zipfile
from pathlib import Path

wanted = {  # ADAPTERS.md is for developers only
    p.as_posix() for p in Path("possync_gui").rglob("*")
    if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".pyc", ".md")
}
missing = sorted(wanted - set(zipfile.ZipFile(sys.argv[1]).namelist()))
if missing:
    sys.exit("build: the wheel lacks " + ", ".join(missing))
print(f"build: the wheel has all {len(wanted)} files of the package")
PY
