#!/usr/bin/env bash
# The admin page's browser tests need Debian's Chromium (/usr/bin/chromium, or $MOOR_CHROMIUM).
# Installs it with apt when it is missing and we are root; otherwise fails with the command.
set -euo pipefail
browser="${MOOR_CHROMIUM:-/usr/bin/chromium}"
[ -x "$browser" ] && exit 0
cmd="apt-get update && apt-get install -y chromium"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "ensure-chromium: $browser is missing; running: $cmd" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2
  [ -x "$browser" ] && exit 0
fi
echo "ensure-chromium: $browser is missing: the browser tests (test/ui/) need it. Run as root: $cmd" >&2
exit 1
