#!/usr/bin/env bash
# Replaces the vendored axe-core (internal/browsertest/axe/) with a version
# from npm: scripts/vendor-axe.sh [VERSION]. The browser tests inject
# axe.min.js into the portal's pages; its licence (MPL-2.0) stays beside it.
set -euo pipefail
version="${1:-4.14.1}"
dir="$(cd "$(dirname "$0")/.." && pwd)/internal/browsertest/axe"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "axe-core@$version" >/dev/null && tar xzf axe-core-*.tgz)
cp "$tmp/package/axe.min.js" "$tmp/package/LICENSE" "$dir/"
echo "axe-core $version vendored in $dir"
