#!/usr/bin/env bash
# start DIR | stop DIR: a throwaway PostgreSQL cluster on a free loopback port.
# Prints the SQLAlchemy URL of an empty database on start. Never touches the system cluster.
set -euo pipefail
action=$1; dir=$2
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bindir" ] || { echo "pg: no PostgreSQL server installed" >&2; exit 1; }
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
user=$([ "$(id -u)" -eq 0 ] && echo postgres || id -un)
case "$action" in
  start)
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
    as_pg "$bindir/initdb" -D "$dir/data" --auth=trust -E UTF8 --locale=C.UTF-8 -U "$user" >"$dir/initdb.log" 2>&1
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=200" \
      start >/dev/null
    as_pg "$bindir/createdb" -h 127.0.0.1 -p "$port" -U "$user" possync_test
    echo "postgresql+psycopg://$user@127.0.0.1:$port/possync_test"
    ;;
  stop)
    [ -d "$dir/data" ] && as_pg "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
esac
