#!/usr/bin/env bash
# Load test of `feedmill serve` on loopback, while a rebuild runs every second.
#
#   scripts/loadtest.sh            # 30 s of conditional requests, then 30 s of gzip bodies
#   PHASE_SECONDS=10 scripts/loadtest.sh
#   SLOWLORIS=1000 scripts/loadtest.sh   # the same beside 1,000 slowloris connections
#
# What it does:
#  1. installs wrk (Debian package) if missing, builds feedmill in release mode;
#  2. writes a config in a temp folder whose sources are local files (the bundled examples
#     plus one "live" feed) with refresh = "1s", and starts `feedmill serve` on 127.0.0.1;
#  3. rewrites the live feed every second, so every build changes the merged feed and the
#     server swaps in a new set of files while wrk is running;
#  4. phase 1: wrk sends If-None-Match with the current ETag (a Lua script picks up the new
#     ETag whenever a 200 shows the feed changed), so nearly every answer is a 304;
#  5. phase 2: wrk asks for the full gzip body of the merged feed;
#  6. meanwhile a checker fetches the merged feed ten times a second and verifies that the
#     decompressed body hashes to its ETag: no partial or mixed file is ever served.
#  7. with SLOWLORIS=N, scripts/slowloris.py holds N connections that drip one header byte
#     every SLOW_DRIP seconds (5) for the whole run, and a prober asks /healthz five times a
#     second (2 s timeout), counting answers, failures and the slowest answer.
# It prints requests/s, p99 latency and errors for each phase, and the checker's result.
# Targets (2 cores): >= 20,000 req/s for 304s, p99 < 10 ms, zero errors.
set -euo pipefail

PHASE_SECONDS="${PHASE_SECONDS:-30}"
THREADS="${THREADS:-2}"
CONNECTIONS="${CONNECTIONS:-64}"
PORT="${PORT:-18080}"
SLOWLORIS="${SLOWLORIS:-0}"
SLOW_DRIP="${SLOW_DRIP:-5}"
FEED_PATH="/other-news/rss.xml"

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
BIN="$TARGET_DIR/release/feedmill"

if ! command -v wrk >/dev/null 2>&1; then
  echo "== installing wrk"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get install -y wrk >/dev/null 2>&1 || { $SUDO apt-get update >/dev/null && $SUDO apt-get install -y wrk >/dev/null; }
fi
for tool in curl gzip sha256sum $([ "$SLOWLORIS" -gt 0 ] && echo python3); do
  command -v "$tool" >/dev/null || { echo "loadtest: $tool is required" >&2; exit 1; }
done

echo "== building feedmill (release)"
(cd "$ROOT" && cargo build --release --quiet --bin feedmill)

WORK="$(mktemp -d)"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
# A private copy: a shared target folder may be rebuilt by someone else meanwhile.
cp "$BIN" "$WORK/feedmill"
BIN="$WORK/feedmill"

mkdir -p "$WORK/feeds"
cp "$ROOT/examples/feeds/baoyenbai-xay-dung-dang.rss" "$ROOT/examples/feeds/lucyen.atom" "$WORK/feeds/"

# The live feed: one more item per second, the newest first, at most 20.
write_live() {
  local n="$1" items="" i
  for ((i = n; i > n - 20 && i > 0; i--)); do
    items+="<item><title>Tin trực tiếp số $i</title><link>https://live.test/tin/$i</link>"
    items+="<guid>https://live.test/tin/$i</guid>"
    items+="<pubDate>$(date -u -R -d "@$((1700000000 + i * 60))")</pubDate><category>Trực tiếp</category></item>"
  done
  printf '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Trực tiếp</title><link>https://live.test/</link><description>live</description>%s</channel></rss>\n' "$items" >"$WORK/feeds/live.rss.tmp"
  mv "$WORK/feeds/live.rss.tmp" "$WORK/feeds/live.rss"
}
write_live 1

cat >"$WORK/feeds.toml" <<'EOF'
[site]
title = "Tin Yên Bái"
base_url = "https://feeds.example.vn/"
language = "vi"
timezone = "Asia/Ho_Chi_Minh"
output_dir = "public"

[fetch]
refresh = "1s"

[[source]]
name = "baoyenbai-xdd"
url = "feeds/baoyenbai-xay-dung-dang.rss"
category = "Xây dựng Đảng"
tags = ["Yên Bái"]

[[source]]
name = "lucyen"
url = "feeds/lucyen.atom"
tags = ["Yên Bái"]

[[source]]
name = "live"
url = "feeds/live.rss"

[[category]]
name = "Nông nghiệp"
slug = "nong-nghiep"
tags = ["nông thôn mới", "lúa"]
EOF

echo "== starting feedmill serve on 127.0.0.1:$PORT"
"$BIN" serve --config "$WORK/feeds.toml" --listen "127.0.0.1:$PORT" 2>"$WORK/serve.log" &
SERVER=$!
PIDS+=("$SERVER")
URL="http://127.0.0.1:$PORT$FEED_PATH"
for _ in $(seq 1 100); do
  curl -fs -o /dev/null "$URL" && break
  sleep 0.1
done
curl -fs -o /dev/null "$URL" || { echo "server did not come up"; cat "$WORK/serve.log"; exit 1; }

# Rewrite the live feed every second.
(n=1; while true; do n=$((n + 1)); write_live "$n"; sleep 1; done) &
PIDS+=("$!")

# Checker: the gzip body must hash to the ETag it came with.
(
  ok=0 bad=0
  trap 'echo "$ok $bad" >"$WORK/check.result"; exit 0' TERM
  while true; do
    if curl -fs -H 'Accept-Encoding: gzip' -D "$WORK/h" -o "$WORK/b" "$URL"; then
      etag="$(grep -i '^etag:' "$WORK/h" | tr -d '\r"' | awk '{print $2}')"
      hash="$(gzip -dc "$WORK/b" | sha256sum | cut -c1-32)"
      if [ "${etag%-gz}" = "$hash" ]; then ok=$((ok + 1)); else bad=$((bad + 1)); fi
    else
      bad=$((bad + 1))
    fi
    sleep 0.1
  done
) &
CHECKER=$!
PIDS+=("$CHECKER")

cat >"$WORK/conditional.lua" <<'EOF'
-- Conditional GETs with the ETag last seen; a 200 (the feed changed) updates it.
local threads = {}
function setup(thread)
  thread:set("etag", os.getenv("ETAG"))
  table.insert(threads, thread)
end
function init(args)
  n304, n200, other = 0, 0, 0
end
function request()
  return wrk.format("GET", nil, { ["If-None-Match"] = etag, ["Accept-Encoding"] = "gzip" })
end
function response(status, headers, body)
  if status == 304 then
    n304 = n304 + 1
  elseif status == 200 then
    n200 = n200 + 1
    etag = headers["etag"] or headers["ETag"] or etag
  else
    other = other + 1
  end
end
function done(summary, latency, requests)
  local a, b, c = 0, 0, 0
  for _, t in ipairs(threads) do
    a = a + t:get("n304"); b = b + t:get("n200"); c = c + t:get("other")
  end
  io.write(string.format("responses: 304=%d 200=%d other=%d\n", a, b, c))
end
EOF

summarize() { # $1 = wrk output file, $2 = label
  local rps p99 sock non
  rps="$(awk '/^Requests\/sec:/ {print $2}' "$1")"
  p99="$(awk '$1 == "99%" {print $2}' "$1")"
  sock="$(grep -o 'Socket errors:.*' "$1" || echo 'Socket errors: none')"
  non="$(grep -o 'Non-2xx or 3xx responses: [0-9]*' "$1" || echo 'Non-2xx or 3xx responses: 0')"
  printf '%-28s %10s req/s   p99 %8s   %s; %s\n' "$2" "$rps" "$p99" "$sock" "$non"
}

if [ "$SLOWLORIS" -gt 0 ]; then
  # Ramp-up (about 10 s) plus both phases plus slack: it stops by itself.
  SLOW_SECONDS=$((2 * PHASE_SECONDS + 25))
  echo "== opening $SLOWLORIS slowloris connections (one byte every ${SLOW_DRIP}s, ${SLOW_SECONDS}s)"
  python3 "$ROOT/scripts/slowloris.py" --port "$PORT" --connections "$SLOWLORIS" \
    --drip "$SLOW_DRIP" --seconds "$SLOW_SECONDS" >"$WORK/slowloris.txt" 2>&1 &
  SLOW_PID=$!
  PIDS+=("$SLOW_PID")
  sleep 12
  # /healthz prober: every answer must come, and quickly.
  (
    ok=0 bad=0 worst=0
    trap 'echo "$ok $bad $worst" >"$WORK/healthz.result"; exit 0' TERM
    while true; do
      t="$(curl -fs -o /dev/null -m 2 -w '%{time_total}' "http://127.0.0.1:$PORT/healthz")" && {
        ok=$((ok + 1))
        worst="$(awk -v a="$worst" -v b="$t" 'BEGIN { print (b > a) ? b : a }')"
      } || bad=$((bad + 1))
      sleep 0.2
    done
  ) &
  PROBER=$!
  PIDS+=("$PROBER")
  echo "== open connections to the server now: $(ss -Htn state established "( sport = :$PORT )" | wc -l)"
fi

echo "== machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) (shared with other work)"
ETAG="$(curl -fsI -H 'Accept-Encoding: gzip' "$URL" | grep -i '^etag:' | tr -d '\r' | awk '{print $2}')"
export ETAG
echo "== phase 1: ${PHASE_SECONDS}s of If-None-Match requests ($THREADS threads, $CONNECTIONS connections), ETag $ETAG"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"${PHASE_SECONDS}s" --latency -s "$WORK/conditional.lua" "$URL" | tee "$WORK/wrk1.txt"
echo "== phase 2: ${PHASE_SECONDS}s of full gzip responses"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"${PHASE_SECONDS}s" --latency -H 'Accept-Encoding: gzip' "$URL" | tee "$WORK/wrk2.txt"

kill -TERM "$CHECKER"
wait "$CHECKER" 2>/dev/null || true
HEALTHZ_BAD=0
if [ "$SLOWLORIS" -gt 0 ]; then
  kill -TERM "$PROBER"
  wait "$PROBER" 2>/dev/null || true
  read -r HEALTHZ_OK HEALTHZ_BAD HEALTHZ_WORST <"$WORK/healthz.result" || { HEALTHZ_OK=0; HEALTHZ_BAD=1; HEALTHZ_WORST=?; }
fi
read -r CHECK_OK CHECK_BAD <"$WORK/check.result" || { CHECK_OK=0; CHECK_BAD=0; }
BUILDS="$(curl -fs "http://127.0.0.1:$PORT/metrics" | awk '/^feedmill_builds_total\{result="ok"\}/ {print $2}')"
GZ_SIZE="$(curl -fs -H 'Accept-Encoding: gzip' "$URL" | wc -c)"

echo
echo "== results (loopback, $(nproc) cores shared with other processes)"
summarize "$WORK/wrk1.txt" "conditional (304)"
grep '^responses:' "$WORK/wrk1.txt" | sed 's/^/                             /'
summarize "$WORK/wrk2.txt" "full gzip (200, ${GZ_SIZE} B)"
echo "builds during the run: $BUILDS; integrity checks: $CHECK_OK whole, $CHECK_BAD bad (partial, mixed or failed)"
if [ "$SLOWLORIS" -gt 0 ]; then
  echo "slow clients: $SLOWLORIS targeted; /healthz: $HEALTHZ_OK answered, $HEALTHZ_BAD failed, slowest ${HEALTHZ_WORST}s"
  echo "open connections to the server at the end: $(ss -Htn state established "( sport = :$PORT )" | wc -l)"
fi
STOP_START=$(date +%s.%N)
kill -TERM "$SERVER"
wait "$SERVER" && echo "server stopped cleanly on SIGTERM" || echo "server exit status $?"
echo "shutdown took $(awk -v a="$STOP_START" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')s"
if [ "$SLOWLORIS" -gt 0 ]; then
  kill -TERM "$SLOW_PID" 2>/dev/null || true
  wait "$SLOW_PID" 2>/dev/null || true
  cat "$WORK/slowloris.txt"
fi
[ "$CHECK_BAD" -eq 0 ] && [ "$HEALTHZ_BAD" -eq 0 ]
