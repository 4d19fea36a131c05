#!/bin/sh
# Usage: tshark_check.sh FILE [EXPECTED_FRAMES|-] [EXTRA TSHARK ARGS...]
# Decodes FILE with tshark, verifying IP/TCP/UDP/ICMP checksums, and fails
# on any malformed packet, bad checksum or expert error. Exit 77 (skipped)
# when tshark is not installed.
set -eu
file=$1
expected=${2:--}
shift; [ $# -gt 0 ] && shift
# Extra arguments, e.g. "--disable-protocol rtcp" for captures whose random
# payloads would otherwise be judged by application-layer dissectors.
if ! command -v tshark >/dev/null 2>&1; then
  echo "SKIP: tshark not installed"
  exit 77
fi
[ -s "$file" ] || { echo "FAIL: $file missing or empty"; exit 1; }
out=$(tshark -r "$file" -V "$@" -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE \
        -o udp.check_checksum:TRUE 2>&1) || { echo "$out" | tail -20; echo "FAIL: tshark exited non-zero"; exit 1; }
bad=$(printf '%s\n' "$out" | grep -E -i 'malformed|\[bad|incorrect|checksum status: bad|expert info \(error' || true)
if [ -n "$bad" ]; then
  printf '%s\n' "$bad" | head -20
  echo "FAIL: tshark reports problems in $file"
  exit 1
fi
frames=$(printf '%s\n' "$out" | grep -c '^Frame [0-9]*:' || true)
if [ "$expected" != "-" ] && [ "$frames" != "$expected" ]; then
  echo "FAIL: expected $expected frames, tshark decoded $frames"
  exit 1
fi
good=$(printf '%s\n' "$out" | grep -c -i 'status: good' || true)
echo "OK: $file: $frames frames decoded, $good checksums verified good"
