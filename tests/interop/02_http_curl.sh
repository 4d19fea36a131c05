#!/usr/bin/env bash
# 02_http_curl.sh — curl (the Linux TCP stack) downloads from
# `wirestack serve http DIR`.
#   1. A 1 MiB random file: SHA-256 equal. Full capture (every TCP checksum
#      of the run verified by check_pcap, HTTP decoded by tshark).
#   2. Four requests in one curl invocation: all 200 with the right sizes,
#      one connection (curl's %{num_connects} sums to 1, verbose output says
#      "Re-using existing connection", the capture has one SYN for them).
#   3. A 100 MiB random file (HTTP_CURL_MIB overrides the size; ctest
#      uses 30, 10 in the sanitizer build): SHA-256 equal, throughput printed. Captured
#      with --snaplen 128 (headers only: IP checksums verified, TCP ones
#      "unverified", TCP analysis still complete); lost-segment warnings
#      are allowed only when the TAP's own drop counters show the kernel
#      dropped frames.
source "$(dirname "$0")/lib.sh" || exit 1
require_root_tun
require_cmd curl tshark sha256sum
require_wirestack serve
lab_setup http_curl

www="$LAB_DIR/www"
mkdir -p "$www"
printf 'hello from wirestack\n' >"$www/index.html"
head -c 1000 /dev/urandom >"$www/small.bin"
head -c $((1024 * 1024)) /dev/urandom >"$www/1M.bin"
MIB=${HTTP_CURL_MIB:-100}
head -c $((MIB * 1024 * 1024)) /dev/urandom >"$www/bulk.bin"
base="http://$LAB_WS_IP:80"

log "== 1 MiB and a persistent connection (full capture)"
serve_start http "$www" --port 80 --pcap "$LAB_OUT/http_small.pcap" || die "serve http did not start"

w=$(in_ns curl -sS --max-time 60 -o "$LAB_DIR/1M.out" \
      -w '%{http_code} %{size_download} %{speed_download} %{num_connects}' "$base/1M.bin" 2>&1)
log "    curl 1M.bin: $w (code size bytes/s connects)"
check "1 MiB: HTTP 200" [ "${w%% *}" = 200 ]
check "1 MiB: SHA-256 equal" [ "$(sha "$LAB_DIR/1M.out")" = "$(sha "$www/1M.bin")" ]

in_ns curl -sv --max-time 60 \
  -w '%{http_code} %{size_download} %{num_connects}\n' \
  -o "$LAB_DIR/p1" -o "$LAB_DIR/p2" -o "$LAB_DIR/p3" -o "$LAB_DIR/p4" \
  "$base/index.html" "$base/small.bin" "$base/1M.bin" "$base/index.html" \
  >"$LAB_OUT/persist.out" 2>"$LAB_OUT/persist.err"
sed 's/^/    /' "$LAB_OUT/persist.out"
codes=$(awk '{print $1}' "$LAB_OUT/persist.out" | tr '\n' ' ')
check "persistent: 4 responses, all 200 ($codes)" [ "$codes" = "200 200 200 200 " ]
conns=$(awk '{ n += $3 } END { print n + 0 }' "$LAB_OUT/persist.out")
check "persistent: curl made 1 connection for 4 requests (num_connects sum $conns)" [ "$conns" = 1 ]
n=$(grep -c 'Re-using existing connection' "$LAB_OUT/persist.err")
check "persistent: curl says 'Re-using existing connection' 3 times ($n)" [ "$n" = 3 ]
check "persistent: bodies equal" cmp -s "$LAB_DIR/p3" "$www/1M.bin"
check "persistent: small bodies equal" \
  sh -c "cmp -s '$LAB_DIR/p1' '$www/index.html' && cmp -s '$LAB_DIR/p2' '$www/small.bin' && cmp -s '$LAB_DIR/p4' '$www/index.html'"
serve_stop
n=$(pcap_count "$LAB_OUT/http_small.pcap" "tcp.flags.syn == 1 && tcp.flags.ack == 0 && ip.src == $LAB_LINUX_IP")
check "capture: 2 SYNs from Linux (one for 1M.bin, one for the 4 requests) ($n)" [ "$n" = 2 ]
check_pcap --app "$LAB_OUT/http_small.pcap"

log "== $MIB MiB (capture with --snaplen 128)"
serve_start http "$www" --port 80 --pcap "$LAB_OUT/http_bulk.pcap" --snaplen 128 || die "serve http did not start"
w=$(in_ns curl -sS --max-time 240 -o "$LAB_DIR/bulk.out" \
      -w '%{http_code} %{size_download} %{speed_download} %{time_total}' "$base/bulk.bin" 2>&1)
log "    curl bulk.bin ($MIB MiB): $w (code size bytes/s seconds)"
read -r code _size speed secs <<<"$w"
check "$MIB MiB: HTTP 200" [ "$code" = 200 ]
check "$MIB MiB: SHA-256 equal" [ "$(sha "$LAB_DIR/bulk.out")" = "$(sha "$www/bulk.bin")" ]
[ -n "${speed:-}" ] && log "    throughput wirestack -> Linux (HTTP): $(mbits "$speed" 1) Mbit/s in ${secs}s"
serve_stop
read -r rxd txd <<<"$(tap_drops)"
log "    TAP drops on the Linux side: rx $rxd, tx $txd"
mapfile -t allowed < <(allowed_for_bulk)
check_pcap "$LAB_OUT/http_bulk.pcap" "${allowed[@]}"

finish
