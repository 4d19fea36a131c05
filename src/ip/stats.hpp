// Per-host counters: every frame or datagram the host drops is counted
// under its reason (docs/principles.md "Bounded everything").
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "wire/error.hpp"

namespace ws {

// X-macro: one line per counter, so printing never falls out of step.
#define WS_HOST_COUNTERS(X)                                                                  \
  X(rx_frames, "frames received")                                                            \
  X(rx_bad_ethernet, "frames dropped: truncated Ethernet header")                            \
  X(rx_not_for_us, "frames dropped: destination MAC is neither ours nor broadcast")          \
  X(rx_unknown_ethertype, "frames dropped: EtherType not ARP or IPv4")                       \
  X(arp_rx, "ARP packets received")                                                          \
  X(arp_bad, "ARP packets dropped: malformed or unsupported")                                \
  X(arp_requests_sent, "ARP requests sent")                                                  \
  X(arp_replies_sent, "ARP replies sent")                                                    \
  X(arp_pending_drops, "packets dropped: ARP pending queue full (oldest dropped)")            \
  X(arp_failures, "ARP resolutions failed after retries")                                    \
  X(ip_rx, "IPv4 datagrams received")                                                        \
  X(ip_bad, "IPv4 datagrams dropped: invalid header (see ip_errors)")                         \
  X(ip_bad_source, "IPv4 datagrams dropped: broadcast/multicast/zero source")                \
  X(ip_not_for_us, "IPv4 datagrams dropped: not addressed to us and not forwarding")         \
  X(ip_delivered, "IPv4 datagrams delivered locally")                                        \
  X(ip_unknown_protocol, "IPv4 datagrams dropped: no handler for the protocol")              \
  X(ip_forwarded, "IPv4 datagrams forwarded")                                                \
  X(ip_ttl_expired, "IPv4 datagrams dropped: TTL expired in transit")                        \
  X(ip_no_route, "IPv4 datagrams dropped: no route")                                         \
  X(ip_frag_needed, "IPv4 datagrams dropped: DF set and larger than the MTU")                \
  X(ip_fragmented, "IPv4 datagrams fragmented on output")                                    \
  X(ip_fragments_sent, "IPv4 fragments sent")                                                \
  X(ip_reassembly_failed, "IPv4 datagrams dropped: reassembled datagram invalid")            \
  X(ip_martian, "IPv4 datagrams dropped: a loopback address (127.0.0.0/8) on a wire")       \
  X(loopback_sent, "IPv4 datagrams sent to this host itself (loopback)")                     \
  X(loopback_drops, "IPv4 datagrams dropped: loopback queue full")                           \
  X(icmp_rx, "ICMP messages received")                                                       \
  X(icmp_bad, "ICMP messages dropped: malformed, bad checksum or unsupported type")          \
  X(icmp_echo_replies_sent, "ICMP echo replies sent")                                        \
  X(icmp_errors_sent, "ICMP error messages sent")                                            \
  X(icmp_errors_rate_limited, "ICMP error messages suppressed by the rate limit")            \
  X(icmp_errors_delivered, "ICMP errors delivered to the local sender")                      \
  X(ping_unmatched, "ICMP echo replies that matched no outstanding request")                 \
  X(tx_frames, "frames queued for transmission")                                             \
  X(tx_queue_drops, "frames dropped: transmit queue full")                                   \
  X(no_buffers, "packets dropped: buffer pool exhausted")

struct HostStats {
#define WS_DECLARE_COUNTER(name, text) std::uint64_t name = 0;
  WS_HOST_COUNTERS(WS_DECLARE_COUNTER)
#undef WS_DECLARE_COUNTER

  // ip_bad broken down by parser error.
  std::array<std::uint64_t, static_cast<std::size_t>(WireError::Fragmented) + 1> ip_errors{};

  struct Line {
    std::string_view name;
    std::string_view text;
    std::uint64_t value;
  };
  // The counters that are not zero, in declaration order (for printing).
  std::vector<Line> nonzero() const;
};

}  // namespace ws
