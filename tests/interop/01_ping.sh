#!/usr/bin/env bash
# 01_ping.sh — ICMP echo and ARP between wirestack and Linux over the TAP.
#   1. Linux `ping -c 5` to wirestack (kept up by `wirestack serve echo`):
#      5 of 5 replies; also a full-MTU ping (-s 1472) and a fragmented one
#      (-s 3000: wirestack reassembles the request and fragments its reply).
#   2. Linux resolved wirestack by ARP: `ip neigh` holds wirestack's MAC, and
#      the capture has wirestack's ARP reply.
#   3. `wirestack ping -c 5 192.0.2.1`: exit 0, 5 replies, and its capture
#      has Linux's ARP reply to wirestack's request.
#   4. Both captures pass check_pcap (full frames: every checksum verified).
source "$(dirname "$0")/lib.sh" || exit 1
require_root_tun
require_cmd ping tshark
require_wirestack serve ping
lab_setup ping

log "== Linux pings wirestack"
serve_start echo --pcap "$LAB_OUT/serve.pcap" || die "wirestack serve echo did not start"

out=$(in_ns ping -n -c 5 -i 0.2 -W 2 "$LAB_WS_IP" 2>&1)
printf '%s\n' "$out" | tail -2 | sed 's/^/    /'
check "Linux ping: 5 of 5 replies" grep -q '5 packets transmitted, 5 received' <<<"$out"

out=$(in_ns ping -n -c 3 -i 0.2 -W 2 -s 1472 -M "do" "$LAB_WS_IP" 2>&1)
printf '%s\n' "$out" | tail -2 | sed 's/^/    /'
check "Linux ping -s 1472 (1500-byte packets, DF): 3 of 3 replies" grep -q '3 packets transmitted, 3 received' <<<"$out"

out=$(in_ns ping -n -c 3 -i 0.2 -W 2 -s 3000 "$LAB_WS_IP" 2>&1)
printf '%s\n' "$out" | tail -2 | sed 's/^/    /'
check "Linux ping -s 3000 (fragmented both ways): 3 of 3 replies" grep -q '3 packets transmitted, 3 received' <<<"$out"

neigh=$(in_ns ip neigh show "$LAB_WS_IP" dev "$LAB_TAP")
log "    ip neigh: $neigh"
check "Linux's neighbour table has wirestack's MAC $LAB_WS_MAC" \
  grep -Eq "lladdr $LAB_WS_MAC .*(REACHABLE|STALE|DELAY|PROBE)" <<<"$neigh"

serve_stop
n=$(pcap_count "$LAB_OUT/serve.pcap" "arp.opcode == 2 && arp.src.hw_mac == $LAB_WS_MAC && arp.src.proto_ipv4 == $LAB_WS_IP && arp.dst.proto_ipv4 == $LAB_LINUX_IP")
check "serve capture: wirestack answered Linux's ARP request ($n ARP replies)" [ "$n" -ge 1 ]
n=$(pcap_count "$LAB_OUT/serve.pcap" "icmp.type == 0 && ip.src == $LAB_WS_IP && ip.flags.mf == 0 && ip.frag_offset == 0")
check "serve capture: 8 unfragmented echo replies from wirestack ($n)" [ "$n" -eq 8 ]
n=$(pcap_count "$LAB_OUT/serve.pcap" "ip.src == $LAB_WS_IP && (ip.flags.mf == 1 || ip.frag_offset > 0)")
check "serve capture: wirestack's replies to -s 3000 were fragmented ($n fragments)" [ "$n" -ge 6 ]
check_pcap "$LAB_OUT/serve.pcap"

log "== wirestack pings Linux"
out=$(in_ns timeout 30 "$WIRESTACK" ping --tap "$LAB_TAP" --ip "$LAB_WS_IP/$LAB_PREFIX" --mac "$LAB_WS_MAC" \
        -c 5 -i 0.2 -W 2 --pcap "$LAB_OUT/ping.pcap" "$LAB_LINUX_IP" 2>&1)
rc=$?
printf '%s\n' "$out" | sed 's/^/    /'
check "wirestack ping exits 0 (exit $rc)" [ "$rc" = 0 ]
n=$(grep -c "bytes from $LAB_LINUX_IP" <<<"$out")
check "wirestack ping: 5 reply lines ($n)" [ "$n" -eq 5 ]
check "wirestack ping summary: 5 transmitted, 5 received" grep -Eq '5 packets transmitted, 5 (packets )?received' <<<"$out"
n=$(pcap_count "$LAB_OUT/ping.pcap" "arp.opcode == 1 && arp.src.hw_mac == $LAB_WS_MAC && arp.dst.proto_ipv4 == $LAB_LINUX_IP")
check "ping capture: wirestack asked who-has $LAB_LINUX_IP ($n)" [ "$n" -ge 1 ]
n=$(pcap_count "$LAB_OUT/ping.pcap" "arp.opcode == 2 && arp.src.proto_ipv4 == $LAB_LINUX_IP && arp.dst.hw_mac == $LAB_WS_MAC")
check "ping capture: Linux's ARP reply to wirestack ($n)" [ "$n" -ge 1 ]
check_pcap "$LAB_OUT/ping.pcap"

finish
