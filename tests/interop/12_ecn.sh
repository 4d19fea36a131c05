#!/usr/bin/env bash
# 12_ecn.sh — ECN negotiation (RFC 3168 §6.1.1) against the Linux kernel,
# from wirestack's full capture, decoded by tshark (tcp.flags.ece,
# tcp.flags.cwr, ip.dsfield.ecn: 0 Not-ECT, 1 ECT(1), 2 ECT(0), 3 CE).
# net.ipv4.tcp_ecn is per network namespace: it is set in the lab's own
# namespace only (ip netns exec ... sysctl), never on the host.
#   A. tcp_ecn=1, Linux client (socat) -> `wirestack serve echo` (the
#      stack's default, "accept"): Linux's SYN carries ECE+CWR, wirestack's
#      SYN-ACK ECE alone; the data of both sides is ECT(0); the SYN, the
#      SYN-ACK and wirestack's pure ACKs are Not-ECT.
#   B. tcp_ecn=1, `wirestack nc` <-> Linux socat, twice:
#      B1 without --ecn ("accept": wirestack does not ask): no ECE/CWR in
#         the SYN, none in Linux's SYN-ACK, no ECT on any data;
#      B2 with --ecn ("on"): wirestack's SYN carries ECE+CWR, Linux's
#         SYN-ACK ECE alone, the data of both sides is ECT(0).
#   C. tcp_ecn=0, `wirestack nc --ecn` <-> Linux socat: wirestack asks,
#      Linux's SYN-ACK has no ECE: no ECN, no ECT on any data.
# A echoes 1 MiB of random data (SHA-256 of what came back equal to what
# was sent); in B and C each side sends its own 1 MiB on the one connection
# (socat's two-way address OPEN:FILE!!CREATE:FILE: the two directions are
# independent, where an echo through `socat PIPE` couples them) and both
# SHA-256 are checked. Every run prints wirestack's --tcp-stats
# (ecn_negotiated 1 only where ECN is on). Nothing on this wire marks CE, so no ECE follows
# the handshake. "Data" below means new data: tshark's retransmissions are
# left out (RFC 3168 §6.1.5: a resend is Not-ECT) and counted.
source "$(dirname "$0")/lib.sh" || exit 1
require_root_tun
require_cmd socat tshark sha256sum sysctl
require_wirestack serve nc
lab_setup ecn

# 1 MiB each way takes well under a second: a wirestack command still
# running after 60 s has hung (lib.sh's default limit is 240 s).
WS_TIMEOUT=${WS_TIMEOUT:-60}
SIZE=$((1024 * 1024))
head -c "$SIZE" /dev/urandom >"$LAB_DIR/in.bin"
head -c "$SIZE" /dev/urandom >"$LAB_DIR/lx.bin"
src_sha=$(sha "$LAB_DIR/in.bin")
lx_sha=$(sha "$LAB_DIR/lx.bin")

syn="tcp.flags.syn == 1 && tcp.flags.ack == 0"
synack="tcp.flags.syn == 1 && tcp.flags.ack == 1"
newdata="tcp.len > 0 && !tcp.analysis.retransmission"

set_tcp_ecn() {
  in_ns sysctl -qw "net.ipv4.tcp_ecn=$1" || die "sysctl net.ipv4.tcp_ecn=$1 in $LAB_NS failed"
  local v; v=$(in_ns sysctl -n net.ipv4.tcp_ecn)
  [ "$v" = "$1" ] || die "net.ipv4.tcp_ecn in $LAB_NS is $v, not $1"
  log "    net.ipv4.tcp_ecn=$v in $LAB_NS (host: $(sysctl -n net.ipv4.tcp_ecn 2>/dev/null))"
}

# hs PCAP FILTER: "frame N ECE x CWR y ip.dsfield.ecn z" of the first match.
hs() {
  pcap_fields "$1" "$2" frame.number tcp.flags.ece tcp.flags.cwr ip.dsfield.ecn | head -1 |
    awk -F'\t' '{ printf "frame %s ECE %s CWR %s ip.dsfield.ecn %s", $1, $2, $3, $4 }'
}
# codepoints PCAP FILTER: ip.dsfield.ecn of the matching frames, counted:
# "2:720" (value:frames, most frequent first), "none" when nothing matched.
codepoints() {
  local c
  c=$(pcap_fields "$1" "$2" ip.dsfield.ecn | sort | uniq -c | sort -rn | awk '{ printf "%s%s:%s", (NR > 1 ? " " : ""), $2, $1 }')
  echo "${c:-none}"
}
# frames PCAP FILTER: the frame numbers (first 10) of the matches.
frames() { pcap_fields "$1" "$2" frame.number | head -10 | paste -sd, -; }

# check_syn_flags WHO PCAP FILTER ECE CWR: the first SYN/SYN-ACK matching
# FILTER has ECE and CWR as given (1/0) and is Not-ECT (§6.1.1).
# One tshark pass (each pass costs ~0.5 s of tshark's start-up, and this
# script made five per SYN): the matching frames' flags, counted by awk.
check_syn_flags() {
  local who=$1 p=$2 f=$3 ece=$4 cwr=$5 n n_ece n_cwr n_ect rows
  rows=$(pcap_fields "$p" "$f" frame.number tcp.flags.ece tcp.flags.cwr ip.dsfield.ecn)
  log "    $who: $(head -1 <<<"$rows" | awk -F'\t' 'NF { printf "frame %s ECE %s CWR %s ip.dsfield.ecn %s", $1, $2, $3, $4 }')"
  read -r n n_ece n_cwr n_ect <<<"$(awk -F'\t' -v e="$ece" -v c="$cwr" '
    NF { n++; ne += ($2 == e); nc += ($3 == c); nt += ($4 == "0") }
    END { print n + 0, ne + 0, nc + 0, nt + 0 }' <<<"$rows")"
  check "$who: present ($n)" [ "$n" -ge 1 ]
  check "$who: ECE $ece" [ "$n_ece" = "$n" ]
  check "$who: CWR $cwr" [ "$n_cwr" = "$n" ]
  check "$who: Not-ECT" [ "$n_ect" = "$n" ]
}

# check_data PCAP SRC WHO CODEPOINT: every new data segment from SRC has
# ip.dsfield.ecn == CODEPOINT (2 ECT(0), 0 Not-ECT), and there are some.
check_data() {
  local p=$1 src=$2 who=$3 cp=$4 n bad rtx
  n=$(pcap_count "$p" "ip.src == $src && $newdata")
  bad=$(pcap_count "$p" "ip.src == $src && $newdata && ip.dsfield.ecn != $cp")
  rtx=$(pcap_count "$p" "ip.src == $src && tcp.len > 0 && tcp.analysis.retransmission")
  log "    $who data: $n new segments, ip.dsfield.ecn $(codepoints "$p" "ip.src == $src && $newdata")" \
      "(frames $(frames "$p" "ip.src == $src && $newdata")...); $rtx retransmission(s): ip.dsfield.ecn" \
      "$(codepoints "$p" "ip.src == $src && tcp.len > 0 && tcp.analysis.retransmission")"
  local name=Not-ECT; [ "$cp" = 2 ] && name="ECT(0)"
  check "$who: new data segments sent ($n)" [ "$n" -gt 0 ]
  check "$who: every new data segment is $name ($bad are not$([ "$bad" -gt 0 ] && echo ", frames $(frames "$p" "ip.src == $src && $newdata && ip.dsfield.ecn != $cp")"))" [ "$bad" = 0 ]
}

# check_common PCAP [ALLOWED...]: what holds in every run: wirestack's pure
# ACKs are Not-ECT (§6.1.4), nothing is CE-marked, no ECE after the
# handshake (no CE to echo), then check_pcap (what a bulk transfer may
# show, and ALLOWED).
check_common() {
  local p=$1 n allowed; shift
  n=$(pcap_count "$p" "ip.src == $LAB_WS_IP && tcp && tcp.len == 0 && ip.dsfield.ecn != 0")
  log "    wirestack's segments without data: ip.dsfield.ecn $(codepoints "$p" "ip.src == $LAB_WS_IP && tcp && tcp.len == 0");" \
      "Linux's: $(codepoints "$p" "ip.src == $LAB_LINUX_IP && tcp && tcp.len == 0")"
  check "wirestack's segments without data are Not-ECT ($n are not)" [ "$n" = 0 ]
  n=$(pcap_count "$p" "ip.dsfield.ecn == 3")
  check "no CE-marked frame ($n)" [ "$n" = 0 ]
  n=$(pcap_count "$p" "tcp.flags.syn == 0 && tcp.flags.ece == 1")
  check "no ECE after the handshake ($n)" [ "$n" = 0 ]
  log "    CWR after the handshake (a reduction, e.g. after a loss): $(pcap_count "$p" "tcp.flags.syn == 0 && tcp.flags.cwr == 1")"
  mapfile -t allowed < <(allowed_for_bulk)
  check_pcap "$p" "${allowed[@]}" "$@"
}

# check_stats ERRFILE YES|NO: --tcp-stats shows ecn_negotiated 1, or not.
check_stats() {
  local line; line=$(grep '^wirestack: tcp:' "$1")
  log "    ${line:-(no --tcp-stats line)}"
  if [ "$2" = YES ]; then
    check "--tcp-stats: ecn_negotiated 1" grep -q ' ecn_negotiated 1\b' <<<"$line"
  else
    check "--tcp-stats: no ecn_negotiated" not grep -q ' ecn_negotiated ' <<<"$line"
  fi
}

log "== A: tcp_ecn=1, Linux socat -> wirestack serve echo (default: accept)"
set_tcp_ecn 1
p="$LAB_OUT/a_server.pcap"
serve_start echo --port 7 --tcp-stats --pcap "$p" || die "serve echo did not start"
in_ns timeout 60 socat -t 30 STDIO "TCP:$LAB_WS_IP:7" <"$LAB_DIR/in.bin" >"$LAB_DIR/a.out" 2>"$LAB_OUT/a_socat.err"
rc=$?
serve_stop
check "A: socat exits 0 (exit $rc)" [ "$rc" = 0 ]
check "A: SHA-256 of the echo equal ($(stat -c %s "$LAB_DIR/a.out") bytes)" [ "$(sha "$LAB_DIR/a.out")" = "$src_sha" ]
check_stats "$SERVE_ERR" YES
check_syn_flags "A: Linux's SYN" "$p" "$syn && ip.src == $LAB_LINUX_IP" 1 1
check_syn_flags "A: wirestack's SYN-ACK" "$p" "$synack && ip.src == $LAB_WS_IP" 1 0
check_data "$p" "$LAB_WS_IP" "A: wirestack" 2
check_data "$p" "$LAB_LINUX_IP" "A: Linux" 2
# An echo couples its two directions: while wirestack's sends of the echo
# wait for Linux's window, the echo app reads nothing, so Linux may fill
# wirestack's receive window (window full, zero window for a moment).
check_common "$p" 'TCP Zero Window segment' 'window specified by the receiver is now completely full'


# client_run LABEL NEGOTIATED(YES|NO) [NC_OPTIONS...]: wirestack nc sends
# in.bin to a Linux socat that sends lx.bin back on the same connection;
# checks both SHA-256, the stats and the data codepoints.
# The handshake is checked by the caller (in the capture $LAB_OUT/LABEL.pcap).
port=5000
client_run() {
  local label=$1 negotiated=$2 rc src cp; shift 2
  port=$((port + 1))
  rm -f "$LAB_DIR/linux_recv"
  start_bg socat -t 30 "TCP-LISTEN:$port,reuseaddr" "OPEN:$LAB_DIR/lx.bin,rdonly!!CREATE:$LAB_DIR/linux_recv" \
    >/dev/null 2>"$LAB_OUT/${label}_socat.err" </dev/null
  src=$LAB_LAST_PID
  wait_for_port "$port" || die "socat did not listen on $port"
  ws_ns nc --tcp-stats --pcap "$LAB_OUT/$label.pcap" "$@" "$LAB_LINUX_IP" "$port" \
    <"$LAB_DIR/in.bin" >"$LAB_DIR/$label.out" 2>"$LAB_OUT/$label.err"
  rc=$?
  wait_bg "$src" 30; src=$?
  check "$label: wirestack nc exits 0 (exit $rc)" [ "$rc" = 0 ]
  check "$label: Linux socat exits 0 (exit $src)" [ "$src" = 0 ]
  check "$label: wirestack -> Linux: SHA-256 equal ($(stat -c %s "$LAB_DIR/linux_recv") bytes)" \
    [ "$(sha "$LAB_DIR/linux_recv")" = "$src_sha" ]
  check "$label: Linux -> wirestack: SHA-256 equal ($(stat -c %s "$LAB_DIR/$label.out") bytes)" \
    [ "$(sha "$LAB_DIR/$label.out")" = "$lx_sha" ]
  check_stats "$LAB_OUT/$label.err" "$negotiated"
  cp=0; [ "$negotiated" = YES ] && cp=2
  check_data "$LAB_OUT/$label.pcap" "$LAB_WS_IP" "$label: wirestack" "$cp"
  check_data "$LAB_OUT/$label.pcap" "$LAB_LINUX_IP" "$label: Linux" "$cp"
}

log "== B1: tcp_ecn=1, wirestack nc (default: accept, does not ask) <-> Linux socat"
client_run b1_nc_default NO
p="$LAB_OUT/b1_nc_default.pcap"
check_syn_flags "B1: wirestack's SYN" "$p" "$syn && ip.src == $LAB_WS_IP" 0 0
check_syn_flags "B1: Linux's SYN-ACK" "$p" "$synack && ip.src == $LAB_LINUX_IP" 0 0
check_common "$p"

log "== B2: tcp_ecn=1, wirestack nc --ecn (on: asks) <-> Linux socat"
client_run b2_nc_ecn YES --ecn
p="$LAB_OUT/b2_nc_ecn.pcap"
check_syn_flags "B2: wirestack's SYN" "$p" "$syn && ip.src == $LAB_WS_IP" 1 1
check_syn_flags "B2: Linux's SYN-ACK" "$p" "$synack && ip.src == $LAB_LINUX_IP" 1 0
check_common "$p"

log "== C: tcp_ecn=0, wirestack nc --ecn (asks) <-> Linux socat (Linux declines)"
set_tcp_ecn 0
client_run c_nc_ecn_linux_off NO --ecn
p="$LAB_OUT/c_nc_ecn_linux_off.pcap"
check_syn_flags "C: wirestack's SYN" "$p" "$syn && ip.src == $LAB_WS_IP" 1 1
check_syn_flags "C: Linux's SYN-ACK" "$p" "$synack && ip.src == $LAB_LINUX_IP" 0 0
check_common "$p"

finish
