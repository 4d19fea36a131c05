#!/bin/sh
# `wirestack view` on the demo's capture, as pcap and (converted by tshark)
# as pcapng: the page counts the TCP segments tshark counts, and renders in
# headless Chromium with every label inside the canvas and none overlapping.
#   capture_page_check.sh WIRESTACK OUTDIR
set -eu
here=$(dirname "$0")
wirestack=$1 out=$2
command -v tshark >/dev/null || { echo "SKIP: tshark is not installed"; exit 77; }
"$wirestack" demo --loss 0.2 --seed 3 --pcap "$out/view_demo.pcap" >/dev/null
tshark -r "$out/view_demo.pcap" -F pcapng -w "$out/view_demo.pcapng"
want=$(tshark -r "$out/view_demo.pcap" -Y tcp 2>/dev/null | wc -l)
for ext in pcap pcapng; do
  line=$("$wirestack" view "$out/view_demo.$ext" -o "$out/view_demo.$ext.html" --svg "$out/view_demo.$ext.svg")
  echo "$line"
  echo "$line" | grep -q "($want TCP segments) between 192.0.2.10 and 192.0.2.20" || {
    echo "expected $want TCP segments (tshark's count)"
    exit 1
  }
  sed "s#</body>#<script src=\"$(realpath "$here/svg_layout.js")\"></script></body>#" "$out/view_demo.$ext.html" \
    >"$out/view_demo.$ext.driven.html"
  rc=0
  "$here/../scripts/browser.sh" dump "$out/view_demo.$ext.driven.html" >"$out/view_demo.$ext.dom" || rc=$?
  [ "$rc" = 77 ] && exit 77
  [ "$rc" = 0 ] || { echo "chromium failed ($rc)"; exit 1; }
  sed -n '/<pre id="layout-result">/,/<\/pre>/p' "$out/view_demo.$ext.dom"
  grep -q 'LAYOUT OK' "$out/view_demo.$ext.dom"
  grep -q 'states inferred from the segments' "$out/view_demo.$ext.svg"
done
# A BPF filter selects the frames as tcpdump's does: only TCP, numbered as in the file.
"$wirestack" view "$out/view_demo.pcapng" -f tcp -o "$out/view_demo.tcp.html" | grep -q "($want TCP segments)"
if grep -q '"summary":"ARP' "$out/view_demo.tcp.html"; then
  echo "-f tcp kept ARP frames"
  exit 1
fi
