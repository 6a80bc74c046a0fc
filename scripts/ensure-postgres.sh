#!/usr/bin/env bash
# Makes sure "make demo" and "make run" have a PostgreSQL to talk to, and
# prints the database URL govpulse should use (the only line on stdout;
# what it does goes to stderr).
#
#   1. GOVPULSE_DATABASE_URL set: that server is used as it is.
#   2. A server answers on 127.0.0.1:5432 and lets "postgres" in without a
#      password (as this project's test machines do): the URL of
#      examples/demo.env.
#   3. It answers, but asks for a password: the demo role this script
#      creates (below), if it exists.
#   4. Nothing answers, but a local cluster is installed: it is started.
#   5. No PostgreSQL at all, on Debian or Ubuntu: the "postgresql" package
#      is installed with apt-get (with sudo when not root), its cluster
#      started, and a role "govpulse" (password "govpulse-demo", allowed to
#      create databases and roles) created for the demo. Demo only: use
#      your own server and role in production (GOVPULSE_DATABASE_URL).
set -euo pipefail

host=127.0.0.1
port=5432
demo_user=govpulse
demo_password=govpulse-demo
default_url="postgres://postgres@${host}:${port}/govpulse?sslmode=disable"
demo_url="postgres://${demo_user}:${demo_password}@${host}:${port}/govpulse?sslmode=disable"

say() { echo "ensure-postgres: $*" >&2; }
have() { command -v "$1" >/dev/null 2>&1; }

if [ -n "${GOVPULSE_DATABASE_URL:-}" ]; then
  say "using GOVPULSE_DATABASE_URL"
  echo "$GOVPULSE_DATABASE_URL"
  exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  sudo=(sudo)
fi

ready() { have pg_isready && pg_isready -q -h "$host" -p "$port" 2>/dev/null; }
# can USER [PASSWORD]: whether psql gets in, without asking for a password.
can() { PGPASSWORD="${2:-}" psql -w -h "$host" -p "$port" -U "$1" -d postgres -Atqc 'SELECT 1' >/dev/null 2>&1; }

# as_postgres runs a command as the operating system's postgres user.
as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then
    if have runuser; then runuser -u postgres -- "$@"; else su postgres -s /bin/sh -c "$(printf '%q ' "$@")"; fi
  else
    sudo -u postgres "$@"
  fi
}

start_cluster() {
  have pg_ctlcluster && [ -d /etc/postgresql ] || return 1
  local version
  version=$(ls /etc/postgresql | sort -V | tail -1)
  say "starting the local PostgreSQL cluster ${version}/main"
  "${sudo[@]}" pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2 || true
  for _ in $(seq 1 30); do ready && return 0; sleep 1; done
  return 1
}

install_postgres() {
  if ! have apt-get; then
    say "no PostgreSQL and no apt-get: install PostgreSQL 15 or later, or set GOVPULSE_DATABASE_URL to a server of yours"
    exit 1
  fi
  if [ ${#sudo[@]} -gt 0 ] && ! have sudo; then
    say "no PostgreSQL: run as root, or: apt-get install -y postgresql; or set GOVPULSE_DATABASE_URL"
    exit 1
  fi
  say "no PostgreSQL here: installing Debian's postgresql package for the demo"
  export DEBIAN_FRONTEND=noninteractive
  if ! "${sudo[@]}" apt-get install -y --no-install-recommends postgresql >&2; then
    "${sudo[@]}" apt-get update >&2
    "${sudo[@]}" apt-get install -y --no-install-recommends postgresql >&2
  fi
}

# create_demo_role makes the demo's role on the local cluster, through the
# postgres user's own socket (peer authentication).
create_demo_role() {
  say "creating the demo role ${demo_user} (password ${demo_password})"
  as_postgres psql -v ON_ERROR_STOP=1 -qc "DO \$\$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${demo_user}') THEN
        CREATE ROLE ${demo_user} LOGIN CREATEDB CREATEROLE PASSWORD '${demo_password}';
      END IF;
    END \$\$;" >&2
}

choose_url() {
  if can postgres; then
    echo "$default_url"
  elif can "$demo_user" "$demo_password"; then
    echo "$demo_url"
  else
    return 1
  fi
}

if ! ready && ! start_cluster; then
  if have pg_ctlcluster && [ -d /etc/postgresql ]; then
    say "the local PostgreSQL cluster does not start; see its log in /var/log/postgresql, or set GOVPULSE_DATABASE_URL"
    exit 1
  fi
  install_postgres
  if ! ready && ! start_cluster; then
    say "installed PostgreSQL, but it does not answer on ${host}:${port}; see /var/log/postgresql"
    exit 1
  fi
fi
if url=$(choose_url); then
  echo "$url"
  exit 0
fi
# A local cluster that wants passwords (Debian's default): give the demo
# its own role.
if have pg_ctlcluster && [ -d /etc/postgresql ]; then
  create_demo_role
  if url=$(choose_url); then
    echo "$url"
    exit 0
  fi
fi
say "PostgreSQL on ${host}:${port} lets neither postgres (without a password) nor ${demo_user} in: set GOVPULSE_DATABASE_URL, e.g. postgres://user:password@${host}:${port}/govpulse?sslmode=disable"
exit 1
