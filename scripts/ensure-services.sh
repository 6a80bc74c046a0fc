#!/usr/bin/env bash
# Makes sure what govpulse's tests and demo need is running on this machine:
# PostgreSQL on 127.0.0.1:5432. (NATS for tests runs embedded in the test
# process.) Starts a stopped local cluster; says how to get one otherwise.
set -euo pipefail

pg_ready() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }

if [ -n "${GOVPULSE_TEST_DATABASE_URL:-}" ]; then
  exit 0 # the caller points the tests at a server of their own
fi
if ! command -v pg_isready >/dev/null 2>&1; then
  echo "PostgreSQL client tools not found. Install PostgreSQL (apt-get install -y postgresql) or set GOVPULSE_TEST_DATABASE_URL to a server." >&2
  exit 1
fi
if ! pg_ready; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    echo "starting the local PostgreSQL cluster" >&2
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
    for _ in $(seq 1 30); do pg_ready && break; sleep 1; done
  fi
fi
if ! pg_ready; then
  echo "PostgreSQL is not answering on 127.0.0.1:5432. Start it (pg_ctlcluster --skip-systemctl-redirect \$(ls /etc/postgresql) main start) or set GOVPULSE_TEST_DATABASE_URL." >&2
  exit 1
fi
