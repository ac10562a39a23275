# Starts a throwaway PostgreSQL on 127.0.0.1 for the tests and exports its URL as
# SEEDWORK_TEST_POSTGRES_URL. Source it (`. scripts/postgres.sh`); the server stops when the
# sourcing shell exits. Installs the Debian package first when no server binaries exist and
# the shell may install packages. Fails loudly when no server can be started: tests that need
# PostgreSQL must run, never be skipped.

seedwork_pg_fail() {
  echo "scripts/postgres.sh: $*" >&2
  return 1
}

seedwork_pg_bin() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

seedwork_pg_start() {
  local bin port data user
  bin=$(seedwork_pg_bin)
  if [ -z "$bin" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      echo "installing PostgreSQL (Debian package postgresql)..."
      DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null ||
        seedwork_pg_fail "apt-get install postgresql failed" || return 1
      bin=$(seedwork_pg_bin)
    fi
    [ -n "$bin" ] || seedwork_pg_fail "no PostgreSQL server found; install the Debian package postgresql" || return 1
  fi

  # PostgreSQL refuses to run as root: run it as the packaged `postgres` user then.
  user=$(id -un)
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres ||
      seedwork_pg_fail "cannot create the postgres user" || return 1
    user=postgres
  fi

  data=$(mktemp -d "${TMPDIR:-/tmp}/seedwork-pg.XXXXXX")
  chown "$user" "$data"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

  local as_user=()
  [ "$user" != "$(id -un)" ] && as_user=(runuser -u "$user" --)
  "${as_user[@]}" "$bin/initdb" -D "$data/db" -A trust -U postgres -E UTF8 >"$data/initdb.log" 2>&1 ||
    { cat "$data/initdb.log" >&2; seedwork_pg_fail "initdb failed"; return 1; }
  "${as_user[@]}" "$bin/pg_ctl" -D "$data/db" -l "$data/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $data -c fsync=off -c synchronous_commit=off -c max_connections=300" \
    start >/dev/null ||
    { cat "$data/server.log" >&2; seedwork_pg_fail "the server did not start"; return 1; }

  SEEDWORK_PG_DATA=$data
  SEEDWORK_PG_STOP=("${as_user[@]}" "$bin/pg_ctl" -D "$data/db" -m immediate stop)
  trap 'seedwork_pg_stop' EXIT
  export SEEDWORK_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
  "$bin/pg_isready" -h 127.0.0.1 -p "$port" -t 30 >/dev/null ||
    seedwork_pg_fail "the server does not answer on 127.0.0.1:$port" || return 1
  echo "PostgreSQL running at $SEEDWORK_TEST_POSTGRES_URL"
}

seedwork_pg_stop() {
  [ -n "${SEEDWORK_PG_DATA:-}" ] || return 0
  "${SEEDWORK_PG_STOP[@]}" >/dev/null 2>&1 || true
  rm -rf "$SEEDWORK_PG_DATA"
  SEEDWORK_PG_DATA=
}

seedwork_pg_start
