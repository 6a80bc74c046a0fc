#!/usr/bin/env bash
# fresh-machine-demo.sh proves that "make demo" works on a fresh Debian
# machine that has Go but no PostgreSQL: it builds such a machine's root
# with debootstrap, copies in Go and a clean clone of this repository, and
# runs "make demo" there with chroot, in a network namespace of its own
# that has nothing but its own loopback (so the host's PostgreSQL on
# 127.0.0.1:5432, its NATS and everything else are out of reach: the demo
# can only use what it installs itself). Then it asks the demo's govpulse
# for its figures, stops it with SIGINT as Ctrl-C would, and prints the
# first and last lines a new user sees. With --5432-taken, a stand-in
# listens on 127.0.0.1:5432 in the namespace, and the demo must run on a
# cluster on the next free port.
#
# Run as root on Debian or Ubuntu (make fresh-machine-check). What the
# namespace cannot fetch is fetched before, with the host's network: the
# Go modules (go mod download through the host's GOPROXY, into a cache
# copied into the root) and the .deb files of Debian's postgresql package
# (apt-get install --download-only inside the root, same apt, same
# arguments as scripts/ensure-postgres.sh). So inside, ensure-postgres.sh's
# "apt-get install postgresql" really installs, configures and starts
# PostgreSQL; only its downloads were done beforehand.
#
# Settings (environment):
#   FRESH_DIR     work directory (default /var/tmp/govpulse-fresh): the
#                 debootstrapped base is kept there and reused (delete
#                 FRESH_DIR/base to build it anew), each run gets a new copy
#   FRESH_SUITE   Debian suite (default bookworm)
#   FRESH_MIRROR  Debian mirror (default: the first Debian mirror in
#                 /etc/apt/sources.list*)
#   FRESH_SCALE   the demo's --scale (default 0.05)
#   FRESH_TIMEOUT seconds the demo may take to load (default 1800)
set -euo pipefail

taken=0
case "${1:-}" in
  "") ;;
  --5432-taken) taken=1 ;;
  *) echo "usage: $0 [--5432-taken]" >&2; exit 2 ;;
esac
repo=$(cd "$(dirname "$0")/.." && pwd)
dir=${FRESH_DIR:-/var/tmp/govpulse-fresh}
suite=${FRESH_SUITE:-bookworm}
scale=${FRESH_SCALE:-0.05}
timeout=${FRESH_TIMEOUT:-1800}
ns=govpulse-fresh-$$
root=$dir/root
log=$dir/demo.log
started=$(date +%s)

say() { echo "fresh-machine: $*" >&2; }
fail() { say "FAILED: $*"; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }
since() { echo "$(( $(date +%s) - $1 ))s"; }

[ "$(id -u)" -eq 0 ] || fail "run as root (debootstrap, chroot and ip netns need it)"
have go || fail "no go on PATH"
have ip || fail "no ip (apt-get install iproute2)"
if ! have debootstrap; then
  say "installing debootstrap"
  DEBIAN_FRONTEND=noninteractive apt-get install -y debootstrap >&2 ||
    { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y debootstrap >&2; }
fi

# mirror prints the first Debian mirror apt is configured with (one-line
# and deb822 formats), so the root is built from where this host's apt
# already fetches.
mirror() {
  local files=(/etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources)
  local f
  for f in "${files[@]}"; do
    [ -f "$f" ] || continue
    awk '
      /^[[:space:]]*deb[[:space:]]/ { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; break } }
      /^URIs:/ { for (i = 2; i <= NF; i++) print $i }
    ' "$f"
  done | grep -E '/debian/?$' | head -1
}
mirror_url=${FRESH_MIRROR:-$(mirror)}
[ -n "$mirror_url" ] || fail "no Debian mirror in /etc/apt/sources.list*: set FRESH_MIRROR"

pids_in_ns() { ip netns pids "$ns" 2>/dev/null || true; }
cleanup() {
  local pid
  if ip netns list 2>/dev/null | grep -qw "$ns"; then
    # Only this script's processes live in its namespace: the demo, the
    # PostgreSQL it installed.
    for pid in $(pids_in_ns); do kill -TERM "$pid" 2>/dev/null || true; done
    for _ in $(seq 1 20); do [ -z "$(pids_in_ns)" ] && break; sleep 0.5; done
    for pid in $(pids_in_ns); do kill -KILL "$pid" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
  fi
}
trap cleanup EXIT

mkdir -p "$dir"

# 1. A fresh Debian root, as a new machine has it: no PostgreSQL, no Go,
# no curl; make and git, as a user who cloned and runs "make demo" has.
if [ ! -f "$dir/base/.complete" ]; then
  t=$(date +%s)
  say "building a fresh Debian ${suite} root with debootstrap from ${mirror_url} (once; kept in ${dir}/base)"
  rm -rf "$dir/base.tmp"
  debootstrap --include=make,git,ca-certificates "$suite" "$dir/base.tmp" "$mirror_url" >"$dir/debootstrap.log" 2>&1 ||
    fail "debootstrap failed; see $dir/debootstrap.log"
  # An installed machine's apt cache is empty: only what apt fetches for
  # PostgreSQL below is to be in it.
  rm -f "$dir/base.tmp/var/cache/apt/archives/"*.deb
  rm -rf "$dir/base"
  mv "$dir/base.tmp" "$dir/base"
  touch "$dir/base/.complete"
  say "debootstrap took $(since "$t")"
fi

t=$(date +%s)
say "copying the base to a new root ${root}"
rm -rf "$root"
cp -a "$dir/base" "$root"
# The host's name resolution, as the new machine's network setup would
# give it one.
cp /etc/resolv.conf "$root/etc/resolv.conf"
cp /etc/hosts "$root/etc/hosts"

# 2. Go, as the user installed it.
goroot=$(go env GOROOT)
say "copying Go ($(go env GOVERSION)) from ${goroot} to /usr/local/go"
mkdir -p "$root/usr/local"
cp -a "$goroot" "$root/usr/local/go"

# 3. A clean clone of this repository's committed HEAD (uncommitted
# changes are not in it).
say "cloning ${repo} ($(git -C "$repo" rev-parse --short HEAD)) to /root/govpulse"
git clone --quiet "$repo" "$root/root/govpulse"

# 4. The Go modules, fetched through this host's GOPROXY as a new machine
# would, into a cache kept in FRESH_DIR and copied into the root.
say "downloading the Go modules through GOPROXY=$(go env GOPROXY) (cache ${dir}/gomodcache)"
(cd "$root/root/govpulse" && GOMODCACHE="$dir/gomodcache" GOFLAGS=-mod=mod go mod download) >&2 ||
  fail "go mod download failed"
mkdir -p "$root/root/go/pkg"
cp -a "$dir/gomodcache" "$root/root/go/pkg/mod"

# in_root runs a command in the root with the host's network (only for
# fetching) in a mount namespace of its own, so its mounts vanish with it.
in_root() {
  unshare --mount --propagation private bash -c '
    root=$1; shift
    mount --bind /dev "$root/dev" && mount -t proc proc "$root/proc" &&
      exec chroot "$root" env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        DEBIAN_FRONTEND=noninteractive "$@"
  ' in_root "$root" "$@"
}

# 5. What apt inside will want, downloaded now: the same command as
# scripts/ensure-postgres.sh, with --download-only.
say "downloading Debian's postgresql package into the root's apt cache (not installing it)"
in_root apt-get update >"$dir/apt-download.log" 2>&1 || fail "apt-get update in the root failed; see $dir/apt-download.log"
in_root apt-get install -y --no-install-recommends --download-only postgresql >>"$dir/apt-download.log" 2>&1 ||
  fail "apt-get --download-only postgresql failed; see $dir/apt-download.log"
if in_root sh -c 'command -v psql || command -v pg_ctlcluster || dpkg -l "postgresql*" 2>/dev/null | grep -q "^ii"' >/dev/null; then
  fail "the fresh root already has PostgreSQL"
fi
# Nor what a minimal machine lacks and the demo must not need.
for tool in curl cc gcc; do
  if in_root sh -c "command -v $tool" >/dev/null; then fail "the fresh root has $tool"; fi
done
say "prepared the root in $(since "$t"): no PostgreSQL, no curl, no C compiler, Go $(go env GOVERSION), $(find "$root/var/cache/apt/archives" -maxdepth 1 -name '*.deb' | wc -l) .deb files waiting in apt's cache"

# 6. The network namespace: its own loopback and nothing else.
ip netns add "$ns"
ip netns exec "$ns" ip link set lo up
say "network namespace ${ns}: $(ip netns exec "$ns" ip -brief link | awk '{print $1}' | tr '\n' ' ')(no route out)"

# in_ns runs a command in the root inside the namespace; "ip netns exec"
# gives it a mount namespace of its own, so the mounts vanish with it.
in_ns() {
  ip netns exec "$ns" bash -c '
    root=$1; shift
    mount --bind /dev "$root/dev" && mount -t tmpfs -o mode=1777 shm "$root/dev/shm" &&
      mount -t devpts -o newinstance,ptmxmode=0666 devpts "$root/dev/pts" &&
      mount -t proc proc "$root/proc" && mount -t sysfs sys "$root/sys" &&
      exec chroot "$root" env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
        PATH=/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@"
  ' in_ns "$root" "$@"
}

# With --5432-taken, something that is not a PostgreSQL this demo can use
# listens on 127.0.0.1:5432 in the namespace first (as a container's
# database might on a user's machine): Debian's new cluster then gets the
# next free port, which ensure-postgres.sh must find and report.
if [ "$taken" = 1 ]; then
  ip netns exec "$ns" perl -MIO::Socket::INET -e '
    my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 5432, Listen => 5, ReuseAddr => 1) or die "listen: $!";
    while (my $c = $s->accept) { print $c "not the PostgreSQL you are looking for\n"; close $c }' &
  for _ in $(seq 1 50); do ip netns exec "$ns" bash -c '(exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null' && break; sleep 0.1; done
  ip netns exec "$ns" bash -c '(exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null' || fail "the stand-in on 127.0.0.1:5432 does not listen"
  say "127.0.0.1:5432 in the namespace is taken by a stand-in that is not PostgreSQL"
fi

# 7. make demo, as a new user types it, in its own process group so that
# SIGINT reaches make and govpulse as Ctrl-C would.
t=$(date +%s)
say "running: make demo DEMO_FLAGS=\"--scale ${scale}\" (log ${log})"
export -f in_ns
export ns root
setsid bash -c "in_ns bash -c 'cd /root/govpulse && exec make demo DEMO_FLAGS=\"--scale ${scale}\"'" >"$log" 2>&1 </dev/null &
demo=$!
# Each phase ends when its first line shows up in what the user sees.
phases=("built:^ensure-postgres:" "installed PostgreSQL:^ensure-postgres: installed PostgreSQL"
  "govpulse ready:^govpulse demo:" "loaded the demo:^govpulse is serving the demo data")
deadline=$(( $(date +%s) + timeout ))
timings=()
for phase in "${phases[@]}"; do
  until grep -q "${phase#*:}" "$log"; do
    kill -0 "$demo" 2>/dev/null || { tail -40 "$log" >&2; fail "make demo exited before it ${phase%%:*} (log ${log})"; }
    [ "$(date +%s)" -lt "$deadline" ] || { tail -40 "$log" >&2; fail "make demo has not ${phase%%:*} after ${timeout}s"; }
    sleep 1
  done
  timings+=("${phase%%:*} $(since "$t")")
done
demo_time=$(since "$t")
say "make demo, from its start: $(printf '%s, ' "${timings[@]}" | sed 's/, $//')"
if [ "$taken" = 1 ]; then
  grep -q "^ensure-postgres: the local cluster .* listens on 127.0.0.1:[0-9]* (5432 is another server's)" "$log" ||
    fail "with 5432 taken, ensure-postgres.sh did not report the local cluster's own port"
fi

# 8. What the user would try: the figures, from inside the namespace.
addr=127.0.0.1:8080
stats=$(ip netns exec "$ns" curl -fsS "http://${addr}/v1/stats/cases?from=2025-01-01&to=2025-12-31&channel=window&group_by=department") ||
  fail "GET /v1/stats/cases failed"
targets=$(ip netns exec "$ns" curl -fsS "http://${addr}/v1/targets?at=2025-12-31") || fail "GET /v1/targets failed"
echo "$stats" | grep -q '"department"' || fail "GET /v1/stats/cases has no departments: $stats"
echo "$targets" | grep -q '"met"' || fail "GET /v1/targets has no target results: $targets"
events=$(in_ns runuser -u postgres -- psql -d govpulse -Atc 'SELECT count(*) FROM events') ||
  fail "cannot count the events in the root's own PostgreSQL"
[ "$events" -gt 0 ] || fail "the root's PostgreSQL holds no events"
cluster=$(in_ns pg_lsclusters --no-header)
say "the root's own PostgreSQL (${cluster}) holds ${events} events; /v1/stats/cases and /v1/targets answer"

# 9. Ctrl-C: make stops govpulse, which shuts down cleanly.
kill -INT -- "-$demo"
for _ in $(seq 1 30); do kill -0 "$demo" 2>/dev/null || break; sleep 1; done
if kill -0 "$demo" 2>/dev/null; then fail "make demo did not stop within 30s of SIGINT"; fi
wait "$demo" || true
grep -q 'msg="shutting down"' "$log" || fail "govpulse did not log its shutdown after SIGINT"
for pid in $(pids_in_ns); do
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" != govpulse ] || fail "govpulse (pid $pid) still runs after make demo stopped"
done
read -r version name _ <<<"$cluster"
in_ns pg_ctlcluster --skip-systemctl-redirect "$version" "$name" stop >&2 || true

echo
echo "---- the first 25 lines a new user sees ----"
head -25 "$log"
echo "---- ... the last 25 ----"
tail -25 "$log"
echo "----"
say "OK in $(since "$started"): make demo on a fresh ${suite} root with Go and no PostgreSQL$([ "$taken" = 1 ] && echo " (5432 taken)") installed PostgreSQL with apt and loaded the demo in ${demo_time}"
