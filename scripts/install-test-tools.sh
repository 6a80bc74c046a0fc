#!/usr/bin/env bash
# Installs the tools govpulse's tests run for real: promtool and prometheus
# (Debian package "prometheus"), amtool and alertmanager (Debian package
# "prometheus-alertmanager", whose server binary is named
# prometheus-alertmanager), and Debian's docker-compose, whose "config"
# validates docker-compose.yml without a Docker engine, and Debian's
# chromium with the Noto CJK fonts, which the portal's browser tests drive
# headless (internal/browsertest). Does nothing when they are all there. The packages may start their own services; the
# tests don't use them (they run their own instances on free ports).
set -euo pipefail

have() { command -v "$1" >/dev/null 2>&1; }

missing=()
have promtool && have prometheus || missing+=(prometheus)
have amtool && { have alertmanager || have prometheus-alertmanager; } || missing+=(prometheus-alertmanager)
have docker-compose || missing+=(docker-compose)
have chromium || missing+=(chromium)
# Chinese text in the portal's screenshots needs a CJK font.
fc-list :lang=zh 2>/dev/null | grep -q . || missing+=(fonts-noto-cjk)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if ! have apt-get; then
  echo "missing ${missing[*]} and no apt-get: install promtool, prometheus, amtool, alertmanager (https://prometheus.io/download/), docker-compose, chromium and a CJK font, and put them on \$PATH" >&2
  exit 1
fi
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if ! have sudo; then
    echo "missing ${missing[*]}: run as root, or: apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
  sudo=(sudo)
fi

echo "installing ${missing[*]} for the tests" >&2
export DEBIAN_FRONTEND=noninteractive
install() { "${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}"; }
# Update the package lists only when the packages are not known yet (a
# fresh container has none).
if ! apt-cache show "${missing[@]}" >/dev/null 2>&1; then
  "${sudo[@]}" apt-get update
fi
if ! install; then
  "${sudo[@]}" apt-get update
  install
fi

have promtool && have prometheus && have amtool && { have alertmanager || have prometheus-alertmanager; } && have docker-compose && have chromium || {
  echo "installed ${missing[*]}, but promtool, prometheus, amtool, alertmanager, docker-compose or chromium is still not on \$PATH" >&2
  exit 1
}
