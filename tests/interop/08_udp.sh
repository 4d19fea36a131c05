#!/usr/bin/env bash
# 08_udp.sh — UDP services of `wirestack serve` used from Linux sockets.
#   time (UDP): an empty datagram -> today's date as "%Y-%m-%d %X"
#     (compared with Linux's `date`); "%Y" via socat -> the 4-digit year.
#   upper (UDP): "hello" via socat -> "HELLO"; datagrams of 1, 100, 1472
#     (largest unfragmented) and 4000 bytes (fragmented both ways: wirestack
#     reassembles the request and fragments its reply) come back
#     upper-cased and whole.
#   upper (TCP, same port): "hello" -> "HELLO".
#   wirestack nc -u to a Linux UDP server (Python, upper-casing): each stdin
#   read is a datagram, the replies go to stdout.
# Full captures, every checksum verified by check_pcap.
source "$(dirname "$0")/lib.sh" || exit 1
require_root_tun
require_cmd socat python3 tshark
require_wirestack serve
lab_setup udp

# udp_ask PORT PAYLOAD_PYTHON_EXPR: sends one datagram from a Linux socket,
# prints the reply (or "timeout").
udp_ask() {
  in_ns python3 - "$LAB_WS_IP" "$1" "$2" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3)
s.sendto(eval(sys.argv[3]), (sys.argv[1], int(sys.argv[2])))
try:
    sys.stdout.write(s.recv(65535).decode("latin-1"))
except socket.timeout:
    sys.stdout.write("timeout")
EOF
}

log "== serve time (UDP)"
serve_start time --port 9000 --pcap "$LAB_OUT/time.pcap" || die "serve time did not start"
today=$(in_ns date +%Y-%m-%d)
r=$(udp_ask 9000 'b""')
log "    empty request -> '$r' (Linux date: $today)"
check "empty request: a date and time like 2026-01-02 03:04:05" grep -Eqx '[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}' <<<"$r"
check "empty request: today's date" [ "${r%% *}" = "$today" ]
r=$(printf '%s' '%Y' | in_ns timeout 10 socat -t 1 - "UDP:$LAB_WS_IP:9000")
log "    socat '%Y' -> '$r'"
check "'%Y': the 4-digit year ($(date +%Y))" [ "$r" = "$(date +%Y)" ]
serve_stop
check_pcap "$LAB_OUT/time.pcap"

log "== serve upper (UDP and TCP on one port)"
serve_start upper --port 8081 --pcap "$LAB_OUT/upper.pcap" || die "serve upper did not start"
r=$(printf 'hello' | in_ns timeout 10 socat -t 1 - "UDP:$LAB_WS_IP:8081")
log "    UDP 'hello' -> '$r'"
check "UDP: hello -> HELLO" [ "$r" = HELLO ]
for n in 1 100 1472 4000; do
  r=$(udp_ask 8081 "bytes(b'abcdefghij'[i % 10] for i in range($n))")
  want=$(python3 -c "import sys; sys.stdout.write(''.join('ABCDEFGHIJ'[i % 10] for i in range($n)))")
  check "UDP: a $n-byte datagram comes back upper-cased and whole (${#r} bytes)" [ "$r" = "$want" ]
done
r=$(printf 'hello\n' | in_ns timeout 10 socat -t 3 - "TCP:$LAB_WS_IP:8081")
log "    TCP 'hello' -> '$r'"
check "TCP: hello -> HELLO" [ "$r" = HELLO ]
serve_stop
n=$(pcap_count "$LAB_OUT/upper.pcap" "ip.src == $LAB_WS_IP && (ip.flags.mf == 1 || ip.frag_offset > 0)")
check "capture: wirestack's 4000-byte reply went out in fragments ($n)" [ "$n" -ge 3 ]
check_pcap "$LAB_OUT/upper.pcap"

log "== wirestack nc -u to a Linux UDP server"
start_bg python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("'"$LAB_LINUX_IP"'", 7001))
while True:
    data, addr = s.recvfrom(65535)
    s.sendto(data.upper(), addr)
' </dev/null >/dev/null 2>&1
wait_for_port 7001 10 udp || die "the Linux UDP server did not start"
r=$(printf 'hello udp\n' | ws_ns nc -u -w 1 "$LAB_LINUX_IP" 7001 --pcap "$LAB_OUT/nc_udp.pcap")
log "    nc -u 'hello udp' -> '$r'"
check "nc -u: hello udp -> HELLO UDP" [ "$r" = "HELLO UDP" ]
check_pcap "$LAB_OUT/nc_udp.pcap"

finish
