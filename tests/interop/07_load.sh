#!/usr/bin/env bash
# 07_load.sh — `wrk -c 100 -t 2 -d 10s` against `wirestack serve http`:
# 100 concurrent keep-alive connections for 10 s, a small file.
#   - wrk reports no socket errors (connect, read, write, timeout) and no
#     non-2xx/3xx responses, and more than 0 requests; Requests/sec printed.
#   - wirestack serve survives and exits 0 on SIGTERM.
#   - The capture (--snaplen 128: headers only) passes check_pcap. Allowed:
#     RSTs from Linux (wrk exits with requests in flight: the kernel resets
#     those connections; wirestack must send none) and flow-control
#     warnings.
# WRK_DURATION (default 10s) and WRK_CONNECTIONS (default 100) override.
source "$(dirname "$0")/lib.sh" || exit 1
require_root_tun
require_cmd wrk curl tshark
require_wirestack serve
lab_setup load

duration=${WRK_DURATION:-10s}
conns=${WRK_CONNECTIONS:-100}
www="$LAB_DIR/www"
mkdir -p "$www"
head -c 512 /dev/urandom | base64 -w 64 >"$www/small"

serve_start http "$www" --port 80 --quiet --pcap "$LAB_OUT/load.pcap" --snaplen 128 ||
  die "serve http did not start"
code=$(in_ns curl -sS --max-time 10 -o /dev/null -w '%{http_code}' "http://$LAB_WS_IP:80/small")
check "a first request works (HTTP $code)" [ "$code" = 200 ]

log "== wrk -c $conns -t 2 -d $duration"
in_ns timeout 120 wrk -c "$conns" -t 2 -d "$duration" --timeout 5s "http://$LAB_WS_IP:80/small" \
  >"$LAB_OUT/wrk.out" 2>&1
rc=$?
sed 's/^/    /' "$LAB_OUT/wrk.out"
check "wrk exits 0 (exit $rc)" [ "$rc" = 0 ]
requests=$(awk '/requests in/ { print $1 }' "$LAB_OUT/wrk.out")
rps=$(awk '/^Requests\/sec:/ { print $2 }' "$LAB_OUT/wrk.out")
check "wrk completed requests (${requests:-0})" [ "${requests:-0}" -gt 0 ]
errs=$(grep -E '^ *Socket errors:' "$LAB_OUT/wrk.out")
check "no socket errors${errs:+ ($errs)}" [ -z "$errs" ]
non2xx=$(grep -E '^ *Non-2xx or 3xx responses:' "$LAB_OUT/wrk.out")
check "no non-2xx/3xx responses${non2xx:+ ($non2xx)}" [ -z "$non2xx" ]
log "    Requests/sec: ${rps:-?} with $conns connections"

code=$(in_ns curl -sS --max-time 10 -o /dev/null -w '%{http_code}' "http://$LAB_WS_IP:80/small")
check "a request after the load works (HTTP $code)" [ "$code" = 200 ]
serve_stop
n=$(pcap_count "$LAB_OUT/load.pcap" "tcp.flags.reset == 1 && ip.src == $LAB_LINUX_IP")
log "    RSTs from Linux (wrk's connections closed with responses in flight): $n"
n=$(pcap_count "$LAB_OUT/load.pcap" "tcp.flags.reset == 1 && ip.src == $LAB_WS_IP")
check "no RST from wirestack ($n)" [ "$n" = 0 ]
check_pcap "$LAB_OUT/load.pcap" 'Connection reset \(RST\)' "${FLOW_CONTROL_WARNINGS[@]}"

finish
