#!/usr/bin/env bash
# The servers the publish and PostgreSQL tests talk to, started on loopback in a temp folder:
# s3s-fs (an S3-compatible server storing objects as files) and a PostgreSQL cluster from
# Debian's packages. One way to start them, for a local run and for .ci/run alike:
#
#   eval "$(scripts/test-servers.sh start)"   # prints the export lines the tests read
#   cargo test --test publish_s3 --test postgres_smoke
#   scripts/test-servers.sh stop              # stops what `start` started ($FEEDMILL_TEST_SERVERS_DIR)
#
# Needs: s3s-fs (`cargo install s3s-fs --version 0.14.1 --features binary --locked`, found on
# PATH or at $S3S_FS), PostgreSQL's server binaries (Debian's `postgresql` package) and the
# `postgres` user they create: PostgreSQL refuses to run as root.
set -euo pipefail

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_port() { # port, what, log
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "test-servers: $2 did not listen on 127.0.0.1:$1 within 10 s; its log:" >&2
  cat "$3" >&2 || true
  return 1
}

pg_bindir() {
  if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then
    pg_config --bindir
    return
  fi
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -n "$d" ] && [ -x "$d/initdb" ] || { echo "test-servers: PostgreSQL's initdb not found (apt-get install postgresql)" >&2; return 1; }
  echo "$d"
}

start() {
  local dir s3s bin s3_port pg_port
  dir=$(mktemp -d "${TMPDIR:-/tmp}/feedmill-test-servers.XXXXXX")
  chmod 755 "$dir"   # the postgres user must reach its data folder below it

  s3s="${S3S_FS:-$(command -v s3s-fs || true)}"
  [ -x "$s3s" ] || { echo "test-servers: s3s-fs not found (set S3S_FS or put it on PATH)" >&2; return 1; }
  s3_port=$(free_port)
  mkdir -p "$dir/s3/feedmill-test"   # a bucket is a folder of the root
  "$s3s" --host 127.0.0.1 --port "$s3_port" --access-key feedmill-test \
    --secret-key feedmill-test-secret "$dir/s3" >"$dir/s3s-fs.log" 2>&1 &
  echo $! >"$dir/s3s-fs.pid"
  wait_port "$s3_port" s3s-fs "$dir/s3s-fs.log"

  bin=$(pg_bindir)
  pg_port=$(free_port)
  install -d -o postgres -g postgres -m 700 "$dir/pg"
  runuser -u postgres -- "$bin/initdb" -D "$dir/pg/data" -U postgres --auth=trust -E UTF8 \
    >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; return 1; }
  runuser -u postgres -- "$bin/pg_ctl" -D "$dir/pg/data" -l "$dir/pg/server.log" -w -t 30 \
    -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $dir/pg" start >/dev/null \
    || { cat "$dir/pg/server.log" >&2; return 1; }

  cat <<EOF
export FEEDMILL_TEST_SERVERS_DIR='$dir'
export FEEDMILL_TEST_S3_ENDPOINT='http://127.0.0.1:$s3_port'
export FEEDMILL_TEST_S3_BUCKET='feedmill-test'
export FEEDMILL_TEST_S3_ACCESS_KEY='feedmill-test'
export FEEDMILL_TEST_S3_SECRET_KEY='feedmill-test-secret'
export FEEDMILL_TEST_S3_LOG='$dir/s3s-fs.log'
export FEEDMILL_TEST_POSTGRES_URL='postgres://postgres@127.0.0.1:$pg_port/postgres'
EOF
}

stop() {
  local dir="${FEEDMILL_TEST_SERVERS_DIR:-}"
  [ -n "$dir" ] && [ -d "$dir" ] || { echo "test-servers: FEEDMILL_TEST_SERVERS_DIR is not a started folder" >&2; return 1; }
  if [ -f "$dir/s3s-fs.pid" ]; then kill "$(cat "$dir/s3s-fs.pid")" 2>/dev/null || true; fi
  if [ -d "$dir/pg/data" ]; then
    runuser -u postgres -- "$(pg_bindir)/pg_ctl" -D "$dir/pg/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
