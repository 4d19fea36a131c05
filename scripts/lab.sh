#!/bin/sh
# A lab to try wirestack against the Linux kernel in one command.
#
#   scripts/lab.sh up      network namespace "wslab" with a TAP "wstap0";
#                          Linux is 192.0.2.1/24 on it, wirestack takes 192.0.2.2/24
#   scripts/lab.sh exec CMD...   run CMD inside the namespace
#   scripts/lab.sh down    remove the namespace (and the TAP with it)
#
# The namespace has no route out: packets stay between Linux and wirestack
# (192.0.2.0/24 is TEST-NET-1, RFC 5737). Needs root. WSLAB_NS, WSLAB_TAP
# and WSLAB_LINUX_IP override the names and Linux's address.
set -eu
ns=${WSLAB_NS:-wslab}
tap=${WSLAB_TAP:-wstap0}
linux_ip=${WSLAB_LINUX_IP:-192.0.2.1/24}

usage() {
  echo "usage: $0 up | down | status | exec CMD..." >&2
  exit 2
}

[ $# -ge 1 ] || usage
if [ "$(id -u)" != 0 ]; then
  echo "$0: needs root (ip netns, TAP devices)" >&2
  exit 1
fi

case "$1" in
  up)
    if ip netns list | grep -qw "$ns"; then
      echo "$ns already exists (scripts/lab.sh down removes it)" >&2
      exit 1
    fi
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    # A persistent TAP: it stays when wirestack exits, so several runs
    # (serve, then get, ...) can use it one after the other.
    ip -n "$ns" tuntap add dev "$tap" mode tap
    ip -n "$ns" addr add "$linux_ip" dev "$tap"
    ip -n "$ns" link set "$tap" up
    cat <<MSG
lab up: namespace $ns, TAP $tap, Linux at $linux_ip
try:
  ip netns exec $ns wirestack serve http . --tap $tap --ip 192.0.2.2/24 &
  ip netns exec $ns curl http://192.0.2.2/
  ip netns exec $ns wirestack ping -c 3 ${linux_ip%/*} --tap $tap --ip 192.0.2.2/24
then: $0 down
MSG
    ;;
  down)
    if ip netns list | grep -qw "$ns"; then
      ip netns del "$ns"
      echo "lab down: $ns removed"
    else
      echo "$ns does not exist"
    fi
    ;;
  status)
    ip netns list | grep -w "$ns" >/dev/null || { echo "$ns: down"; exit 0; }
    ip -n "$ns" addr show dev "$tap"
    ip -n "$ns" neigh show dev "$tap"
    ;;
  exec)
    shift
    [ $# -ge 1 ] || usage
    exec ip netns exec "$ns" "$@"
    ;;
  *) usage ;;
esac
