# Starts a throwaway PostgreSQL server from the system's binaries (installing Debian's
# `postgresql` package when they are missing) and stops it when the calling script exits.
# After start_postgres: PG_BIN, PG_PORT, PG_ADMIN_URL.
# shellcheck shell=bash

find_pg_bin() {
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
      echo "$dir"
      return 0
    fi
  done
  return 1
}

as_pg_user() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# Sets PG_BIN to the directory of initdb and pg_ctl, installing Debian's `postgresql`
# package when they are missing.
ensure_pg_bin() {
  local bin
  if ! bin=$(find_pg_bin); then
    if [ "$(id -u)" != 0 ]; then
      echo "PostgreSQL server binaries are missing and this user cannot install them:" >&2
      echo "install the 'postgresql' package, or set OAUTH_APPS_TEST_DATABASE_URL." >&2
      exit 1
    fi
    echo "Installing PostgreSQL (apt-get install postgresql)..." >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq postgresql >/dev/null
    bin=$(find_pg_bin) || { echo "PostgreSQL installed but initdb not found" >&2; exit 1; }
  fi
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  fi
  PG_BIN=$bin
}

# nginx, for the test of several processes behind a proxy (Debian's package).
ensure_nginx() {
  if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then
    return 0
  fi
  if [ "$(id -u)" != 0 ]; then
    echo "nginx is missing and this user cannot install it: install the 'nginx' package." >&2
    exit 1
  fi
  echo "Installing nginx (apt-get install nginx)..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq nginx >/dev/null
}

start_postgres() {
  ensure_pg_bin
  local bin=$PG_BIN
  PG_DIR=$(mktemp -d /tmp/oauth-apps-pg.XXXXXX)
  if [ "$(id -u)" = 0 ]; then
    chown postgres "$PG_DIR"
  fi
  as_pg_user "$bin/initdb" -A trust -U postgres -D "$PG_DIR/data" >"$PG_DIR/initdb.log" 2>&1 \
    || { cat "$PG_DIR/initdb.log" >&2; exit 1; }
  local port=${OAUTH_APPS_PG_PORT:-54329}
  while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
  as_pg_user "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w \
    -o "-p $port -k $PG_DIR -c listen_addresses=127.0.0.1 -c max_connections=400 \
        -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null || { cat "$PG_DIR/server.log" >&2; exit 1; }
  trap stop_postgres EXIT
  PG_PORT=$port
  PG_ADMIN_URL="postgres://postgres@127.0.0.1:$port/postgres"
  echo "PostgreSQL started on 127.0.0.1:$port" >&2
}

stop_postgres() {
  as_pg_user "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
}

