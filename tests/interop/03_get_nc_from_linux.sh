#!/usr/bin/env bash
# 03_get_nc_from_linux.sh — wirestack as the TCP client of Linux servers.
#   1. `wirestack get` of a 100 MiB random file from python3 -m http.server
#      on 192.0.2.1: exit 0, SHA-256 equal.
#   2. `wirestack nc 192.0.2.1 PORT < 100 MiB` into a Linux
#      `socat -u TCP-LISTEN STDOUT`: SHA-256 of what Linux received equal.
#   3. `wirestack nc 192.0.2.1 PORT </dev/null` from a Linux
#      `socat -u FILE TCP-LISTEN` sending 100 MiB: SHA-256 of wirestack's
#      stdout equal (wirestack half-closes at once, then reads to the end).
# GET_NC_MIB overrides the size of each (ctest uses 30, 10 in the
# sanitizer build). Throughput of each is printed. Captures use --snaplen 128 (headers only);
# window-full / zero-window warnings are flow control and allowed, lost-
# segment warnings only when the TAP's drop counters explain them.
source "$(dirname "$0")/lib.sh" || exit 1
require_root_tun
require_cmd python3 socat tshark sha256sum
require_wirestack get nc
lab_setup get_nc

MIB=${GET_NC_MIB:-100}
SIZE=$((MIB * 1024 * 1024))
www="$LAB_DIR/www"
mkdir -p "$www"
head -c "$SIZE" /dev/urandom >"$www/bulk.bin"
src_sha=$(sha "$www/bulk.bin")

# check_bulk_pcap FILE: check_pcap with what a bulk transfer may show.
check_bulk_pcap() {
  local allowed
  mapfile -t allowed < <(allowed_for_bulk)
  log "    TAP drops on the Linux side so far (rx tx): $(tap_drops)"
  check_pcap "$1" "${allowed[@]}"
}

log "== wirestack get from python3 http.server"
start_bg python3 -m http.server 8000 --bind "$LAB_LINUX_IP" --directory "$www" \
  >"$LAB_OUT/http_server.log" 2>&1 </dev/null
wait_for_port 8000 20 || die "python3 http.server did not start"
t0=$(now)
ws_ns get "http://$LAB_LINUX_IP:8000/bulk.bin" -o "$LAB_DIR/get.out" \
  --pcap "$LAB_OUT/get.pcap" --snaplen 128 >"$LAB_OUT/get.stdout" 2>"$LAB_OUT/get.err" </dev/null
rc=$?
t1=$(now)
sed 's/^/    get: /' "$LAB_OUT/get.err" | tail -3
check "wirestack get exits 0 (exit $rc)" [ "$rc" = 0 ]
check "get: SHA-256 equal ($(stat -c %s "$LAB_DIR/get.out" 2>/dev/null) bytes)" [ "$(sha "$LAB_DIR/get.out")" = "$src_sha" ]
log "    throughput Linux -> wirestack (HTTP GET): $(mbits "$SIZE" "$(elapsed "$t0" "$t1")") Mbit/s in $(elapsed "$t0" "$t1")s"
rm -f "$LAB_DIR/get.out"
check_bulk_pcap "$LAB_OUT/get.pcap"

log "== wirestack nc -> Linux socat ($MIB MiB)"
start_bg socat -u TCP-LISTEN:5001,reuseaddr STDOUT >"$LAB_DIR/linux_recv" 2>"$LAB_OUT/socat1.err" </dev/null
recv_pid=$LAB_LAST_PID
wait_for_port 5001 || die "socat did not listen"
t0=$(now)
in_ns timeout 240 "$WIRESTACK" nc --tap "$LAB_TAP" --ip "$LAB_WS_IP/$LAB_PREFIX" --mac "$LAB_WS_MAC" \
  --pcap "$LAB_OUT/nc_send.pcap" --snaplen 128 "$LAB_LINUX_IP" 5001 \
  <"$www/bulk.bin" >"$LAB_OUT/nc_send.stdout" 2>"$LAB_OUT/nc_send.err"
rc=$?
wait_bg "$recv_pid" 60; rrc=$?
t1=$(now)
sed 's/^/    nc: /' "$LAB_OUT/nc_send.err" | tail -3
check "wirestack nc (sender) exits 0 (exit $rc)" [ "$rc" = 0 ]
check "Linux socat (receiver) exits 0 (exit $rrc)" [ "$rrc" = 0 ]
check "nc -> Linux: SHA-256 equal ($(stat -c %s "$LAB_DIR/linux_recv") bytes)" [ "$(sha "$LAB_DIR/linux_recv")" = "$src_sha" ]
log "    throughput wirestack -> Linux (nc): $(mbits "$SIZE" "$(elapsed "$t0" "$t1")") Mbit/s in $(elapsed "$t0" "$t1")s"
rm -f "$LAB_DIR/linux_recv"
check_bulk_pcap "$LAB_OUT/nc_send.pcap"

log "== Linux socat -> wirestack nc ($MIB MiB)"
start_bg socat -u "OPEN:$www/bulk.bin" TCP-LISTEN:5002,reuseaddr >/dev/null 2>"$LAB_OUT/socat2.err" </dev/null
send_pid=$LAB_LAST_PID
wait_for_port 5002 || die "socat did not listen"
t0=$(now)
in_ns timeout 240 "$WIRESTACK" nc --tap "$LAB_TAP" --ip "$LAB_WS_IP/$LAB_PREFIX" --mac "$LAB_WS_MAC" \
  --pcap "$LAB_OUT/nc_recv.pcap" --snaplen 128 "$LAB_LINUX_IP" 5002 \
  </dev/null >"$LAB_DIR/ws_recv" 2>"$LAB_OUT/nc_recv.err"
rc=$?
t1=$(now)
wait_bg "$send_pid" 60; src=$?
sed 's/^/    nc: /' "$LAB_OUT/nc_recv.err" | tail -3
check "wirestack nc (receiver) exits 0 (exit $rc)" [ "$rc" = 0 ]
check "Linux socat (sender) exits 0 (exit $src)" [ "$src" = 0 ]
check "Linux -> nc: SHA-256 equal ($(stat -c %s "$LAB_DIR/ws_recv") bytes)" [ "$(sha "$LAB_DIR/ws_recv")" = "$src_sha" ]
log "    throughput Linux -> wirestack (nc): $(mbits "$SIZE" "$(elapsed "$t0" "$t1")") Mbit/s in $(elapsed "$t0" "$t1")s"
rm -f "$LAB_DIR/ws_recv"
check_bulk_pcap "$LAB_OUT/nc_recv.pcap"

finish
