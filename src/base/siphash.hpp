// SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast short-input PRF",
// 2012): a keyed 64-bit hash. wirestack uses it as the keyed function F of
// RFC 6528 §3 (TCP initial sequence numbers), as Linux does since 4.11;
// anything else that must be unpredictable to an attacker without the key
// (ephemeral port selection, hash tables fed by the network) can use it too.
#pragma once

#include <cstdint>
#include <span>

#include "base/bytes.hpp"

namespace ws {

struct SipKey {
  std::uint64_t k0 = 0;
  std::uint64_t k1 = 0;

  // The reference implementation's key layout: bytes 0-7 and 8-15, each
  // little-endian.
  static SipKey from_bytes(std::span<const std::uint8_t, 16> key);
  bool operator==(const SipKey&) const = default;
};

// SipHash-2-4 of `message`: two compression rounds per 8-byte word, four
// finalization rounds. The result is the reference's 8 output bytes read as
// a little-endian integer.
std::uint64_t siphash24(const SipKey& key, Bytes message);

}  // namespace ws
