// TCP sequence numbers: 32-bit values compared modulo 2^32 (RFC 9293
// §3.4). There is deliberately no operator<: use before()/after() or
// in_window(), which are correct across the wrap (docs/principles.md "Sequence arithmetic").
#pragma once

#include <cstdint>

namespace ws {

class SeqNum {
 public:
  constexpr SeqNum() = default;
  constexpr explicit SeqNum(std::uint32_t v) : v_(v) {}

  constexpr std::uint32_t raw() const { return v_; }

  constexpr SeqNum operator+(std::uint32_t n) const { return SeqNum(v_ + n); }
  constexpr SeqNum operator-(std::uint32_t n) const { return SeqNum(v_ - n); }
  constexpr SeqNum& operator+=(std::uint32_t n) {
    v_ += n;
    return *this;
  }
  // Signed distance from o to this (wrap-aware; valid within ±2^31).
  constexpr std::int32_t operator-(SeqNum o) const { return static_cast<std::int32_t>(v_ - o.v_); }
  constexpr bool operator==(const SeqNum&) const = default;

  // this < o in sequence space.
  constexpr bool before(SeqNum o) const { return (*this - o) < 0; }
  constexpr bool before_eq(SeqNum o) const { return (*this - o) <= 0; }
  constexpr bool after(SeqNum o) const { return (*this - o) > 0; }
  constexpr bool after_eq(SeqNum o) const { return (*this - o) >= 0; }
  // start <= this < start + len
  constexpr bool in_window(SeqNum start, std::uint32_t len) const {
    return v_ - start.v_ < len;
  }

 private:
  std::uint32_t v_ = 0;
};

}  // namespace ws
