#!/bin/sh
# The demo's step-through page in headless Chromium with no network: it
# references nothing outside itself, its diagram's texts stay inside the
# canvas without overlapping (tests/view/svg_layout.js), and for seed 000
# tests/view/page_driver.js steps through it with its own buttons and clicks.
#   page_check.sh WIRESTACK OUTDIR NAME [demo options...]
set -eu
here=$(dirname "$0")
wirestack=$1 out=$2 name=$3
shift 3
"$wirestack" demo --html "$out/$name.html" "$@" >/dev/null
# Self-contained: no scripts, styles, images or fonts from elsewhere.
if grep -Eo '(src|href)="[^"]*"|url\(http[^)]*\)|@import' "$out/$name.html"; then
  echo "the page loads something from outside itself"
  exit 1
fi
scripts="<script src=\"$(realpath "$here/svg_layout.js")\"></script>"
[ "$#" = 0 ] && scripts="$scripts<script src=\"$(realpath "$here/page_driver.js")\"></script>"
sed "s#</body>#$scripts</body>#" "$out/$name.html" >"$out/$name.driven.html"
rc=0
"$here/../scripts/browser.sh" dump "$out/$name.driven.html" >"$out/$name.driven.dom" || rc=$?
[ "$rc" = 77 ] && exit 77
[ "$rc" = 0 ] || { echo "chromium failed ($rc)"; exit 1; }
sed -n '/<pre id="layout-result">/,/<\/pre>/p; /<pre id="page-result">/,/<\/pre>/p' "$out/$name.driven.dom"
grep -q 'LAYOUT OK' "$out/$name.driven.dom"
if [ "$#" = 0 ]; then grep -q 'PAGE OK' "$out/$name.driven.dom"; fi
