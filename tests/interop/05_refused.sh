#!/usr/bin/env bash
# 05_refused.sh — connections to closed ports are refused, both ways.
#   1. `wirestack nc 192.0.2.1 5999` (no Linux listener): Linux answers the
#      SYN with RST; wirestack nc exits non-zero with ECONNREFUSED on stderr.
#   2. curl http://192.0.2.2:5999/ while `wirestack serve echo` runs on port
#      7: wirestack answers the SYN with RST+ACK; curl fails with exit 7
#      and its verbose output says "Connection refused".
#   3. A UDP datagram to a closed wirestack port: wirestack answers with
#      ICMP port unreachable (quoting the datagram), Linux's socket gets
#      ECONNREFUSED on its next receive.
# The captures must pass check_pcap; the RSTs are the point of the test and
# are allowed ("Connection reset (RST)").
source "$(dirname "$0")/lib.sh" || exit 1
require_root_tun
require_cmd curl python3 tshark
require_wirestack nc serve
lab_setup refused

log "== wirestack nc to a closed Linux port"
in_ns timeout 30 "$WIRESTACK" nc --tap "$LAB_TAP" --ip "$LAB_WS_IP/$LAB_PREFIX" --mac "$LAB_WS_MAC" \
  --pcap "$LAB_OUT/nc.pcap" "$LAB_LINUX_IP" 5999 </dev/null >"$LAB_OUT/nc.out" 2>"$LAB_OUT/nc.err"
rc=$?
sed 's/^/    stderr: /' "$LAB_OUT/nc.err"
check "wirestack nc exits non-zero, not by timeout (exit $rc)" [ "$rc" != 0 -a "$rc" != 124 ]
check "stderr says ECONNREFUSED" grep -q ECONNREFUSED "$LAB_OUT/nc.err"
n=$(pcap_count "$LAB_OUT/nc.pcap" "tcp.flags.reset == 1 && ip.src == $LAB_LINUX_IP && tcp.srcport == 5999")
check "capture: Linux's RST to wirestack's SYN ($n)" [ "$n" -ge 1 ]
rst=$(pcap_fields "$LAB_OUT/nc.pcap" "tcp.flags.reset == 1 && ip.src == $LAB_LINUX_IP" frame.number | head -1)
n=$(pcap_count "$LAB_OUT/nc.pcap" "tcp.flags.syn == 1 && ip.src == $LAB_WS_IP && frame.number > ${rst:-0}")
check "capture: no SYN from wirestack after Linux's RST ($n)" [ -n "$rst" ] && [ "$n" = 0 ]
check_pcap "$LAB_OUT/nc.pcap" 'Connection reset \(RST\)'

log "== curl to a closed wirestack port"
serve_start echo --port 7 --pcap "$LAB_OUT/serve.pcap" || die "wirestack serve echo did not start"
in_ns curl -sSv --max-time 20 "http://$LAB_WS_IP:5999/" >"$LAB_OUT/curl.out" 2>"$LAB_OUT/curl.err"
rc=$?
grep -E "refused|^curl:" "$LAB_OUT/curl.err" | sed 's/^/    curl: /'
check "curl exits 7 (couldn't connect) (exit $rc)" [ "$rc" = 7 ]
check "curl -v says 'Connection refused'" grep -q 'Connection refused' "$LAB_OUT/curl.err"

log "== UDP to a closed wirestack port"
out=$(in_ns python3 - "$LAB_WS_IP" 5999 <<'EOF' 2>&1
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3)
s.connect((sys.argv[1], int(sys.argv[2])))
s.send(b"anyone there?")
try:
    s.recv(100)
    print("unexpected reply")
except ConnectionRefusedError:
    print("ECONNREFUSED")
except socket.timeout:
    print("timeout")
EOF
)
log "    Linux UDP socket: $out"
check "Linux's connected UDP socket gets ECONNREFUSED" [ "$out" = ECONNREFUSED ]
serve_stop
n=$(pcap_count "$LAB_OUT/serve.pcap" "tcp.flags.reset == 1 && tcp.flags.ack == 1 && ip.src == $LAB_WS_IP && tcp.srcport == 5999")
check "capture: wirestack's RST+ACK to curl's SYN ($n)" [ "$n" -ge 1 ]
n=$(pcap_count "$LAB_OUT/serve.pcap" "icmp.type == 3 && icmp.code == 3 && ip.src == $LAB_WS_IP && udp.dstport == 5999")
check "capture: wirestack's ICMP port unreachable quoting the datagram ($n)" [ "$n" = 1 ]
check_pcap "$LAB_OUT/serve.pcap" 'Connection reset \(RST\)'

finish
