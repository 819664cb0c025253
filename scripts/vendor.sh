#!/usr/bin/env bash
# Fetch the pinned front-end files from the npm registry into static/vendor/ (never committed):
# exact versions, each file checked against its SHA-256. axe-core (the accessibility rules the
# browser tests run) goes to tests/browser/vendor/: it is for the tests, never served to users.
set -euo pipefail
cd "$(dirname "$0")/.."
HTMX_VERSION=2.0.11
HTMX_SHA256=d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717
PICO_VERSION=2.1.1
PICO_SHA256=fbc9a63fc9fc9f72d12fd7fc9806e11fa9f77ae4f9cad146b27003a1119ba3db
AXE_VERSION=4.14.1
AXE_SHA256=29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c
dest=static/vendor
test_dest=tests/browser/vendor
stamp="$dest/.versions"
want="htmx $HTMX_VERSION pico $PICO_VERSION axe $AXE_VERSION"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -f "$dest/htmx.min.js" ] && [ -f "$dest/pico.min.css" ] \
  && [ -f "$test_dest/axe.min.js" ]; then
  exit 0
fi
command -v npm >/dev/null || { echo "npm is needed to fetch htmx, Pico CSS and axe-core (apt-get install npm)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "htmx.org@$HTMX_VERSION" "@picocss/pico@$PICO_VERSION" "axe-core@$AXE_VERSION" >/dev/null 2>&1)
mkdir -p "$tmp/htmx" "$tmp/pico" "$tmp/axe" "$dest" "$test_dest"
tar -xzf "$tmp/htmx.org-$HTMX_VERSION.tgz" -C "$tmp/htmx"
tar -xzf "$tmp/picocss-pico-$PICO_VERSION.tgz" -C "$tmp/pico"
tar -xzf "$tmp/axe-core-$AXE_VERSION.tgz" -C "$tmp/axe"
echo "$HTMX_SHA256  $tmp/htmx/package/dist/htmx.min.js" | sha256sum -c --quiet -
echo "$PICO_SHA256  $tmp/pico/package/css/pico.min.css" | sha256sum -c --quiet -
echo "$AXE_SHA256  $tmp/axe/package/axe.min.js" | sha256sum -c --quiet -
cp "$tmp/htmx/package/dist/htmx.min.js" "$dest/htmx.min.js"
cp "$tmp/pico/package/css/pico.min.css" "$dest/pico.min.css"
cp "$tmp/axe/package/axe.min.js" "$test_dest/axe.min.js"
echo "$want" > "$stamp"
echo "vendor: htmx $HTMX_VERSION and Pico CSS $PICO_VERSION in $dest/, axe-core $AXE_VERSION in $test_dest/"
