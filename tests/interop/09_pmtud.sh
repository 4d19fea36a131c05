#!/usr/bin/env bash
# 09_pmtud.sh — path MTU discovery (RFC 1191) against Linux routers.
#
#   wirestack 192.0.2.2 ─TAP─ router A (lab ns) ══ veth, MTU 1280 ══ router B ─veth 1500─ server
#             (MTU 1500)      192.0.2.1 | 203.0.113.1    203.0.113.2 | 198.51.100.1    198.51.100.2
#
# Both hosts sit on links of 1500, so both announce MSS 1460: only the
# path between the two Linux routers is narrower. `wirestack nc --gateway
# 192.0.2.1` sends 10 MiB to a Linux socat on 198.51.100.2.
#   1. Every TCP segment wirestack sends carries DF.
#   2. Its first data segments are full-size (1448 bytes: timestamps are
#      on), router A answers with ICMP "fragmentation needed" naming MTU
#      1280, and from then on no segment of wirestack's carries more than
#      1228 bytes (1280 − 20 − 20 − 12).
#   3. On the 1280 link (captured by tcpdump on router B's end) no IPv4
#      fragment and no datagram over 1280 bytes crossed, and wirestack's
#      segments there carry at most 1228 bytes.
#   4. `--tcp-stats` shows the ICMP accepted (frag_needed_accepted 1) and
#      one path MTU reduction; nc and socat exit 0; SHA-256 equal.
#   5. tshark finds no problem in wirestack's capture but the resends at
#      the new size, which it calls "out-of-order" (they follow the
#      originals by less than an RTT): allowed only right after the ICMP.
# Captures keep headers (snaplen 128): wirestack's --pcap and the veth's.
source "$(dirname "$0")/lib.sh" || exit 1
require_root_tun
require_cmd socat tshark tcpdump sha256sum
require_wirestack nc
lab_setup pmtud

SIZE=$((10 * 1024 * 1024))
SERVER_IP=198.51.100.2
head -c "$SIZE" /dev/urandom >"$LAB_DIR/10M.bin"
src_sha=$(sha "$LAB_DIR/10M.bin")

# Router A is the lab namespace (the TAP's Linux side); B and the server
# get namespaces of their own.
lab_add_ns pmtud_b; NS_B=$LAB_ADDED_NS
lab_add_ns pmtud_srv; NS_SRV=$LAB_ADDED_NS
in_b() { ip netns exec "$NS_B" "$@"; }
in_srv() { ip netns exec "$NS_SRV" "$@"; }
ip -n "$LAB_NS" link add wsn0 mtu 1280 type veth peer name wsn1 netns "$NS_B" mtu 1280 || die "veth A-B"
ip -n "$NS_B" link add wsm0 type veth peer name wsm1 netns "$NS_SRV" || die "veth B-server"
in_ns ip addr add 203.0.113.1/24 dev wsn0
in_b ip addr add 203.0.113.2/24 dev wsn1
in_b ip addr add 198.51.100.1/24 dev wsm0
in_srv ip addr add "$SERVER_IP/24" dev wsm1
# link_up NS DEV: up, and one datagram per frame (no GRO/GSO merging that
# a capture would show as one large packet; best effort).
link_up() {
  ip -n "$1" link set "$2" up || die "link $2 up"
  ip netns exec "$1" ethtool -K "$2" gro off gso off tso off >/dev/null 2>&1
}
link_up "$LAB_NS" wsn0
link_up "$NS_B" wsn1
link_up "$NS_B" wsm0
link_up "$NS_SRV" wsm1
in_ns sysctl -qw net.ipv4.ip_forward=1 || die "ip_forward in A"
in_b sysctl -qw net.ipv4.ip_forward=1 || die "ip_forward in B"
# Routes between the three subnets only (nothing leaves the namespaces).
in_ns ip route add 198.51.100.0/24 via 203.0.113.2 || die "route in A"
in_b ip route add 192.0.2.0/24 via 203.0.113.1 || die "route in B"
in_srv ip route add 192.0.2.0/24 via 198.51.100.1 || die "route in the server namespace"
log "  router A: $LAB_NS (wstap0 192.0.2.1, wsn0 203.0.113.1 mtu 1280)"
log "  router B: $NS_B (wsn1 203.0.113.2 mtu 1280, wsm0 198.51.100.1)"
log "  server:   $NS_SRV (wsm1 $SERVER_IP mtu $(in_srv cat /sys/class/net/wsm1/mtu))"

log "== the narrow link, captured on router B's end"
start_bg_ns "$NS_B" tcpdump -i wsn1 -s 128 -U -n -w "$LAB_OUT/veth1280.pcap" \
  >/dev/null 2>"$LAB_OUT/tcpdump.err" </dev/null
dump_pid=$LAB_LAST_PID
wait_for_line "$LAB_OUT/tcpdump.err" 'listening on' 10 "$dump_pid" || die "tcpdump did not start"

log "== wirestack nc -> Linux socat on $SERVER_IP (10 MiB, DF)"
start_bg_ns "$NS_SRV" socat -u TCP-LISTEN:5009,reuseaddr STDOUT >"$LAB_DIR/recv" 2>"$LAB_OUT/socat.err" </dev/null
recv_pid=$LAB_LAST_PID
deadline=$((SECONDS + 10))
until in_srv ss -H -ltn "sport = :5009" 2>/dev/null | grep -q .; do
  [ "$SECONDS" -lt "$deadline" ] || die "socat did not listen"
  sleep 0.1
done
t0=$(now)
in_ns timeout 120 "$WIRESTACK" nc --tap "$LAB_TAP" --ip "$LAB_WS_IP/$LAB_PREFIX" --mac "$LAB_WS_MAC" \
  --gateway "$LAB_LINUX_IP" --pcap "$LAB_OUT/ws.pcap" --snaplen 128 --tcp-stats "$SERVER_IP" 5009 \
  <"$LAB_DIR/10M.bin" >"$LAB_OUT/nc.stdout" 2>"$LAB_OUT/nc.err"
rc=$?
wait_bg "$recv_pid" 60; rrc=$?
t1=$(now)
stop_bg "$dump_pid"
grep '^wirestack: ' "$LAB_OUT/nc.err" | sed 's/^/    nc: /'
check "wirestack nc exits 0 (exit $rc)" [ "$rc" = 0 ]
check "Linux socat exits 0 (exit $rrc)" [ "$rrc" = 0 ]
check "SHA-256 equal ($(stat -c %s "$LAB_DIR/recv") bytes)" [ "$(sha "$LAB_DIR/recv")" = "$src_sha" ]
log "    throughput wirestack -> Linux across the 1280 link: $(mbits "$SIZE" "$(elapsed "$t0" "$t1")") Mbit/s in $(elapsed "$t0" "$t1")s"
rm -f "$LAB_DIR/recv"
check "--tcp-stats: the ICMP was accepted (frag_needed_accepted 1)" grep -Eq '^wirestack: tcp layer:.* frag_needed_accepted 1( |$)' "$LAB_OUT/nc.err"
check "--tcp-stats: one path MTU reduction" grep -Eq '^wirestack: tcp:.* path_mtu_reductions 1( |$)' "$LAB_OUT/nc.err"

log "== wirestack's capture"
ws_tcp="ip.src == $LAB_WS_IP && tcp && !icmp"  # not the TCP headers quoted in ICMP
frag_needed="icmp.type == 3 && icmp.code == 4 && ip.src == $LAB_LINUX_IP"
n_tcp=$(pcap_count "$LAB_OUT/ws.pcap" "$ws_tcp")
n_nodf=$(pcap_count "$LAB_OUT/ws.pcap" "$ws_tcp && ip.flags.df == 0")
check "DF on every TCP segment from wirestack ($n_tcp segments, $n_nodf without)" [ "$n_tcp" -gt 7000 -a "$n_nodf" = 0 ]
icmp_line=$(pcap_fields "$LAB_OUT/ws.pcap" "$frag_needed" frame.number icmp.mtu | head -1)
read -r icmp_frame icmp_mtu <<<"$icmp_line"
n_icmp=$(pcap_count "$LAB_OUT/ws.pcap" "$frag_needed")
log "    ICMP fragmentation needed from router A: $n_icmp, the first in frame ${icmp_frame:-none} (next-hop MTU ${icmp_mtu:-?})"
check "router A's fragmentation needed names MTU 1280" [ "${icmp_mtu:-}" = 1280 ]
icmp_frame=${icmp_frame:-0}
max_before=$(pcap_fields "$LAB_OUT/ws.pcap" "$ws_tcp && frame.number < $icmp_frame" tcp.len | sort -n | tail -1)
max_after=$(pcap_fields "$LAB_OUT/ws.pcap" "$ws_tcp && frame.number > $icmp_frame" tcp.len | sort -n | tail -1)
n_after=$(pcap_count "$LAB_OUT/ws.pcap" "$ws_tcp && frame.number > $icmp_frame && tcp.len > 0")
log "    largest segment before the ICMP: ${max_before:-?} bytes; after it: ${max_after:-?} bytes ($n_after data segments)"
check "before the ICMP wirestack sent full-size segments (1448 bytes)" [ "${max_before:-0}" = 1448 ]
check "after it no segment carries more than 1228 bytes" [ "${max_after:-99999}" -le 1228 -a "$n_after" -gt 7000 ]
# tshark calls the resends at the new size "out-of-order" (they follow the
# originals by well under an RTT); allowed only right after the ICMP,
# before the server's first ACK.
first_ack=$(pcap_fields "$LAB_OUT/ws.pcap" "ip.src == $SERVER_IP && tcp && frame.number > $icmp_frame" frame.number | head -1)
n_ooo=$(pcap_count "$LAB_OUT/ws.pcap" "tcp.analysis.out_of_order")
n_ooo_late=$(pcap_count "$LAB_OUT/ws.pcap" "tcp.analysis.out_of_order && (frame.number < $icmp_frame || frame.number > ${first_ack:-0})")
check "the only out-of-order segments are the $n_ooo resends right after the ICMP ($n_ooo_late elsewhere)" [ "$n_ooo_late" = 0 ]
check_pcap "$LAB_OUT/ws.pcap" 'suspected. out-of-order'

log "== the 1280 link"
v_ip=$(pcap_count "$LAB_OUT/veth1280.pcap" "ip")
v_frags=$(pcap_count "$LAB_OUT/veth1280.pcap" "ip.flags.mf == 1 || ip.frag_offset > 0")
v_big=$(pcap_count "$LAB_OUT/veth1280.pcap" "ip.len > 1280")
v_max=$(pcap_fields "$LAB_OUT/veth1280.pcap" "$ws_tcp" tcp.len | sort -n | tail -1)
v_len=$(pcap_fields "$LAB_OUT/veth1280.pcap" "$ws_tcp" ip.len | sort -n | tail -1)
log "    $v_ip IPv4 datagrams crossed; largest from wirestack: ${v_len:-?} bytes, ${v_max:-?} of TCP data"
check "no IPv4 fragments crossed the 1280 link ($v_frags)" [ "$v_ip" -gt 7000 -a "$v_frags" = 0 ]
check "no datagram over 1280 bytes crossed it ($v_big)" [ "$v_big" = 0 ]
check "wirestack's segments on it carry at most 1228 bytes" [ "${v_max:-99999}" -le 1228 ]

finish
