# shellcheck shell=bash
# Helpers for the interop tests: wirestack on a TAP device against the Linux
# kernel, inside a network namespace of the test's own. Sourced by
# tests/interop/NN_*.sh and bench/tap_bench.sh (bash only).
#
# The lab (lab_setup NAME):
#
#   namespace wsi-NAME-PID  (lo up, IPv6 off, no route out of it)
#     wstap0  TAP, link up; Linux side 192.0.2.1/24
#             wirestack attaches to it with --tap wstap0 --ip 192.0.2.2/24
#             --mac 02:00:c0:00:02:02
#
# Everything a test starts goes through start_bg (PID recorded) or in_ns
# (foreground); the EXIT/INT/TERM trap stops the recorded processes by PID,
# then any process still inside the test's own namespace (by PID), deletes
# the TAP and the namespace, and removes the scratch directory.
#
# Exit codes: 0 pass, 1 fail, 77 skip (CTest SKIP_RETURN_CODE).
#
# Environment:
#   WIRESTACK    the binary (default: build/tools/wirestack in the repo)
#   INTEROP_OUT  directory for captures and logs that are kept after the run
#                (in INTEROP_OUT/NAME; default: the scratch directory,
#                removed at exit). On a pass, captures over 5 MB are
#                deleted unless INTEROP_KEEP=1.
#   INTEROP_TMP  where the scratch directory is made (default: $TMPDIR or /tmp)

WS_REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WIRESTACK=${WIRESTACK:-$WS_REPO_ROOT/build/tools/wirestack}

LAB_LINUX_IP=192.0.2.1
LAB_WS_IP=192.0.2.2
LAB_PREFIX=24
LAB_TAP=wstap0
LAB_WS_MAC=02:00:c0:00:02:02

LAB_NS=""          # the namespace (set by lab_setup)
LAB_EXTRA_NS=()    # more namespaces to delete at exit (lab_add_ns)
LAB_DIR=""         # scratch directory, removed at exit
LAB_OUT=""         # captures and logs (INTEROP_OUT or LAB_DIR)
LAB_PIDS=()        # processes started by start_bg
LAB_LAST_PID=""
LAB_FAILS=0
LAB_CLEANED=0
LAB_MAIN_PID=""

log() { printf '%s\n' "$*"; }
skip() { log "SKIP: $*"; exit 77; }
pass() { log "  ok    $*"; }
fail() { log "  FAIL  $*"; LAB_FAILS=$((LAB_FAILS + 1)); }
die() { log "FAIL: $*"; exit 1; }

# check DESCRIPTION CMD...: runs CMD; pass or fail with DESCRIPTION.
check() {
  local what=$1; shift
  if "$@"; then pass "$what"; else fail "$what"; fi
}

# not CMD...: succeeds when CMD fails (for check: `check "..." not grep ...`).
not() { ! "$@"; }

# finish: exit 0 when no check failed, else 1.
# On a pass, captures over 5 MB are deleted from INTEROP_OUT (unless
# INTEROP_KEEP=1); on a failure everything is kept.
finish() {
  if [ "$LAB_FAILS" -eq 0 ]; then
    if [ -n "${INTEROP_OUT:-}" ] && [ "${INTEROP_KEEP:-0}" != 1 ]; then
      find "$LAB_OUT" -maxdepth 1 -name '*.pcap' -size +5M -delete 2>/dev/null
    fi
    log "PASS: $(basename "$0")"
    exit 0
  fi
  log "FAIL: $(basename "$0"): $LAB_FAILS check(s) failed (captures and logs: $LAB_OUT)"
  exit 1
}

# require_root_tun: skip (77) unless this is root with /dev/net/tun and
# network namespaces work.
require_root_tun() {
  [ "$(id -u)" = 0 ] || skip "needs root (network namespaces and a TAP device)"
  [ -c /dev/net/tun ] || skip "no /dev/net/tun"
  command -v ip >/dev/null 2>&1 || skip "no ip command (iproute2)"
  local probe="wsi-probe-$$"
  ip netns add "$probe" >/dev/null 2>&1 || skip "cannot create a network namespace (ip netns add)"
  if ! ip netns exec "$probe" ip tuntap add dev wsprobe mode tap >/dev/null 2>&1; then
    ip netns del "$probe" >/dev/null 2>&1
    skip "cannot create a TAP device in a network namespace"
  fi
  ip netns del "$probe" >/dev/null 2>&1
}

# require_cmd CMD...: skip unless every command is installed.
require_cmd() {
  local c
  for c in "$@"; do
    command -v "$c" >/dev/null 2>&1 || skip "$c is not installed"
  done
}

# require_wirestack SUBCOMMAND...: fail if the binary is missing or lacks
# one of the subcommands (a missing command is a regression, not a skip).
require_wirestack() {
  [ -x "$WIRESTACK" ] || die "wirestack binary not found: $WIRESTACK (set WIRESTACK)"
  local help sub
  help=$("$WIRESTACK" --help 2>&1)
  for sub in "$@"; do
    printf '%s\n' "$help" | grep -Eq "^[[:space:]]+$sub([[:space:]]|$)" ||
      die "$WIRESTACK has no '$sub' subcommand"
  done
}

# lab_setup NAME: the namespace, the TAP with the Linux address, the cleanup
# trap, the scratch and output directories.
lab_setup() {
  local name=$1
  LAB_NS="wsi-$name-$$"
  LAB_DIR=$(mktemp -d "${INTEROP_TMP:-${TMPDIR:-/tmp}}/ws-interop-$name.XXXXXX") || die "mktemp failed"
  if [ -n "${INTEROP_OUT:-}" ]; then
    LAB_OUT="$INTEROP_OUT/$name"
    rm -rf "$LAB_OUT"
    mkdir -p "$LAB_OUT" || die "cannot create $LAB_OUT"
  else
    LAB_OUT=$LAB_DIR
  fi
  LAB_MAIN_PID=$BASHPID
  trap lab_cleanup EXIT
  trap 'log "interrupted"; lab_cleanup; exit 130' INT
  trap 'log "terminated"; lab_cleanup; exit 143' TERM
  lab_sweep_stale
  ip netns add "$LAB_NS" || die "ip netns add $LAB_NS failed"
  in_ns ip link set lo up || die "lo up failed"
  # No IPv6 chatter (router solicitations, MLD) on the wire.
  in_ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 >/dev/null 2>&1
  in_ns ip tuntap add dev "$LAB_TAP" mode tap || die "ip tuntap add $LAB_TAP failed"
  in_ns ip addr add "$LAB_LINUX_IP/$LAB_PREFIX" dev "$LAB_TAP" || die "ip addr add failed"
  in_ns ip link set "$LAB_TAP" up || die "ip link set $LAB_TAP up failed"
  log "lab: namespace $LAB_NS, $LAB_TAP: Linux $LAB_LINUX_IP/$LAB_PREFIX, wirestack $LAB_WS_IP ($LAB_WS_MAC); output in $LAB_OUT"
}

# lab_sweep_stale: deletes namespaces these scripts left behind when they
# were killed with SIGKILL (no trap runs then, e.g. a CTest timeout): names
# wsi-NAME-PID whose PID is gone.
lab_sweep_stale() {
  local ns pid p
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E '^wsi-[a-z0-9_]+-[0-9]+$'); do
    pid=${ns##*-}
    kill -0 "$pid" 2>/dev/null && continue
    log "removing stale namespace $ns (its script, PID $pid, is gone)"
    for p in $(ip netns pids "$ns" 2>/dev/null); do _lab_kill_pid "$p"; done
    ip netns del "$ns" 2>/dev/null
  done
}

# lab_add_ns NAME: another namespace of this test (e.g. for a veth pair),
# deleted at exit like the main one; its name is left in LAB_ADDED_NS.
# (Call it directly, not in $(...): the list of namespaces must be kept.)
lab_add_ns() {
  local ns="wsi-$1-$$"
  ip netns add "$ns" || die "ip netns add $ns failed"
  LAB_EXTRA_NS+=("$ns")
  ip netns exec "$ns" ip link set lo up
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 >/dev/null 2>&1
  # shellcheck disable=SC2034  # read by the caller
  LAB_ADDED_NS=$ns
}

# _lab_is_child PID: PID is (still) a child of this script. Bash reaps
# finished children by itself, after which their PID may be reused: a PID
# is only signalled while it is still ours.
_lab_is_child() {
  [ "$(ps -o ppid= -p "$1" 2>/dev/null | tr -d ' ')" = "$LAB_MAIN_PID" ]
}

# Stops one process by PID: SIGTERM, up to ~5 s, then SIGKILL.
_lab_kill_pid() {
  local pid=$1
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null
  for _ in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || return 0
    # A zombie child of ours counts as gone.
    [ "$(ps -o stat= -p "$pid" 2>/dev/null | cut -c1)" = Z ] && return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null
}

_lab_kill_ns_pids() {
  local ns=$1 pid
  for pid in $(ip netns pids "$ns" 2>/dev/null); do _lab_kill_pid "$pid"; done
}

lab_cleanup() {
  local rc=$?
  [ "$LAB_CLEANED" = 1 ] && return
  [ "$BASHPID" = "$LAB_MAIN_PID" ] || return   # never in a subshell
  LAB_CLEANED=1
  trap - INT TERM
  local pid ns
  for pid in "${LAB_PIDS[@]}"; do
    _lab_is_child "$pid" && _lab_kill_pid "$pid"
  done
  for ns in "$LAB_NS" "${LAB_EXTRA_NS[@]}"; do
    [ -n "$ns" ] || continue
    ip netns list 2>/dev/null | grep -qw "^$ns" || continue
    _lab_kill_ns_pids "$ns"   # anything left that ran inside our namespace
    ip -n "$ns" link del "$LAB_TAP" >/dev/null 2>&1
    ip netns del "$ns" 2>/dev/null || log "warning: could not delete namespace $ns"
  done
  [ -n "$LAB_DIR" ] && rm -rf "$LAB_DIR"
  return "$rc"
}

# in_ns CMD...: runs CMD inside the lab namespace (foreground).
in_ns() { ip netns exec "$LAB_NS" "$@"; }

# start_bg CMD...: starts CMD in the background inside the lab namespace and
# records its PID (also in LAB_LAST_PID). Redirect it as a whole:
#   start_bg socat -u TCP-LISTEN:9000 - >"$LAB_OUT/recv" 2>"$LAB_OUT/socat.err"
# stdin is the caller's (not /dev/null), so `start_bg ... <fifo` works.
start_bg() { start_bg_ns "$LAB_NS" "$@" <&0; }

# start_bg_ns NS CMD...: the same in another namespace of this test.
start_bg_ns() {
  local ns=$1; shift
  # With an EXIT trap set, bash runs a background command in a bash child
  # that waits for it (so that the trap can run there): $! would be that
  # wrapper, not the program. Without the trap for the moment of the fork,
  # the child execs the program and $! is its PID.
  trap - EXIT
  ip netns exec "$ns" "$@" <&0 &
  LAB_LAST_PID=$!
  trap lab_cleanup EXIT
  LAB_PIDS+=("$LAB_LAST_PID")
}

# start_bg_stdin FILE CMD...: like start_bg with stdin from FILE, opened by
# the child itself. For a FIFO this matters: opening it blocks until the
# other end is opened, and must not block this shell.
start_bg_stdin() {
  local file=$1; shift
  # shellcheck disable=SC2016  # expanded by the child's sh
  start_bg sh -c 'f=$1; shift; exec "$@" <"$f"' sh "$file" "$@"
}

# stop_bg PID: SIGTERM, wait for it, return its exit status (>128: signal,
# 137: it had to be killed after 10 s).
stop_bg() {
  local pid=$1
  _lab_is_child "$pid" && kill -TERM "$pid" 2>/dev/null
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || break
    [ "$(ps -o stat= -p "$pid" 2>/dev/null | cut -c1)" = Z ] && break
    sleep 0.1
  done
  _lab_is_child "$pid" && [ "$(ps -o stat= -p "$pid" 2>/dev/null | cut -c1)" != Z ] && kill -KILL "$pid"
  wait "$pid"
}

# wait_bg PID TIMEOUT: waits for a start_bg process and returns its exit
# status; after TIMEOUT seconds it is stopped (SIGTERM, then SIGKILL) and
# wait_bg returns 124, like timeout(1).
wait_bg() {
  local pid=$1 timeout=$2 deadline
  deadline=$((SECONDS + timeout))
  while kill -0 "$pid" 2>/dev/null && [ "$(ps -o stat= -p "$pid" 2>/dev/null | cut -c1)" != Z ]; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "  process $pid still running after ${timeout}s: stopping it"
      _lab_is_child "$pid" && _lab_kill_pid "$pid"
      wait "$pid" 2>/dev/null
      return 124
    fi
    sleep 0.1
  done
  wait "$pid"
}

# wait_for_line FILE PATTERN TIMEOUT [PID]: waits until FILE has a line
# matching the extended regex PATTERN; 1 on timeout or when PID has exited.
wait_for_line() {
  local file=$1 pattern=$2 timeout=$3 pid=${4:-}
  local deadline=$((SECONDS + timeout))
  while [ "$SECONDS" -le "$deadline" ]; do
    [ -f "$file" ] && grep -Eq -- "$pattern" "$file" && return 0
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
      [ -f "$file" ] && grep -Eq -- "$pattern" "$file" && return 0
      log "  process $pid exited before printing /$pattern/ in $file"
      return 1
    fi
    sleep 0.1
  done
  log "  timeout (${timeout}s) waiting for /$pattern/ in $file"
  return 1
}

# wait_for_port PORT [TIMEOUT] [tcp|udp]: waits until a Linux socket listens on
# PORT inside the namespace.
wait_for_port() {
  local port=$1 timeout=${2:-10} proto=${3:-tcp} deadline
  deadline=$((SECONDS + timeout))
  local flag=-ltn; [ "$proto" = udp ] && flag=-lun
  while [ "$SECONDS" -le "$deadline" ]; do
    in_ns ss -H "$flag" "sport = :$port" 2>/dev/null | grep -q . && return 0
    sleep 0.1
  done
  log "  timeout waiting for a Linux listener on $proto port $port"
  return 1
}

# ip netns exec runs a program, not a shell function: ws_ns runs wirestack
# inside the namespace with the common options.
# It is stopped after WS_TIMEOUT seconds (default 240; exit 124 then).
ws_ns() {
  local sub=$1; shift
  ip netns exec "$LAB_NS" timeout -k 5 "${WS_TIMEOUT:-240}" \
    "$WIRESTACK" "$sub" --tap "$LAB_TAP" --ip "$LAB_WS_IP/$LAB_PREFIX" --mac "$LAB_WS_MAC" "$@"
}
# ws_bg SUBCOMMAND ARGS...: ws_ns in the background, PID recorded.
ws_bg() {
  local sub=$1; shift
  start_bg "$WIRESTACK" "$sub" --tap "$LAB_TAP" --ip "$LAB_WS_IP/$LAB_PREFIX" --mac "$LAB_WS_MAC" "$@"
}

# serve_start APP [ARGS...]: `wirestack serve APP ARGS --pcap ...` in the
# background; waits for "listening on" (15 s). Sets SERVE_PID, SERVE_OUT,
# SERVE_ERR. Returns 1 if it did not come up.
serve_start() {
  SERVE_OUT="$LAB_OUT/serve-$1.out"
  SERVE_ERR="$LAB_OUT/serve-$1.err"
  ws_bg serve "$@" >"$SERVE_OUT" 2>"$SERVE_ERR" </dev/null
  SERVE_PID=$LAB_LAST_PID
  if ! wait_for_line "$SERVE_OUT" '^listening on ' 15 "$SERVE_PID"; then
    log "  serve $1 did not come up; stderr:"; sed 's/^/    /' "$SERVE_ERR"
    return 1
  fi
  log "  wirestack serve $1: $(head -1 "$SERVE_OUT")"
}

# serve_stop: SIGTERM to the server; checks that it exits 0.
serve_stop() {
  local rc
  stop_bg "$SERVE_PID"; rc=$?
  check "wirestack serve exits 0 on SIGTERM (exit $rc)" [ "$rc" = 0 ]
}

# tap_drops: "rx_dropped tx_dropped" of the TAP on the Linux side (frames
# the kernel could not queue to wirestack / could not take from it).
tap_drops() {
  local d=/sys/class/net/$LAB_TAP/statistics
  in_ns sh -c "echo \$(cat $d/rx_dropped) \$(cat $d/tx_dropped)" 2>/dev/null || echo "? ?"
}

# pcap_fields FILE FILTER FIELD...: one tab-separated line per frame
# matching the display filter, all occurrences of a field joined by ",".
pcap_fields() {
  local file=$1 filter=$2; shift 2
  local args=() f
  for f in "$@"; do args+=(-e "$f"); done
  tshark -n -r "$file" -Y "$filter" -T fields -E separator=/t -E occurrence=a -E aggregator=, "${args[@]}" 2>/dev/null
}

# pcap_count FILE FILTER: the number of frames matching the display filter.
pcap_count() { pcap_fields "$1" "$2" frame.number | grep -c .; }

# sha FILE|-: the SHA-256 of a file or of stdin.
sha() { sha256sum "${1:--}" | cut -d' ' -f1; }

# mbits BYTES SECONDS: throughput in Mbit/s with one decimal.
mbits() { awk -v b="$1" -v s="$2" 'BEGIN { if (s <= 0) s = 1e-9; printf "%.1f", b * 8 / s / 1e6 }'; }

# now: seconds since the epoch with nanoseconds.
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

# _pcap_snaplen FILE: the snaplen in a classic pcap file's header (empty for
# other formats).
_pcap_snaplen() {
  local words
  words=$(od -An -tx4 -N20 "$1" 2>/dev/null | tr -s ' \n' ' ')
  # shellcheck disable=SC2086  # split into words on purpose
  set -- $words
  case "${1:-}" in
    a1b2c3d4|a1b23c4d) printf '%d\n' "0x$5" ;;
    d4c3b2a1|4d3cb2a1) printf '%d\n' "0x${5:6:2}${5:4:2}${5:2:2}${5:0:2}" ;;
  esac
}

# Expert warnings of TCP flow control that a bulk transfer may show: none.
# (Before RFC 7323 window scaling, Linux filled wirestack's 64 KiB window
# and tshark said "window ... completely full"; with a scaled 208 KiB
# window it no longer does, so such a warning now fails the test.)
FLOW_CONTROL_WARNINGS=()
# With virtio-net offloads (WIRESTACK_OFFLOAD=on: every wirestack command
# in the scripts gets --offload on) Linux hands wirestack 64 KiB TSO
# super-packets, and three of them fill the default 208 KiB window exactly:
# real back-pressure, which tshark reports as "window ... completely full".
OFFLOAD=${WIRESTACK_OFFLOAD:-on}
if [ "$OFFLOAD" = on ]; then FLOW_CONTROL_WARNINGS=('window specified by the receiver is now completely full'); fi
# What a frame dropped by the kernel at the TAP looks like in wirestack's
# capture; allowed only when tap_drops shows drops (see allowed_for_bulk).
TAP_DROP_WARNINGS=('Previous segment.* not captured' 'ACKed segment that wasn.t captured' 'suspected. out-of-order')

# A D-SACK (RFC 2883) reports a segment that arrived twice. In a bulk
# transfer from Linux it appears when wirestack has not read the TAP for a
# few milliseconds (a busy machine): Linux's tail loss probe resends its
# last segment — in the capture the same sequence number with the next IP
# ID and a TSval some milliseconds later, both read in one batch — and
# wirestack D-SACKs the copy.
DUP_WARNINGS=('D-SACK Sequence')

# allowed_for_bulk: prints (one per line) the warnings a bulk transfer may
# show: flow control and D-SACKs always, lost-segment ones when the TAP
# dropped frames. (An empty list prints nothing: printf with no arguments
# would print an empty line, and an empty regex would allow every warning.)
allowed_for_bulk() {
  local rxd txd
  [ "${#FLOW_CONTROL_WARNINGS[@]}" -gt 0 ] && printf '%s\n' "${FLOW_CONTROL_WARNINGS[@]}"
  printf '%s\n' "${DUP_WARNINGS[@]}"
  read -r rxd txd <<<"$(tap_drops)"
  if [ "$rxd" != 0 ] || [ "$txd" != 0 ]; then printf '%s\n' "${TAP_DROP_WARNINGS[@]}"; fi
  return 0
}

# check_pcap [--app] FILE [ALLOWED_REGEX...]
#
# Decodes FILE with tshark (IP/TCP/UDP checksum validation on; ICMP
# checksums are always validated) and fails when
#   - any frame is malformed (_ws.malformed),
#   - any checksum is bad (ip/tcp/udp/icmp .checksum.status == Bad) —
#     except a TCP/UDP checksum from Linux (192.0.2.1) written as 0xffff
#     where it computes to 0x0000: the same number in ones-complement
#     (RFC 1624), what the kernel's skb_checksum_help stores (seen under
#     load in 07); counted in a note. From wirestack it is a problem,
#   - any expert info of severity warning or error remains after removing
#     the messages matched by one of the ALLOWED extended regexes (e.g.
#     'Connection reset' where a RST is the point of the test).
# TCP and UDP payloads are decoded as plain data (random test data would
# otherwise be judged by whatever dissector owns the port: port 5000 is
# GSM over IP); with --app they go to the application dissectors (HTTP).
# Captures written with a snaplen below a full frame (e.g. --snaplen 128
# for the 100 MiB transfers) are checked headers only: the TCP/UDP
# checksums of cut frames cannot be verified (tshark reports them as
# "unverified", never bad; IP header checksums still are verified), and
# TCP/UDP payloads are decoded as plain data, because an application
# dissector fed cut segments (no reassembly) reports garbage. TCP sequence
# analysis is complete either way. The summary counts good, bad and
# unverified checksums, so what was verified is visible.
# Prints frames, protocols, checksums and the expert messages of severity
# warning or above (allowed ones too, with counts).
check_pcap() {
  local app=0
  if [ "${1:-}" = --app ]; then app=1; shift; fi
  local file=$1; shift
  local allowed=("$@")
  if ! command -v tshark >/dev/null 2>&1; then
    fail "check_pcap $file: tshark is not installed"
    return 1
  fi
  if [ ! -s "$file" ]; then
    fail "check_pcap $file: capture missing or empty"
    return 1
  fi
  local fields rc snaplen mode="full frames" extra=()
  local as_data=(-d 'tcp.port==1-65535,data' -d 'udp.port==1-65535,data')
  snaplen=$(_pcap_snaplen "$file")
  if [ -n "$snaplen" ] && [ "$snaplen" -lt 1600 ]; then
    mode="headers only (snaplen $snaplen)"
    extra=("${as_data[@]}")
  elif [ "$app" = 1 ]; then
    mode="full frames, application layer decoded"
  else
    mode="full frames, payload as data"
    extra=("${as_data[@]}")
  fi
  fields=$(mktemp "${LAB_DIR:-/tmp}/check_pcap.XXXXXX")
  # One pass, one line per frame; expert fields are aggregated with \x1e.
  tshark -n -r "$file" "${extra[@]}" \
    -o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE \
    -T fields -E separator=/t -E occurrence=a -E aggregator=$'\x1e' \
    -e frame.number -e frame.protocols -e _ws.malformed \
    -e ip.checksum.status -e tcp.checksum.status -e udp.checksum.status -e icmp.checksum.status \
    -e _ws.expert.severity -e _ws.expert.message -e ip.src \
    >"$fields" 2>"$fields.err"
  rc=$?
  if [ "$rc" != 0 ]; then
    sed 's/^/    /' "$fields.err" | head -5
    fail "check_pcap $file: tshark exited $rc"
    rm -f "$fields" "$fields.err"
    return 1
  fi
  local allowed_re=""
  local a
  # Empty entries are skipped: "()" would match every message (and mawk
  # refuses to compile it, which used to end the check with no report).
  for a in "${allowed[@]}"; do [ -n "$a" ] && allowed_re="${allowed_re:+$allowed_re|}($a)"; done
  local report
  report=$(awk -F'\t' -v allowed="$allowed_re" -v mode="$mode" -v linux_ip="$LAB_LINUX_IP" '
    function proto_of(stack,   n, p, i) {
      n = split(stack, p, ":")
      # the innermost protocol that is not a payload container
      for (i = n; i > 0; i--) if (p[i] != "data" && p[i] != "_ws.short" && p[i] != "_ws.malformed") return p[i]
      return p[n]
    }
    function count_status(v, name,   n, s, i) {
      if (v == "") return
      n = split(v, s, "\x1e")
      for (i = 1; i <= n; i++) {
        if (s[i] == "0" && minus_zero && (name == "tcp" || name == "udp")) { minus0[name]++; continue }
        if (s[i] == "0") { bad[name]++; badframes = badframes " " $1 }
        else if (s[i] == "1") good[name]++
        else if (s[i] == "2") unverified[name]++
      }
    }
    {
      frames++
      protos[proto_of($2)]++
      if ($3 != "") { malformed++; malframes = malframes " " $1 }
      # Linux writes 0xffff where a TCP checksum computes to 0x0000 (the
      # same value in ones-complement, RFC 1624; skb_checksum_help stores
      # CSUM_MANGLED_0). tshark calls that bad; from Linux it is not. From
      # wirestack it stays a problem.
      split($10, srcs, "\x1e")
      minus_zero = (srcs[1] == linux_ip && $9 ~ /Checksum 0xffff instead of 0x0000/)
      count_status($4, "ip"); count_status($5, "tcp"); count_status($6, "udp"); count_status($7, "icmp")
      if ($8 != "") {
        ns = split($8, sev, "\x1e"); nm = split($9, msg, "\x1e")
        for (i = 1; i <= ns; i++) {
          s = sev[i] + 0
          # severities: chat 0x200000, note 0x400000, warning 0x600000, error 0x800000
          if (s < 6291456) continue
          if (minus_zero && msg[i] ~ /Checksum 0xffff instead of 0x0000/) continue
          m = msg[i]; orig = m; gsub(/[0-9]+/, "N", m)   # group "... 1460" and "... 536"
          if (!(m in example)) example[m] = orig
          if (allowed != "" && orig ~ allowed) { allowedmsg[m]++; continue }
          if (!(m in badmsg)) firstframe[m] = $1
          badmsg[m]++
          problems++
        }
      }
    }
    END {
      printf "frames %d (%s);", frames, mode
      line = ""
      for (p in protos) line = line sprintf(" %s=%d", p, protos[p])
      printf " protocols:%s\n", line
      cs = ""
      split("ip tcp udp icmp", names, " ")
      for (i = 1; i <= 4; i++) { n = names[i]
        if (good[n] + bad[n] + unverified[n] > 0)
          cs = cs sprintf(" %s %d good/%d bad/%d unverified;", n, good[n], bad[n], unverified[n]) }
      printf "checksums:%s\n", cs
      if (minus0["tcp"] + minus0["udp"])
        printf "note: %d checksum(s) from Linux written as 0xffff for 0x0000 (equal in ones-complement, RFC 1624): accepted\n", minus0["tcp"] + minus0["udp"]
      for (m in allowedmsg) printf "allowed: %s (x%d)\n", example[m], allowedmsg[m]
      for (m in badmsg) printf "PROBLEM: %s (x%d, first in frame %s)\n", example[m], badmsg[m], firstframe[m]
      if (malformed) printf "PROBLEM: %d malformed frame(s):%s\n", malformed, substr(malframes, 1, 80)
      nb = bad["ip"] + bad["tcp"] + bad["udp"] + bad["icmp"]
      if (nb) printf "PROBLEM: %d bad checksum(s) in frames%s\n", nb, substr(badframes, 1, 80)
      if (frames == 0) printf "PROBLEM: no frames decoded\n"
    }' "$fields")
  rc=$?
  rm -f "$fields" "$fields.err"
  printf '%s\n' "$report" | sed 's/^/    /'
  if [ "$rc" != 0 ] || ! printf '%s\n' "$report" | grep -q '^frames '; then
    fail "check_pcap $(basename "$file"): the report failed (awk exited $rc)"
    return 1
  fi
  if printf '%s\n' "$report" | grep -q '^PROBLEM'; then
    fail "check_pcap $(basename "$file"): tshark found problems"
    return 1
  fi
  pass "check_pcap $(basename "$file"): no malformed frames, no bad checksums, no unexpected warnings"
  return 0
}
