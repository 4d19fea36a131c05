#!/bin/sh
# Usage: decode_check.sh WIRESTACK CAPTURE OUTDIR HOST
# `wirestack decode` against tshark and tcpdump on CAPTURE (classic pcap)
# and on its pcapng conversion (tshark -F pcapng), both read via libpcap:
#   - every frame is printed, as many as tshark counts, and the two files
#     decode to the same lines;
#   - for each BPF filter below (HOST: a source address in CAPTURE), the
#     frame numbers `decode -f` prints equal the frame numbers tshark shows
#     for the equivalent display filter, and the frames' timestamps equal
#     those tcpdump prints for the same BPF filter (tcpdump --number counts
#     the matching packets, not their position in the file, so its numbers
#     cannot be compared).
# Exit 77 (skipped) when tshark or tcpdump is not installed.
set -eu
wirestack=$1
capture=$2
outdir=$3
host=$4
for tool in tshark tcpdump; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "SKIP: $tool not installed"
    exit 77
  fi
done
[ -s "$capture" ] || { echo "FAIL: $capture missing or empty"; exit 1; }
mkdir -p "$outdir"
name=$(basename "$capture" .pcap)
pcapng="$outdir/$name.pcapng"
tshark -r "$capture" -F pcapng -w "$pcapng" 2>/dev/null || { echo "FAIL: tshark could not write $pcapng"; exit 1; }
[ "$(head -c 4 "$pcapng" | od -An -tx1 | tr -d ' ')" = "0a0d0d0a" ] || { echo "FAIL: $pcapng is not pcapng"; exit 1; }

fail() {
  echo "FAIL: $*"
  exit 1
}

# One word per line, joined by spaces (for messages and comparisons).
joined() { tr '\n' ' ' | sed 's/ *$//'; }

"$wirestack" decode "$capture" >"$outdir/$name.decode.pcap.txt" || fail "decode $capture"
"$wirestack" decode "$pcapng" >"$outdir/$name.decode.pcapng.txt" || fail "decode $pcapng"
diff "$outdir/$name.decode.pcap.txt" "$outdir/$name.decode.pcapng.txt" ||
  fail "$capture and $pcapng decode differently"

renumbered=0
for file in "$capture" "$pcapng"; do
  frames=$(tshark -r "$file" 2>/dev/null | wc -l)
  decoded=$("$wirestack" decode "$file" | wc -l)
  [ "$frames" -gt 0 ] || fail "tshark reads no frames from $file"
  [ "$decoded" = "$frames" ] || fail "$file: decode printed $decoded frames, tshark $frames"
  echo "ok: $file: $decoded frames"

  # BPF filter|the equivalent tshark display filter. BPF's "host" also
  # matches ARP's sender address.
  while IFS='|' read -r bpf display; do
    ws_out=$("$wirestack" decode -f "$bpf" "$file") || fail "decode -f '$bpf' $file"
    ws_numbers=$(printf '%s\n' "$ws_out" | awk 'NF { print $1 }' | joined)
    ts_numbers=$(tshark -r "$file" -Y "$display" -T fields -e frame.number 2>/dev/null | joined)
    [ -n "$ws_numbers" ] || fail "$file: '$bpf' selects no frame (choose filters that select some)"
    [ "$ws_numbers" = "$ts_numbers" ] ||
      fail "$file: decode -f '$bpf' printed frames [$ws_numbers], tshark -Y '$display' [$ts_numbers]"
    ws_times=$(printf '%s\n' "$ws_out" | awk 'NF { print $2 }' | joined)
    td_times=$(tcpdump -r "$file" -n -tt "$bpf" 2>/dev/null | awk '{ print $1 }' | joined)
    [ "$ws_times" = "$td_times" ] ||
      fail "$file: decode -f '$bpf' selected frames at [$ws_times], tcpdump at [$td_times]"
    count=$(printf '%s\n' "$ws_numbers" | wc -w)
    [ "$ws_numbers" = "$(seq 1 "$count" | joined)" ] || renumbered=1
    echo "ok: $file: -f '$bpf': frames $ws_numbers"
  done <<EOF
tcp port 8000|tcp.port == 8000
arp|arp
tcp[tcpflags] & tcp-syn != 0|tcp.flags.syn == 1
src host $host|ip.src == $host or arp.src.proto_ipv4 == $host
ether broadcast|eth.dst == ff:ff:ff:ff:ff:ff
EOF
done
# Some filter must skip frames at the start, or numbering by position in
# the file and numbering the selected frames could not be told apart.
[ "$renumbered" = 1 ] || fail "no filter selected frames other than 1..N"
echo "OK: $capture and its pcapng: decode agrees with tshark and tcpdump"
