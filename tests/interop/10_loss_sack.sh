#!/usr/bin/env bash
# 10_loss_sack.sh — loss recovery against Linux: 100 MiB each way with
# `--loss 0.02` on wirestack (2 % of the frames dropped in each direction
# inside wirestack's driver, seeded: src/runtime/frame_loss.hpp), next to
# the same transfer without loss.
#   A. wirestack -> Linux: `wirestack serve http` serves a 100 MiB random
#      file, Linux curl downloads it. SHA-256 equal.
#   B. Linux -> wirestack: Linux `socat -u OPEN:FILE TCP:...` sends 100 MiB
#      to `wirestack nc -l`, which writes it out. SHA-256 equal.
# Each runs without loss, then with --loss 0.02 --seed $SEED. The goodputs
# (100 MiB over the time from the SYN to the receiver's ACK of the last
# byte, from wirestack's capture) are printed side by side with their
# ratio. From the lossy captures (tshark): SACK blocks (RFC 2018, option
# kind 5) in segments from Linux (A: its ACKs report what wirestack's
# dropped frames left out) and from wirestack (B: its ACKs report what its
# dropped inbound frames left out). Printed for every run: the segments
# and blocks of SACK from each side, tshark's retransmissions of the
# sender, stalls of >= 150 ms (retransmission timeouts) and how many of
# them were caused by a lost ACK, wirestack's drops (--loss) and its TCP
# counters (--tcp-stats). A (loss) also checks that wirestack resends
# selectively: fewer than 2 segments per frame dropped on the way out.
#
# Where the drops show in the capture (src/runtime/realtime_loop.cpp): a
# frame wirestack sends is dropped before it is recorded; a frame from
# Linux is recorded, then dropped. So tshark sees gaps in wirestack's
# stream and repeats in Linux's. The warnings the drops explain
# (LOSS_WARNINGS_A/B below) are allowed in the lossy captures only; every
# capture allows what any bulk transfer may show (allowed_for_bulk in
# lib.sh: D-SACKs, and lost segments when the TAP's own drop counters
# explain them), as 02 and 03 do. Captures use --snaplen 128 (headers
# only).
#
# Environment: LOSS_SACK_SEED (default 1) replays another seed,
# LOSS_SACK_MIB (default 100) sets the size each way; `make test` (ctest)
# runs it with LOSS_SACK_MIB=25 (about 375 drops each way: the same checks,
# a quarter of the capture for tshark).
source "$(dirname "$0")/lib.sh" || exit 1
require_root_tun
require_cmd curl socat tshark sha256sum
require_wirestack serve nc
lab_setup loss_sack

LOSS=0.02
SEED=${LOSS_SACK_SEED:-1}
MIB=${LOSS_SACK_MIB:-100}
SIZE=$((MIB * 1024 * 1024))
www="$LAB_DIR/www"
mkdir -p "$www"
head -c "$SIZE" /dev/urandom >"$www/bulk.bin"
src_sha=$(sha "$www/bulk.bin")
log "    --loss $LOSS --seed $SEED; $SIZE bytes each way"

# What the drops explain in wirestack's capture (see above), per run:
#   A: gaps in wirestack's stream and the resends that fill them later;
#   B: Linux's resends filling the gaps; while a hole is open Linux sends
#      up to the right edge of wirestack's window (window full), and the
#      resend that fills it hands the whole window to nc at once, so the ACK
#      for it may advertise a zero window until nc has read (a window
#      update follows).
LOSS_WARNINGS_A=('Previous segment.* not captured' 'suspected. out-of-order')
LOSS_WARNINGS_B=('suspected. out-of-order' 'TCP Zero Window segment'
                 'window specified by the receiver is now completely full')
# In every run, allowed_for_bulk (lib.sh) allows D-SACKs too: with loss,
# a resend after a timeout whose cause was a lost ACK; without loss,
# Linux's tail loss probe when wirestack was slow to read the TAP.

# check_run_pcap FILE [ALLOWED...]: check_pcap with what a bulk transfer
# may show (allowed_for_bulk) and ALLOWED.
check_run_pcap() {
  local file=$1 allowed; shift
  mapfile -t allowed < <(allowed_for_bulk)
  check_pcap "$file" "${allowed[@]}" "$@"
}

# analyse FILE SENDER: one tshark pass over a capture; prints one line
#   syn_s done_s sack_ws_segs sack_ws_blocks sack_lx_segs sack_lx_blocks
#   rtx fast spurious ooo stalls stall_s stalls_acked stalls_acked_s
# done_s: the receiver's first ACK of the sender's last byte (seconds into
# the capture); rtx..ooo: tshark's analysis of SENDER's segments; stalls:
# gaps of >= 150 ms between frames from the SYN to done_s (the RTO is at
# least 200 ms from when its timer starts, docs/architecture.md "tcp/");
# stalls_acked: those ended by a resend of a segment that the receiver had
# already acknowledged in an ACK of the capture (the ACK did not reach the
# sender: the timeout was caused by a lost ACK, not by lost data).
analyse() {
  tshark -n -r "$1" -Y tcp -T fields -E separator=/t -E occurrence=a -E aggregator=, \
    -e frame.time_relative -e ip.src -e tcp.flags.syn -e tcp.seq -e tcp.len -e tcp.ack \
    -e tcp.options.sack_le -e tcp.analysis.retransmission -e tcp.analysis.fast_retransmission \
    -e tcp.analysis.spurious_retransmission -e tcp.analysis.out_of_order 2>/dev/null |
  awk -F'\t' -v snd="$2" -v ws="$LAB_WS_IP" '
    { t[NR] = $1; src[NR] = $2; seq[NR] = $4; len[NR] = $5; ack[NR] = $6
      if ($3 == 1 && syn == "") syn = $1
      if ($7 != "") { nb = split($7, x, ","); if ($2 == ws) { wss++; wsb += nb } else { lxs++; lxb += nb } }
      if ($2 == snd) {
        if ($5 > 0 && $4 + $5 > end) end = $4 + $5
        rtx += ($8 != ""); fast += ($9 != ""); spur += ($10 != ""); ooo += ($11 != "")
      }
    }
    END {
      for (i = 1; i <= NR && done == ""; i++) if (src[i] != snd && ack[i] + 0 >= end) done = t[i]
      for (i = 2; i <= NR && t[i] <= done; i++) {
        if (src[i] != snd) { if (ack[i] + 0 > acked) acked = ack[i] + 0; continue }
        gap = t[i] - t[i - 1]
        if (t[i - 1] < syn || gap < 0.15) continue
        ns++; st += gap
        if (len[i] > 0 && seq[i] + 0 < acked) { na++; sa += gap }
      }
      printf "%s %s %d %d %d %d %d %d %d %d %d %.1f %d %.1f\n", syn, done, wss, wsb, lxs, lxb,
        rtx, fast, spur, ooo, ns, st, na, sa
    }'
}

# report LABEL FILE SENDER: prints what analyse found and sets R_SECS
# (SYN to the last byte's ACK), R_WS_SACK, R_LX_SACK.
report() {
  local label=$1 syn fin wss wsb lxs lxb rtx fast spur ooo ns st na sa
  read -r syn fin wss wsb lxs lxb rtx fast spur ooo ns st na sa <<<"$(analyse "$2" "$3")"
  R_SECS=$(awk -v a="$syn" -v b="$fin" 'BEGIN { if (a == "" || b == "") print 0; else printf "%.3f", b - a }')
  R_WS_SACK=${wss:-0} R_LX_SACK=${lxs:-0}
  log "    $label: SACK blocks from wirestack: $wss segments, $wsb blocks; from Linux: $lxs segments, $lxb blocks"
  log "    $label: tshark on the sender's ($3) segments: $rtx retransmissions ($fast fast, $spur spurious), $ooo out-of-order"
  log "    $label: $ns stall(s) of >= 150 ms, $st s in all; $na of them ($sa s) ended by resending a segment the receiver had already ACKed (its ACK was lost)"
  log "    $label: SYN to the ACK of the last byte: ${R_SECS}s"
}

# A: `serve http` -> curl. LABEL is clean or loss; the rest are
# wirestack's extra options. Sets A_MBITS, A_SECS.
run_http() {
  local label=$1; shift
  local pcap="$LAB_OUT/http_$label.pcap" err="$LAB_OUT/serve_$label.err"
  log "== A ($label): wirestack serve http -> Linux curl, $MIB MiB ${*:-(no loss)}"
  serve_start http "$www" --port 80 --quiet --tcp-stats --pcap "$pcap" --snaplen 128 "$@" ||
    die "serve http did not start"
  local w code size speed secs
  w=$(in_ns curl -sS --max-time 200 -o "$LAB_DIR/curl.out" \
        -w '%{http_code} %{size_download} %{speed_download} %{time_total}' "http://$LAB_WS_IP/bulk.bin" 2>&1)
  read -r code size speed secs <<<"$w"
  log "    curl: $w (code, bytes, bytes/s, seconds)"
  serve_stop
  cp "$SERVE_ERR" "$err"
  grep '^wirestack: ' "$err" | sed 's/^/    /'
  check "A ($label): HTTP 200 ($code)" [ "$code" = 200 ]
  check "A ($label): SHA-256 equal (${size:-0} bytes)" [ "$(sha "$LAB_DIR/curl.out")" = "$src_sha" ]
  rm -f "$LAB_DIR/curl.out"
  report "A ($label)" "$pcap" "$LAB_WS_IP"
  A_SECS=$R_SECS A_MBITS=$(mbits "$SIZE" "$R_SECS")
  log "    goodput wirestack -> Linux ($label): $A_MBITS Mbit/s (curl: $(mbits "${speed:-0}" 1) Mbit/s in ${secs:-?}s)"
  if [ "$label" = loss ]; then
    check "A (loss): SACK blocks in segments from Linux ($R_LX_SACK)" [ "$R_LX_SACK" -gt 0 ]
    # Selective: about one resend per frame dropped on the way out (plus
    # one per timeout after a lost ACK), not go-back-N.
    local dropped resent
    dropped=$(sed -n 's/.* \([0-9]*\) of [0-9]* to it .*/\1/p' "$err")
    resent=$(sed -n 's/.* retransmitted_segments \([0-9]*\).*/\1/p' "$err")
    check "A (loss): wirestack resent ${resent:-?} segments for ${dropped:-?} frames dropped on the way out (fewer than 2 per drop)" \
      [ "${resent:-0}" -gt 0 -a "${resent:-0}" -lt $((2 * ${dropped:-0})) ]
    check_run_pcap "$pcap" "${LOSS_WARNINGS_A[@]}"
  else
    check_run_pcap "$pcap"
  fi
}

# B: Linux socat -> `nc -l`. Sets B_MBITS, B_SECS.
run_nc() {
  local label=$1; shift
  local pcap="$LAB_OUT/nc_$label.pcap" err="$LAB_OUT/nc_$label.err"
  log "== B ($label): Linux socat -> wirestack nc -l, $MIB MiB ${*:-(no loss)}"
  ws_bg nc -l 5000 --tcp-stats --pcap "$pcap" --snaplen 128 "$@" \
    </dev/null >"$LAB_DIR/ws_recv" 2>"$err"
  local ws_pid=$LAB_LAST_PID rc src t0 t1
  wait_for_line "$err" '^listening on' 15 "$ws_pid" || die "wirestack nc -l did not listen"
  t0=$(now)
  in_ns timeout 200 socat -u "OPEN:$www/bulk.bin" "TCP:$LAB_WS_IP:5000" 2>"$LAB_OUT/socat_$label.err" </dev/null
  src=$?
  wait_bg "$ws_pid" 200; rc=$?
  t1=$(now)
  grep '^wirestack: ' "$err" | sed 's/^/    /'
  check "B ($label): Linux socat exits 0 (exit $src)" [ "$src" = 0 ]
  check "B ($label): wirestack nc -l exits 0 (exit $rc)" [ "$rc" = 0 ]
  check "B ($label): SHA-256 equal ($(stat -c %s "$LAB_DIR/ws_recv") bytes)" [ "$(sha "$LAB_DIR/ws_recv")" = "$src_sha" ]
  rm -f "$LAB_DIR/ws_recv"
  report "B ($label)" "$pcap" "$LAB_LINUX_IP"
  B_SECS=$R_SECS B_MBITS=$(mbits "$SIZE" "$R_SECS")
  log "    goodput Linux -> wirestack ($label): $B_MBITS Mbit/s (until nc exited: $(elapsed "$t0" "$t1")s)"
  if [ "$label" = loss ]; then
    check "B (loss): SACK blocks in segments from wirestack ($R_WS_SACK)" [ "$R_WS_SACK" -gt 0 ]
    check_run_pcap "$pcap" "${LOSS_WARNINGS_B[@]}"
  else
    check_run_pcap "$pcap"
  fi
}

run_http clean
a_clean=$A_MBITS a_clean_s=$A_SECS
run_http loss --loss "$LOSS" --seed "$SEED"
a_loss=$A_MBITS a_loss_s=$A_SECS
run_nc clean
b_clean=$B_MBITS b_clean_s=$B_SECS
run_nc loss --loss "$LOSS" --seed "$SEED"
b_loss=$B_MBITS b_loss_s=$B_SECS

# Goodput: $MIB MiB over the time from the SYN to the receiver's ACK of the
# last byte, both taken from wirestack's capture.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b <= 0) print "-"; else printf "%.2f", a / b }'; }
log "== goodput of $MIB MiB, SYN to the ACK of the last byte (Mbit/s, seconds)"
log "$(printf '    %-40s %-20s %-26s %s' "" "no loss" "--loss $LOSS --seed $SEED" "ratio")"
log "$(printf '    %-40s %-20s %-26s %s' "A wirestack -> Linux (serve http, curl)" \
  "$a_clean (${a_clean_s}s)" "$a_loss (${a_loss_s}s)" "$(ratio "$a_loss" "$a_clean")")"
log "$(printf '    %-40s %-20s %-26s %s' "B Linux -> wirestack (socat, nc -l)" \
  "$b_clean (${b_clean_s}s)" "$b_loss (${b_loss_s}s)" "$(ratio "$b_loss" "$b_clean")")"

finish
