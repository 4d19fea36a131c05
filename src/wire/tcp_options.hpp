// TCP options (RFC 9293 §3.2): End of Option List, No-Operation, Maximum
// Segment Size; Window Scale and Timestamps (RFC 7323 §2, §3); SACK-
// permitted and SACK blocks (RFC 2018). Unknown kinds are skipped by their
// length; malformed lengths are rejected as BadOptionLength.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "base/bytes.hpp"
#include "wire/error.hpp"
#include "wire/seq_num.hpp"

namespace ws {

namespace tcp_option {
inline constexpr std::uint8_t kEol = 0;
inline constexpr std::uint8_t kNop = 1;
inline constexpr std::uint8_t kMss = 2;
inline constexpr std::uint8_t kWindowScale = 3;
inline constexpr std::uint8_t kSackPermitted = 4;
inline constexpr std::uint8_t kSack = 5;
inline constexpr std::uint8_t kTimestamps = 8;
}  // namespace tcp_option

struct SackBlock {
  SeqNum left;   // first sequence number of the block
  SeqNum right;  // sequence number just past the block
  bool operator==(const SackBlock&) const = default;
};

struct TcpTimestamps {
  std::uint32_t tsval = 0;
  std::uint32_t tsecr = 0;
  bool operator==(const TcpTimestamps&) const = default;
};

struct TcpOptions {
  // Four blocks fit in 40 option bytes without timestamps, three with.
  static constexpr std::size_t kMaxSackBlocks = 4;
  static constexpr std::size_t kMaxLen = 40;

  std::optional<std::uint16_t> mss;
  std::optional<std::uint8_t> window_scale;  // raw shift; RFC 7323 §2.3 clamps > 14 later
  bool sack_permitted = false;
  std::optional<TcpTimestamps> timestamps;
  std::array<SackBlock, kMaxSackBlocks> sack_blocks{};
  std::uint8_t sack_count = 0;

  static WireResult<TcpOptions> parse(Bytes options);

  // Length in bytes as emitted (a multiple of 4). Must be <= kMaxLen.
  std::size_t encoded_len() const;
  // Writes the options in the layout Linux uses, so Linux's segments
  // round-trip byte for byte: MSS; SACK-permitted+TS (or NOP,NOP,TS /
  // NOP,NOP,SACK-permitted); NOP,WS; NOP,NOP,SACK. out.size() >= encoded_len().
  void emit(MutBytes out) const;
  bool operator==(const TcpOptions& o) const;
};

}  // namespace ws
