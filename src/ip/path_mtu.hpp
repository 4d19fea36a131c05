// Path MTU discovery, the part every transport shares (RFC 1191): what a
// "fragmentation needed and DF set" message (ICMP destination unreachable,
// code 4) says about the path. Which datagram it concerns, and whether to
// believe it, is the transport's business (TCP: tcp/icmp_errors.cpp).
//
// Decisions (docs/architecture.md "Path MTU discovery and ICMP errors"):
// - The estimate never goes below kMinPathMtu = 552 bytes, Linux's default
//   min_pmtu, though RFC 1191 §3 allows down to 68 (RFC 791's minimum). A
//   report below it is taken as 552 "with fragmentation allowed": the
//   sender then stops setting DF, so a router with a smaller MTU fragments
//   instead of dropping. A forged message (RFC 5927 §7) thus cannot make a
//   connection send segments of a few bytes.
// - A message whose MTU is not smaller than the datagram it quotes
//   contradicts itself (that datagram would have fitted): it is ignored.
// - An old-style message (MTU field 0, from a router before RFC 1191) is
//   read as the plateau below the quoted datagram's length (§5, table 7-1).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace ws {

// IPv4 header (20) plus TCP header (20) without options: a path MTU less
// this is the largest TCP segment's data (RFC 9293 §3.7.1).
inline constexpr std::uint16_t kIpv4TcpHeaders = 40;
inline constexpr std::uint16_t kMinPathMtu = 552;

// The largest plateau of RFC 1191 §7 (table 7-1) smaller than `length`;
// nullopt below the smallest (68).
std::optional<std::uint16_t> plateau_below(std::size_t length);

struct PathMtuReport {
  std::uint16_t mtu = 0;       // at least kMinPathMtu
  bool below_minimum = false;  // the router said less: send without DF from now on
};

// What a fragmentation-needed message reports: `next_hop_mtu` is its MTU
// field (RFC 1191 §4; 0 from old routers), `quoted_total_len` the Total
// Length of the datagram it quotes. nullopt: the message contradicts itself.
std::optional<PathMtuReport> read_frag_needed(std::uint16_t next_hop_mtu, std::size_t quoted_total_len);

}  // namespace ws
