#!/bin/sh
# Runs a command against a throw-away PostgreSQL cluster (Debian's postgresql-15 binaries) in a temp dir.
# Usage: tests/web/with_postgres.sh <command...>   (TEST_DATABASE_URL and DATABASE_URL are set for it)
set -eu
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ]; then
  echo "PostgreSQL không có sẵn: cài postgresql (apt-get install postgresql-15)" >&2
  exit 1
fi
PORT=${PGPORT_TEST:-55432}
DIR=$(mktemp -d /tmp/cfc-pg.XXXXXX)
chmod 755 "$DIR"
# initdb refuses to run as root: run the server as the postgres user when we are root.
if [ "$(id -u)" = "0" ]; then
  chown postgres "$DIR"
  AS="runuser -u postgres --"
else
  AS=""
fi
cleanup() {
  $AS "$PGBIN/pg_ctl" -D "$DIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$DIR"
}
trap cleanup EXIT INT TERM
$AS "$PGBIN/initdb" -D "$DIR/data" -U cfc --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
$AS "$PGBIN/pg_ctl" -D "$DIR/data" -l "$DIR/log" -w \
  -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
$AS "$PGBIN/createdb" -h 127.0.0.1 -p "$PORT" -U cfc cfc_test
export TEST_DATABASE_URL="postgresql+psycopg://cfc@127.0.0.1:$PORT/cfc_test"
export DATABASE_URL="$TEST_DATABASE_URL"
"$@"
