#!/usr/bin/env bash
# The whole test suite: lint, the layer contracts, and pytest on SQLite and on a real
# PostgreSQL server started here for the run. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test

export QT_QPA_PLATFORM=offscreen
export PYTHON_KEYRING_BACKEND=keyrings.alt.file.PlaintextKeyring
pgdir=$(mktemp -d /tmp/possync-pg.XXXXXX)
trap 'bash scripts/pg-throwaway.sh stop "$pgdir"' EXIT
if url=$(bash scripts/pg-throwaway.sh start "$pgdir"); then
  export POSSYNC_TEST_PG_URL=$url
  echo "test: PostgreSQL for this run at ${url}"
elif [ "${CI:-}" = true ]; then
  echo "test: CI needs PostgreSQL but it could not be started:" >&2
  cat "$pgdir"/*.log >&2 2>/dev/null || true
  exit 1
else
  echo "test: WARNING: no PostgreSQL server; the PostgreSQL tests will be skipped." >&2
fi

echo "test: ruff"
.venv/bin/ruff check .
echo "test: import contracts"
.venv/bin/lint-imports --no-cache
echo "test: mypy"
.venv/bin/mypy
# POSSYNC_PACKAGING=1 (.ci/run sets it): also build the application bundle and smoke-start
# it. Before pytest, so that pytest's summary stays the run's closing line.
if [ "${POSSYNC_PACKAGING:-}" = 1 ]; then
  echo "test: packaging (POSSYNC_PACKAGING=1): bash packaging/build.sh"
  bash packaging/build.sh
fi
# With no arguments: the whole suite on one worker process per core (at most 4), the
# longest-running files first taken by whichever worker is free.
workers=${POSSYNC_TEST_WORKERS:-$(n=$(nproc 2>/dev/null || echo 2); [ "$n" -gt 4 ] && n=4; echo "$n")}
[ $# -eq 0 ] && set -- -n "$workers" --dist worksteal
echo "test: pytest $*"
set +e
.venv/bin/python -m pytest "$@"
rc=$?
set -e
# pytest exits 5 when it collected nothing: that is a broken suite, not a pass.
[ $rc -eq 5 ] && echo "test: pytest collected no tests" >&2
exit $rc
