#!/usr/bin/env bash
# Makes sure "make demo" and "make run" have a PostgreSQL to talk to, and
# prints the database URL govpulse should use (the only line on stdout;
# what it does goes to stderr).
#
#   1. GOVPULSE_DATABASE_URL set: that server is used as it is.
#   2. A server answers on 127.0.0.1:5432 and lets "postgres" in without a
#      password (as this project's test machines do): the URL of
#      examples/demo.env.
#   3. A local cluster of Debian's packages is installed: it is started if
#      it is stopped, and used on whatever port it listens on, as postgres
#      if that needs no password, else as the demo role (below), which is
#      created if it is missing.
#   4. No PostgreSQL at all, on Debian or Ubuntu: the "postgresql" package
#      is installed with apt-get (with sudo when not root), and its cluster
#      used as in 3. When 5432 is taken by a server this script cannot use
#      (one that wants a password, a container's), Debian gives the new
#      cluster the next free port, and the URL says it.
#   The demo role is "govpulse", password "govpulse-demo", allowed to
#   create databases and roles. Demo only: use your own server and role in
#   production (GOVPULSE_DATABASE_URL).
set -euo pipefail

host=127.0.0.1
default_port=5432
demo_user=govpulse
demo_password=govpulse-demo

say() { echo "ensure-postgres: $*" >&2; }
have() { command -v "$1" >/dev/null 2>&1; }
url() { # url USER [PASSWORD] PORT
  if [ $# -eq 3 ]; then
    echo "postgres://$1:$2@${host}:$3/govpulse?sslmode=disable"
  else
    echo "postgres://$1@${host}:$2/govpulse?sslmode=disable"
  fi
}

if [ -n "${GOVPULSE_DATABASE_URL:-}" ]; then
  say "using GOVPULSE_DATABASE_URL"
  echo "$GOVPULSE_DATABASE_URL"
  exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  sudo=(sudo)
fi

ready() { pg_isready -q -h "$host" -p "$1" 2>/dev/null; }
# can PORT USER [PASSWORD]: whether psql gets in, without asking for a password.
can() { PGPASSWORD="${3:-}" psql -w -h "$host" -p "$1" -U "$2" -d postgres -Atqc 'SELECT 1' >/dev/null 2>&1; }
# listening PORT: whether anything accepts TCP connections on it.
listening() { (exec 3<>"/dev/tcp/${host}/$1") 2>/dev/null; }

# as_postgres runs a command as the operating system's postgres user.
# From /, which that user may enter (the clone, under a home, it may not).
as_postgres() (
  cd /
  if [ "$(id -u)" -eq 0 ]; then
    if have runuser; then runuser -u postgres -- "$@"; else su postgres -s /bin/sh -c "$(printf '%q ' "$@")"; fi
  else
    sudo -u postgres "$@"
  fi
)

# cluster prints "VERSION NAME PORT STATUS" of the newest local cluster
# (pg_lsclusters, from Debian's postgresql-common), or nothing.
cluster() {
  have pg_lsclusters || return 0
  pg_lsclusters --no-header 2>/dev/null | awk '{print $1, $2, $3, $4}' | sort -V | tail -1
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
  say "no PostgreSQL on this machine and no GOVPULSE_DATABASE_URL: installing one for the demo's data."
  say "  installing Debian's \"postgresql\" package with apt-get${sudo:+ (through sudo)}: the server, its"
  say "  client, and a cluster \"main\" on 127.0.0.1 that the demo connects to as a role \"${demo_user}\"."
  say "  To use a server of yours instead, run"
  say "    make demo GOVPULSE_DATABASE_URL='postgres://USER:PASSWORD@HOST:5432/govpulse?sslmode=disable'"
  if listening "$default_port"; then
    say "  ${host}:${default_port} is taken by a server this script cannot use (to use it, give its"
    say "  URL as above): the new cluster gets the next free port."
  fi
  if [ -t 0 ] && [ -t 2 ]; then
    # A person at a terminal gets a moment to choose the other way.
    say "  Installing in 5 seconds; Ctrl-C stops here, before anything is installed."
    sleep 5
  fi
  export DEBIAN_FRONTEND=noninteractive
  if ! "${sudo[@]}" apt-get install -y --no-install-recommends postgresql >&2; then
    "${sudo[@]}" apt-get update >&2
    "${sudo[@]}" apt-get install -y --no-install-recommends postgresql >&2
  fi
}

# start_cluster VERSION NAME PORT starts a stopped cluster and waits until
# it answers.
start_cluster() {
  say "starting the local PostgreSQL cluster $1/$2"
  "${sudo[@]}" pg_ctlcluster --skip-systemctl-redirect "$1" "$2" start >&2 || true
  for _ in $(seq 1 30); do ready "$3" && return 0; sleep 1; done
  return 1
}

# create_demo_role makes the demo's role on the local cluster, through the
# postgres user's own socket (peer authentication).
create_demo_role() { # create_demo_role PORT
  say "creating the demo role ${demo_user} (password ${demo_password})"
  as_postgres psql -p "$1" -v ON_ERROR_STOP=1 -qc "DO \$\$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${demo_user}') THEN
        CREATE ROLE ${demo_user} LOGIN CREATEDB CREATEROLE PASSWORD '${demo_password}';
      END IF;
    END \$\$;" >&2
}

# 2. A server on 5432 that trusts postgres: this project's test machines.
if have psql && can "$default_port" postgres; then
  url postgres "$default_port"
  exit 0
fi

# 3, 4. The local cluster, installed first when there is none.
read -r version name port _ <<<"$(cluster)" || true
if [ -z "${version:-}" ]; then
  if have pg_ctlcluster && [ -d /etc/postgresql ]; then
    say "Debian's PostgreSQL is installed but has no cluster: create one (pg_createcluster --start 15 main), or set GOVPULSE_DATABASE_URL"
    exit 1
  fi
  install_postgres
  read -r version name port _ <<<"$(cluster)" || true
  if [ -z "${version:-}" ]; then
    say "installed PostgreSQL, but it has no cluster (pg_lsclusters lists none); set GOVPULSE_DATABASE_URL"
    exit 1
  fi
  say "installed PostgreSQL ${version}; its cluster ${version}/${name} listens on ${host}:${port}"
  say "  (its data is in /var/lib/postgresql/${version}/${name}; to remove it and its data later: apt-get purge 'postgresql*')"
fi
if ! ready "$port" && ! start_cluster "$version" "$name" "$port"; then
  say "the local PostgreSQL cluster ${version}/${name} does not answer on ${host}:${port}; see its log in /var/log/postgresql, or set GOVPULSE_DATABASE_URL"
  exit 1
fi
if [ "$port" != "$default_port" ]; then
  say "the local cluster ${version}/${name} listens on ${host}:${port} (${default_port} is another server's)"
fi
if can "$port" postgres; then
  url postgres "$port"
  exit 0
fi
if ! can "$port" "$demo_user" "$demo_password"; then
  create_demo_role "$port"
fi
if can "$port" "$demo_user" "$demo_password"; then
  say "the demo connects as ${demo_user} to ${host}:${port}"
  url "$demo_user" "$demo_password" "$port"
  exit 0
fi
say "the local cluster ${version}/${name} on ${host}:${port} lets neither postgres (without a password) nor ${demo_user} in: set GOVPULSE_DATABASE_URL, e.g. postgres://user:password@${host}:${port}/govpulse?sslmode=disable"
exit 1
