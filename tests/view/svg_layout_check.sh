#!/bin/sh
# The demo's sequence diagram in headless Chromium: no text outside the
# canvas, no two labels overlapping (tests/view/svg_layout.js measures the
# rendered text), for the demo's options given as arguments.
#   svg_layout_check.sh WIRESTACK OUTDIR NAME [demo options...]
set -eu
here=$(dirname "$0")
wirestack=$1 out=$2 name=$3
shift 3
"$wirestack" demo --svg "$out/$name.svg" "$@" >/dev/null
{
  echo '<!DOCTYPE html><html><head><meta charset="utf-8"></head><body style="margin:0">'
  cat "$out/$name.svg"
  echo "<script src=\"$(realpath "$here/svg_layout.js")\"></script></body></html>"
} >"$out/$name.layout.html"
rc=0
"$here/../scripts/browser.sh" dump "$out/$name.layout.html" >"$out/$name.layout.dom" || rc=$?
[ "$rc" = 77 ] && exit 77
[ "$rc" = 0 ] || { echo "chromium failed ($rc)"; exit 1; }
sed -n '/<pre id="layout-result">/,/<\/pre>/p' "$out/$name.layout.dom"
grep -q 'LAYOUT OK' "$out/$name.layout.dom"
