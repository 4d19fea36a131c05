#!/usr/bin/env bash
# 06_syn_options.sh — TCP option negotiation on the wire (from wirestack's
# full capture, decoded by tshark).
#   Server side (curl -> wirestack serve http):
#     Linux's SYN offers MSS, window scale, SACK-permitted and timestamps;
#     wirestack's SYN-ACK carries MSS 1460 (MTU 1500), window scale 2
#     (RFC 7323: it covers the 212992-byte buffer), SACK-permitted and
#     timestamps (RFC 2018, RFC 7323: answers to the offer); Linux then
#     sends timestamps in every segment, and no segment carries more than
#     1448 bytes (1460 less the 12-byte timestamp option, RFC 6691);
#     wirestack's windows after the handshake are scaled (a field times 4
#     above 65535 bytes).
#   Client side (wirestack get -> python3 http.server):
#     wirestack's SYN offers MSS 1460, window scale 2, SACK-permitted and
#     timestamps; Linux's SYN-ACK answers with all four; the download works.
# TCP option kinds: 2 MSS, 3 window scale, 4 SACK-permitted, 5 SACK,
# 8 timestamps (1 NOP and 0 EOL are padding).
source "$(dirname "$0")/lib.sh" || exit 1
require_root_tun
require_cmd curl python3 tshark sha256sum
require_wirestack serve get
lab_setup syn_options

www="$LAB_DIR/www"
mkdir -p "$www"
head -c $((256 * 1024)) /dev/urandom >"$www/f.bin"

# kinds PCAP FILTER: the option kinds of the first matching segment, as
# " 2 1 3 " (spaces around each, for matching " 3 ").
kinds() { echo " $(pcap_fields "$1" "$2" tcp.option_kind | head -1 | tr ',' ' ') "; }
mss() { pcap_fields "$1" "$2" tcp.options.mss_val | head -1; }
has() { [[ "$1" == *" $2 "* ]]; }

syn="tcp.flags.syn == 1 && tcp.flags.ack == 0"
synack="tcp.flags.syn == 1 && tcp.flags.ack == 1"

log "== Linux client (curl), wirestack server"
serve_start http "$www" --port 80 --pcap "$LAB_OUT/server.pcap" || die "serve http did not start"
in_ns curl -sS --max-time 30 -o "$LAB_DIR/curl.out" "http://$LAB_WS_IP/f.bin"
rc=$?
serve_stop
check "curl download works (exit $rc, SHA-256 equal)" [ "$rc" = 0 -a "$(sha "$LAB_DIR/curl.out")" = "$(sha "$www/f.bin")" ]
p="$LAB_OUT/server.pcap"
k=$(kinds "$p" "$syn && ip.src == $LAB_LINUX_IP")
log "    Linux SYN option kinds:[$k] MSS $(mss "$p" "$syn && ip.src == $LAB_LINUX_IP")"
check "Linux's SYN offers MSS" has "$k" 2
check "Linux's SYN offers window scale" has "$k" 3
check "Linux's SYN offers SACK-permitted" has "$k" 4
check "Linux's SYN offers timestamps" has "$k" 8
k=$(kinds "$p" "$synack && ip.src == $LAB_WS_IP")
m=$(mss "$p" "$synack && ip.src == $LAB_WS_IP")
log "    wirestack SYN-ACK option kinds:[$k] MSS $m"
check "wirestack's SYN-ACK carries MSS 1460 ($m)" [ "$m" = 1460 ]
check "wirestack's SYN-ACK answers with window scale" has "$k" 3
w=$(pcap_fields "$p" "$synack && ip.src == $LAB_WS_IP" tcp.options.wscale.shift | head -1)
check "wirestack's SYN-ACK window scale shift is 2 ($w)" [ "$w" = 2 ]
w=$(pcap_fields "$p" "ip.src == $LAB_WS_IP && tcp.flags.syn == 0" tcp.window_size | sort -n | tail -1)
check "wirestack advertises scaled windows beyond 65535 bytes (largest $w)" [ "${w:-0}" -gt 65535 ]
check "wirestack's SYN-ACK answers with SACK-permitted" has "$k" 4
check "wirestack's SYN-ACK answers with timestamps" has "$k" 8
n=$(pcap_count "$p" "ip.src == $LAB_LINUX_IP && tcp.flags.syn == 0 && !(tcp.option_kind == 8)")
check "Linux sends timestamps in every segment after the handshake ($n segments lack them)" [ "$n" = 0 ]
n=$(pcap_count "$p" "ip.src == $LAB_WS_IP && tcp.flags.syn == 0 && tcp.flags.reset == 0 && !(tcp.option_kind == 8)")
check "wirestack sends timestamps in every segment but RSTs ($n segments lack them)" [ "$n" = 0 ]
max=$(pcap_fields "$p" "ip.src == $LAB_WS_IP && tcp.len > 0" tcp.len | sort -n | tail -1)
check "wirestack's segments are at most 1448 bytes (max ${max:-0})" [ "${max:-0}" -le 1448 ]
# wirestack (CUBIC, HyStart++) may fill curl's window when curl reads late
# (flow control doing its job on the sender's side), and a tail loss probe
# (RFC 8985 §7) sent while Linux delays its last ACK comes back as a D-SACK.
check_pcap --app "$p" "${FLOW_CONTROL_WARNINGS[@]}" "${DUP_WARNINGS[@]}" \
  'window specified by the receiver is now completely full'

log "== wirestack client (get), Linux server (python3 http.server)"
start_bg python3 -m http.server 8000 --bind "$LAB_LINUX_IP" --directory "$www" \
  >"$LAB_OUT/http_server.log" 2>&1 </dev/null
wait_for_port 8000 20 || die "python3 http.server did not start"
ws_ns get "http://$LAB_LINUX_IP:8000/f.bin" -o "$LAB_DIR/get.out" --pcap "$LAB_OUT/client.pcap" \
  >/dev/null 2>"$LAB_OUT/get.err" </dev/null
rc=$?
check "wirestack get works (exit $rc, SHA-256 equal)" [ "$rc" = 0 -a "$(sha "$LAB_DIR/get.out")" = "$(sha "$www/f.bin")" ]
p="$LAB_OUT/client.pcap"
k=$(kinds "$p" "$syn && ip.src == $LAB_WS_IP")
m=$(mss "$p" "$syn && ip.src == $LAB_WS_IP")
log "    wirestack SYN option kinds:[$k] MSS $m"
check "wirestack's SYN carries MSS 1460 ($m)" [ "$m" = 1460 ]
check "wirestack's SYN offers window scale" has "$k" 3
check "wirestack's SYN offers SACK-permitted" has "$k" 4
check "wirestack's SYN offers timestamps" has "$k" 8
k=$(kinds "$p" "$synack && ip.src == $LAB_LINUX_IP")
m=$(mss "$p" "$synack && ip.src == $LAB_LINUX_IP")
log "    Linux SYN-ACK option kinds:[$k] MSS $m"
check "Linux's SYN-ACK carries MSS ($m)" has "$k" 2
check "Linux's SYN-ACK answers with window scale" has "$k" 3
check "Linux's SYN-ACK answers with SACK-permitted" has "$k" 4
check "Linux's SYN-ACK answers with timestamps" has "$k" 8
max=$(pcap_fields "$p" "ip.src == $LAB_LINUX_IP && tcp.len > 0" tcp.len | sort -n | tail -1)
if [ "$OFFLOAD" = on ]; then
  # The capture holds what wirestack read: the kernel's super-packets, each
  # cut into 1448-byte segments on a real wire (gso_size, not in a pcap).
  check "Linux's super-packets fit one IPv4 datagram (max ${max:-0}, offloads on)" [ "${max:-0}" -le 65483 ]
else
  check "Linux's segments are at most 1448 bytes (max ${max:-0})" [ "${max:-0}" -le 1448 ]
fi
# Linux's tail loss probe D-SACKed by wirestack when it read the TAP late
# (a busy machine): allowed as in every bulk transfer (DUP_WARNINGS, lib.sh).
check_pcap --app "$p" "${FLOW_CONTROL_WARNINGS[@]}" "${DUP_WARNINGS[@]}"

finish
