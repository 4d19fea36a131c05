#!/bin/sh
# Headless Chromium for the tests and `make demo`, with a fresh profile and
# no network: every page we render must work offline.
#   browser.sh dump FILE.html          print the DOM after the page's scripts ran
#   browser.sh shot FILE.svg OUT.png   screenshot of an SVG at its own size
# Exits 77 (CTest: skipped) when Chromium is not installed.
set -eu
BROWSER=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$BROWSER" ]; then
  echo "SKIP: chromium is not installed (make deps installs it)" >&2
  exit 77
fi
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
run() {
  # --proxy-server to a closed port: any network request fails at once.
  "$BROWSER" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --proxy-server=127.0.0.1:9 --user-data-dir="$profile" --hide-scrollbars "$@" 2>"$profile/stderr" || {
    cat "$profile/stderr" >&2
    return 1
  }
}
case "$1" in
  dump)
    run --virtual-time-budget=10000 --dump-dom "file://$(realpath "$2")"
    ;;
  shot)
    w=$(sed -n 's/.*<svg[^>]* width="\([0-9]*\)".*/\1/p' "$2" | head -1)
    h=$(sed -n 's/.*<svg[^>]* height="\([0-9]*\)".*/\1/p' "$2" | head -1)
    run --window-size="$w,$h" --screenshot="$(realpath -m "$3")" "file://$(realpath "$2")" >/dev/null
    test -s "$3"
    ;;
  *)
    echo "usage: browser.sh dump FILE.html | shot FILE.svg OUT.png" >&2
    exit 2
    ;;
esac
