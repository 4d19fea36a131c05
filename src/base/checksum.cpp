#include "base/checksum.hpp"

#include <algorithm>
#include <bit>
#include <cassert>
#include <cstring>

namespace ws {

namespace {

// Folds a 64-bit one's-complement accumulator to 16 bits (end-around carry).
std::uint16_t fold64(std::uint64_t s) {
  s = (s & 0xffffffffULL) + (s >> 32);
  s = (s & 0xffffffffULL) + (s >> 32);
  s = (s & 0xffff) + (s >> 16);
  s = (s & 0xffff) + (s >> 16);
  s = (s & 0xffff) + (s >> 16);
  return static_cast<std::uint16_t>(s);
}

// The one's-complement sum of 64-bit words w_i (in host byte order) is the
// sum of their 32-bit halves, L + H with L = sum(low half), H = sum(high
// half), folded (RFC 1071 §2(C): any multiple of 16 bits; §2(D): carries
// deferred to the fold). Both come from one add per word each: t = sum(w_i)
// mod 2^64 and H = sum(w_i >> 32) give L = t - (H << 32) mod 2^64, exact
// while L < 2^64. Plain additions and shifts, no carries: the compilers
// vectorize the loop (SSE2 on x86-64 without -march), two words per 16-byte
// vector. A block of at most kBlockWords words keeps L + H below 2^53;
// blocks are combined with end-around carry (which only carries past about
// 16 GiB).
constexpr std::size_t kBlockWords = std::size_t{1} << 20;  // 8 MiB

std::uint64_t block_sum(std::uint64_t t, std::uint64_t h) {
  const std::uint64_t low = t - (h << 32);
  return low + h;
}

// One's-complement addition of two 64-bit words: the carry out of the top
// is added back at the bottom (end-around carry, RFC 1071 §1).
std::uint64_t add_end_around(std::uint64_t a, std::uint64_t b) {
  const std::uint64_t s = a + b;
  return s + (s < a ? 1 : 0);
}

// The last 0..7 bytes as one word, zero-padded after them in memory order: a
// trailing odd byte becomes the high half of its 16-bit word in network
// order (RFC 1071 §4.1), whatever the host byte order. Copied to dst too
// unless it is null. Fixed-size pieces: a memcpy of variable size would be
// a library call, as long as the rest of a 1460-byte payload.
std::uint64_t tail_word(std::uint8_t* dst, const std::uint8_t* p, std::size_t n) {
  std::uint8_t b[8] = {};
  std::size_t i = 0;
  if ((n & 4) != 0) {
    std::memcpy(b, p, 4);
    i = 4;
  }
  if ((n & 2) != 0) {
    std::memcpy(b + i, p + i, 2);
    i += 2;
  }
  if ((n & 1) != 0) b[i] = p[i];
  if (dst != nullptr) {
    if ((n & 4) != 0) std::memcpy(dst, b, 4);
    if ((n & 2) != 0) std::memcpy(dst + (n & 4), b + (n & 4), 2);
    if ((n & 1) != 0) dst[i] = b[i];
  }
  std::uint64_t w;
  std::memcpy(&w, b, 8);
  return w;
}

// The unfolded sum of p[0..n) in host byte order, n any length.
std::uint64_t sum_native(const std::uint8_t* p, std::size_t n) {
  std::uint64_t total = 0;
  while (n >= 8) {
    const std::size_t words = std::min(n / 8, kBlockWords);
    std::uint64_t t = 0, h = 0;
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC unroll 4  // g++ 12 does not unroll the vectorized loop by itself; clang does
#endif
    for (std::size_t i = 0; i < words; ++i) {
      std::uint64_t w;
      std::memcpy(&w, p + 8 * i, 8);
      t += w;
      h += w >> 32;
    }
    total = add_end_around(total, block_sum(t, h));
    p += 8 * words;
    n -= 8 * words;
  }
  return add_end_around(total, tail_word(nullptr, p, n));
}

// sum_native(src, n), copying src[0..n) to dst[0..n) on the way; the two
// must not overlap.
std::uint64_t copy_sum_native(std::uint8_t* dst, const std::uint8_t* src, std::size_t n) {
  std::uint64_t total = 0;
  while (n >= 8) {
    const std::size_t words = std::min(n / 8, kBlockWords);
    std::uint64_t t = 0, h = 0;
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC unroll 4
#endif
    for (std::size_t i = 0; i < words; ++i) {
      std::uint64_t w;
      std::memcpy(&w, src + 8 * i, 8);
      std::memcpy(dst + 8 * i, &w, 8);
      t += w;
      h += w >> 32;
    }
    total = add_end_around(total, block_sum(t, h));
    src += 8 * words;
    dst += 8 * words;
    n -= 8 * words;
  }
  return add_end_around(total, tail_word(dst, src, n));
}

}  // namespace

void ChecksumAccumulator::add(Bytes data) { add_span(nullptr, data.data(), data.size()); }

void ChecksumAccumulator::add_copy(MutBytes dst, Bytes src) {
  assert(dst.size() == src.size());
  const std::uint8_t* s = src.data();
  std::uint8_t* d = dst.data();
  const std::size_t n = src.size();
  if (n == 0) return;
  const auto si = reinterpret_cast<std::uintptr_t>(s);
  const auto di = reinterpret_cast<std::uintptr_t>(d);
  if (si == di) {  // already in place: nothing to copy
    add_span(nullptr, s, n);
  } else if (si < di + n && di < si + n) {  // overlapping: move first, then sum
    std::memmove(d, s, n);
    add_span(nullptr, d, n);
  } else {
    add_span(d, s, n);
  }
}

void ChecksumAccumulator::add_span(std::uint8_t* dst, const std::uint8_t* p, std::size_t n) {
  if (n == 0) return;
  if (odd_) {  // this byte is the low half of a word begun by the last piece
    if (dst != nullptr) *dst++ = *p;
    sum_ += *p++;
    --n;
    odd_ = false;
  }
  // Sum in host byte order, then swap the folded result into network order:
  // the one's-complement sum is byte-order independent (RFC 1071 §2(B)).
  const bool odd = (n & 1) != 0;
  const std::uint64_t native = dst != nullptr ? copy_sum_native(dst, p, n) : sum_native(p, n);
  std::uint16_t folded_native = fold64(native);
  if constexpr (std::endian::native == std::endian::little) {
    folded_native = static_cast<std::uint16_t>((folded_native << 8) | (folded_native >> 8));
  }
  sum_ += folded_native;
  odd_ = odd;
}

void ChecksumAccumulator::add_u16(std::uint16_t v) {
  if (odd_) {
    // Keep byte alignment: the high byte completes the pending word.
    const std::uint8_t b[2] = {static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
    add(Bytes(b, 2));
    return;
  }
  sum_ += v;
}

std::uint16_t ChecksumAccumulator::folded() const { return fold64(sum_); }

std::uint16_t internet_checksum(Bytes data) {
  ChecksumAccumulator acc;
  acc.add(data);
  return acc.finish();
}

std::uint16_t checksum_adjust(std::uint16_t checksum, std::uint16_t old_field,
                              std::uint16_t new_field) {
  std::uint32_t s = static_cast<std::uint16_t>(~checksum);
  s += static_cast<std::uint16_t>(~old_field);
  s += new_field;
  s = (s & 0xffff) + (s >> 16);
  s = (s & 0xffff) + (s >> 16);
  return static_cast<std::uint16_t>(~s);
}

std::uint16_t checksum_adjust32(std::uint16_t checksum, std::uint32_t old_field,
                                std::uint32_t new_field) {
  checksum = checksum_adjust(checksum, static_cast<std::uint16_t>(old_field >> 16),
                             static_cast<std::uint16_t>(new_field >> 16));
  return checksum_adjust(checksum, static_cast<std::uint16_t>(old_field),
                         static_cast<std::uint16_t>(new_field));
}

void add_pseudo_header(ChecksumAccumulator& acc, Ipv4Address src, Ipv4Address dst,
                       std::uint8_t protocol, std::uint16_t length) {
  acc.add_u32(src.to_u32());
  acc.add_u32(dst.to_u32());
  acc.add_u16(protocol);
  acc.add_u16(length);
}

void complete_partial_checksum(MutBytes transport, std::size_t field) {
  ChecksumAccumulator acc;
  acc.add(transport);  // the field holds the pseudo-header's sum
  store_be16(transport.data() + field, acc.finish());
}

}  // namespace ws
