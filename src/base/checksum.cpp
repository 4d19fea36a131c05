#include "base/checksum.hpp"

#include <algorithm>
#include <bit>
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

}  // namespace

void ChecksumAccumulator::add(Bytes data) {
  const std::uint8_t* p = data.data();
  std::size_t n = data.size();
  if (n == 0) return;
  if (odd_) {  // this byte is the low half of a word begun by the last piece
    sum_ += *p++;
    --n;
    odd_ = false;
  }
  // Sum 16-bit words in host byte order in a loop the compiler vectorizes,
  // then swap the folded result into network order: the one's-complement sum
  // is byte-order independent (RFC 1071 §2(B)). 64-bit accumulation defers
  // the carries to one fold at the end (§2(C)).
  // 32-bit lanes vectorize twice as wide as 64-bit ones; 65536 words of at
  // most 0xffff cannot overflow one.
  std::uint64_t native = 0;
  while (n >= 2) {
    const std::size_t words = std::min<std::size_t>(n / 2, 65536);
    std::uint32_t block = 0;
    for (std::size_t i = 0; i < words; ++i) {
      std::uint16_t w;
      std::memcpy(&w, p + 2 * i, 2);
      block += w;
    }
    native += block;
    p += 2 * words;
    n -= 2 * words;
  }
  std::uint16_t folded_native = fold64(native);
  if constexpr (std::endian::native == std::endian::little) {
    folded_native = static_cast<std::uint16_t>((folded_native << 8) | (folded_native >> 8));
  }
  std::uint64_t s = sum_ + folded_native;
  if (n == 1) {  // pad the last odd byte with zero (RFC 1071 §4.1)
    s += static_cast<std::uint64_t>(*p) << 8;
    odd_ = true;
  }
  sum_ = s;
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

}  // namespace ws
