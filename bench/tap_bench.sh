#!/usr/bin/env bash
# tap_bench.sh [BYTES] — bulk TCP throughput between wirestack and the Linux
# kernel over a TAP device, next to Linux <-> Linux over a veth pair, with
# the same bytes and the same tools, measured in the same run.
#
#   Linux -> Linux      veth pair between two namespaces (MTU 1500)
#                       once as configured (TSO/GSO/GRO on) and once with
#                       the offloads off (every segment at most one MTU,
#                       like the plain TAP)
#   Linux -> wirestack  head -c BYTES /dev/zero | socat -u -b 262144 STDIN TCP:...
#                       into `wirestack nc -l PORT </dev/null | wc -c`
#   wirestack -> Linux  head -c BYTES /dev/zero | wirestack nc 192.0.2.1 PORT
#                       into `socat -u -b 262144 TCP-LISTEN:PORT STDOUT | wc -c`
#
# The clock runs from the sender's start to the receiver's exit (it exits
# after the sender's FIN, i.e. after every byte arrived), and the receiver
# counts the bytes: a short count is a failure, not a figure. The Linux
# reference uses the same socat sender and the same socat | wc receiver
# (socat with 256 KiB buffers: with its default 8 KiB, socat itself is the
# bottleneck of the veth rows).
#
# BYTES: default 200 MiB (or TAP_BENCH_BYTES). Needs root, /dev/net/tun and
# socat; exits 77 with "SKIP: ..." otherwise. Without the wirestack `nc`
# subcommand only the reference rows are measured.
# WIRESTACK: the binary (default build/tools/wirestack).
# The figures share the machine's CPUs with whatever else runs: compare the
# rows of one run, not runs on different days.

source "$(dirname "${BASH_SOURCE[0]}")/../tests/interop/lib.sh" || exit 1

BYTES=${1:-${TAP_BENCH_BYTES:-$((200 * 1024 * 1024))}}
PORT=5001
XFER_TIMEOUT=${TAP_BENCH_TIMEOUT:-600}

require_root_tun
require_cmd socat head wc timeout
lab_setup tap_bench

have_wirestack=1
if [ ! -x "$WIRESTACK" ] || ! "$WIRESTACK" --help 2>&1 | grep -Eq '^[[:space:]]+nc([[:space:]]|$)'; then
  have_wirestack=0
fi

# The reference: two namespaces joined by a veth pair, 198.51.100.0/24.
lab_add_ns veth_a; NSA=$LAB_ADDED_NS
lab_add_ns veth_b; NSB=$LAB_ADDED_NS
ip -n "$NSA" link add wsva type veth peer name wsvb netns "$NSB" || die "veth pair"
ip -n "$NSA" addr add 198.51.100.1/24 dev wsva
ip -n "$NSB" addr add 198.51.100.2/24 dev wsvb
ip -n "$NSA" link set wsva up
ip -n "$NSB" link set wsvb up

RESULT_SECONDS=""
# xfer RECV_NS "RECV_CMD" SEND_NS "SEND_CMD": runs the receiver (its stdout
# must be the byte count) in the background and the sender in the
# foreground; sets RESULT_SECONDS, or returns 1.
xfer() {
  local rns=$1 rcmd=$2 sns=$3 scmd=$4 count="$LAB_DIR/count" t0 t1 rc got
  rm -f "$count"
  start_bg_ns "$rns" timeout "$XFER_TIMEOUT" sh -c "$rcmd" >"$count" 2>"$LAB_DIR/recv.err" </dev/null
  local rpid=$LAB_LAST_PID
  sleep 0.3   # let the receiver listen (the wirestack sender retries anyway)
  t0=$(now)
  ip netns exec "$sns" timeout "$XFER_TIMEOUT" sh -c "$scmd" </dev/null 2>"$LAB_DIR/send.err"
  rc=$?
  wait "$rpid"
  local rrc=$?
  t1=$(now)
  got=$(tr -d ' \n' <"$count" 2>/dev/null)
  if [ "$rc" != 0 ] || [ "$rrc" != 0 ] || [ "$got" != "$BYTES" ]; then
    log "    transfer failed: sender exit $rc, receiver exit $rrc, $got of $BYTES bytes"
    sed 's/^/    sender: /' "$LAB_DIR/send.err" | head -5
    sed 's/^/    receiver: /' "$LAB_DIR/recv.err" | head -5
    return 1
  fi
  RESULT_SECONDS=$(elapsed "$t0" "$t1")
}

declare -A MBPS
row() { # row KEY LABEL
  local key=$1 label=$2
  MBPS[$key]=$(mbits "$BYTES" "$RESULT_SECONDS")
  printf '  %-34s %10s Mbit/s  %8s s\n' "$label" "${MBPS[$key]}" "$RESULT_SECONDS"
}

LINUX_RECV="socat -u -b 262144 TCP-LISTEN:$PORT,reuseaddr STDOUT | wc -c"
linux_send() { echo "head -c $BYTES /dev/zero | socat -u -b 262144 STDIN TCP:$1:$PORT,retry=100,interval=0.1"; }

log "tap_bench: $BYTES bytes per transfer, MTU 1500, $(nproc) CPU(s), load $(cut -d' ' -f1-3 /proc/loadavg)"
rc=0
if xfer "$NSB" "$LINUX_RECV" "$NSA" "$(linux_send 198.51.100.2)"; then
  row veth "Linux -> Linux (veth)"
else rc=1; fi
if command -v ethtool >/dev/null 2>&1; then
  ip netns exec "$NSA" ethtool -K wsva tso off gso off gro off >/dev/null 2>&1
  ip netns exec "$NSB" ethtool -K wsvb tso off gso off gro off >/dev/null 2>&1
  if xfer "$NSB" "$LINUX_RECV" "$NSA" "$(linux_send 198.51.100.2)"; then
    row veth_nooff "Linux -> Linux (veth, no offloads)"
  else rc=1; fi
fi

WS_COMMON="--tap $LAB_TAP --ip $LAB_WS_IP/$LAB_PREFIX --mac $LAB_WS_MAC"
if [ "$have_wirestack" = 1 ]; then
  # Each way on a plain TAP (--offload off: every segment one frame, every
  # checksum in software), then with virtio-net offloads (--offload on: the
  # kernel hands wirestack its TSO super-packets and partial checksums, and
  # completes wirestack's; wirestack itself does not send super-segments yet).
  for mode in off on; do
    suffix=""; label=""
    if [ "$mode" = on ]; then suffix="_off"; label=", offloads"; fi
    if xfer "$LAB_NS" "'$WIRESTACK' nc $WS_COMMON --offload $mode -l $PORT </dev/null | wc -c" \
            "$LAB_NS" "$(linux_send "$LAB_WS_IP")"; then
      row "to_ws$suffix" "Linux -> wirestack (TAP$label)"
    else rc=1; fi
    if xfer "$LAB_NS" "$LINUX_RECV" \
            "$LAB_NS" "head -c $BYTES /dev/zero | '$WIRESTACK' nc $WS_COMMON --offload $mode $LAB_LINUX_IP $PORT"; then
      row "from_ws$suffix" "wirestack -> Linux (TAP$label)"
    else rc=1; fi
  done
  read -r rxd txd <<<"$(tap_drops)"
  log "  TAP drops on the Linux side: rx $rxd, tx $txd"
  for key in to_ws from_ws to_ws_off from_ws_off; do
    [ -n "${MBPS[$key]:-}" ] || continue
    for ref in veth veth_nooff; do
      [ -n "${MBPS[$ref]:-}" ] || continue
      printf '  ratio %-8s / %-11s %6.1f %%\n' "$key" "$ref" \
        "$(awk -v a="${MBPS[$key]}" -v b="${MBPS[$ref]}" 'BEGIN { print (b > 0 ? 100 * a / b : 0) }')"
    done
  done
else
  log "  wirestack rows skipped: $WIRESTACK has no 'nc' subcommand"
fi
exit "$rc"
