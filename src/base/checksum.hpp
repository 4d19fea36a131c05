// The Internet checksum (RFC 1071), its incremental update (RFC 1624) and
// the IPv4 pseudo-header used by UDP and TCP (RFC 768, RFC 9293 §3.1).
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/address.hpp"
#include "base/bytes.hpp"

namespace ws {

// One's-complement sum accumulated over any number of pieces. Pieces may
// have odd lengths: the byte position is tracked across calls, so summing
// [a, b] equals summing a then b.
class ChecksumAccumulator {
 public:
  void add(Bytes data);
  // Copies src to dst (dst.size() == src.size()) and adds the bytes, in one
  // pass: the same as std::memmove(dst, src) then add(dst). dst may be src
  // itself (already in place: nothing is copied) or overlap it (then it is
  // moved first and summed after).
  void add_copy(MutBytes dst, Bytes src);
  void add_u16(std::uint16_t v);
  void add_u32(std::uint32_t v) {
    add_u16(static_cast<std::uint16_t>(v >> 16));
    add_u16(static_cast<std::uint16_t>(v));
  }
  // The folded 16-bit one's-complement sum (not yet complemented).
  std::uint16_t folded() const;
  // The checksum to place in a header: ~sum.
  std::uint16_t finish() const { return static_cast<std::uint16_t>(~folded()); }

 private:
  // add() of p[0..n), also copying it to dst unless dst is null (no overlap).
  void add_span(std::uint8_t* dst, const std::uint8_t* p, std::size_t n);

  std::uint64_t sum_ = 0;
  bool odd_ = false;  // an odd number of bytes has been added so far
};

// RFC 1071: the checksum of one contiguous buffer.
std::uint16_t internet_checksum(Bytes data);

// RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), the checksum after a 16-bit field
// changed from old_field to new_field — no need to re-sum the packet.
std::uint16_t checksum_adjust(std::uint16_t checksum, std::uint16_t old_field,
                              std::uint16_t new_field);
std::uint16_t checksum_adjust32(std::uint16_t checksum, std::uint32_t old_field,
                                std::uint32_t new_field);

// Adds the IPv4 pseudo-header (src, dst, zero, protocol, length) to acc.
void add_pseudo_header(ChecksumAccumulator& acc, Ipv4Address src, Ipv4Address dst,
                       std::uint8_t protocol, std::uint16_t length);

// Who computes a transport checksum on transmit. kPartial is checksum
// offload's convention (docs/architecture.md "Loopback"): the header's
// checksum field holds the folded, uncomplemented sum of the pseudo-header
// only, and whoever completes it sums the transport bytes from the header
// on, that field included, and stores the complement
// (complete_partial_checksum). A datagram that never leaves the host is
// never completed: its receiver is told the checksum needs no check.
enum class ChecksumMode : std::uint8_t { kFull, kPartial };

// Completes a kPartial checksum in place: `transport` is the TCP or UDP
// header and payload, `field` the checksum's offset in it (16 for TCP, 6
// for UDP). The result equals a kFull checksum, except that for UDP a
// computed zero stays zero here (the caller maps it to 0xffff, RFC 768).
void complete_partial_checksum(MutBytes transport, std::size_t field);

}  // namespace ws
