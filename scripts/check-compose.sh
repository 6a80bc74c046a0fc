#!/usr/bin/env bash
# Validate docker-compose.yml and the configuration files under deploy/
# without a Docker engine:
#
#   docker compose config -q     (or docker-compose config -q)     required
#   promtool check config/rules  (Prometheus, deploy/prometheus)   if installed
#   amtool check-config          (Alertmanager, deploy/alertmanager) if installed
#
# Exits non-zero when a check fails or no compose tool is found. Set
# REQUIRE_PROMTOOLS=1 to fail, instead of skipping, when promtool or amtool is
# missing.
set -euo pipefail

cd "$(dirname "$0")/.."

status=0
fail() { echo "FAIL: $*" >&2; status=1; }

# docker compose plugin (v2) first, then the standalone docker-compose.
compose=()
if command -v docker >/dev/null 2>&1 && docker compose version >/dev/null 2>&1; then
    compose=(docker compose)
elif command -v docker-compose >/dev/null 2>&1; then
    compose=(docker-compose)
else
    cat >&2 <<'MSG'
check-compose: no compose tool found. Install one (neither needs a running engine
for "config"):
  Debian/Ubuntu:  apt-get update && apt-get install -y docker-compose
                  (Compose 1.29; Docker's own apt repository has docker-compose-plugin)
  or the plugin:  https://docs.docker.com/compose/install/
MSG
    exit 2
fi

echo "== ${compose[*]} config"
# Like "config -q", but keeps stderr: docker-compose 1.x prints its
# "variable is not set" warnings only without -q, and warnings count as
# errors here because every variable in the file has a default.
if out=$("${compose[@]}" -f docker-compose.yml config 2>&1 >/dev/null); then
    if [[ -n "$out" ]]; then
        echo "$out" >&2
        fail "docker-compose.yml: compose printed warnings"
    else
        echo "ok: docker-compose.yml"
    fi
else
    echo "$out" >&2
    fail "docker-compose.yml is invalid"
fi

missing() {
    if [[ "${REQUIRE_PROMTOOLS:-0}" == 1 ]]; then
        fail "$1 not found (apt-get install -y $2)"
    else
        echo "skip: $1 not found (apt-get install -y $2)"
    fi
}

echo "== promtool"
if command -v promtool >/dev/null 2>&1; then
    promtool check config deploy/prometheus/prometheus.yml || fail "deploy/prometheus/prometheus.yml"
    shopt -s nullglob
    rules=(deploy/prometheus/rules/*.yml)
    shopt -u nullglob
    if ((${#rules[@]})); then
        promtool check rules "${rules[@]}" || fail "deploy/prometheus/rules"
    fi
else
    missing promtool prometheus
fi

echo "== amtool"
if command -v amtool >/dev/null 2>&1; then
    amtool check-config deploy/alertmanager/alertmanager.yml || fail "deploy/alertmanager/alertmanager.yml"
else
    missing amtool prometheus-alertmanager
fi

if ((status)); then
    echo "check-compose: FAILED" >&2
else
    echo "check-compose: all checks passed"
fi
exit "$status"
