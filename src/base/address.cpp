#include "base/address.hpp"

#include <fmt/format.h>

#include <charconv>

#include "base/bytes.hpp"

namespace ws {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Parses a decimal number of 1..max_digits digits in [0, max]; advances pos.
std::optional<unsigned> parse_decimal(std::string_view s, std::size_t& pos, unsigned max,
                                      std::size_t max_digits) {
  std::size_t start = pos;
  unsigned v = 0;
  while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9' && pos - start < max_digits) {
    v = v * 10 + static_cast<unsigned>(s[pos] - '0');
    ++pos;
  }
  if (pos == start || v > max) return std::nullopt;
  if (pos - start > 1 && s[start] == '0') return std::nullopt;  // "01": ambiguous (octal in inet_aton)
  if (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') return std::nullopt;  // too many digits
  return v;
}

}  // namespace

MacAddress MacAddress::from_bytes(const std::uint8_t* p) {
  std::array<std::uint8_t, 6> b;
  for (int i = 0; i < 6; ++i) b[static_cast<std::size_t>(i)] = p[i];
  return MacAddress(b);
}

std::optional<MacAddress> MacAddress::parse(std::string_view text) {
  // Exactly "xx:xx:xx:xx:xx:xx" (17 characters), one separator style.
  if (text.size() != 17) return std::nullopt;
  const char sep = text[2];
  if (sep != ':' && sep != '-') return std::nullopt;
  std::array<std::uint8_t, 6> b{};
  for (std::size_t i = 0; i < 6; ++i) {
    const int hi = hex_value(text[i * 3]);
    const int lo = hex_value(text[i * 3 + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    if (i < 5 && text[i * 3 + 2] != sep) return std::nullopt;
    b[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  return MacAddress(b);
}

void MacAddress::write_to(std::uint8_t* p) const {
  for (std::size_t i = 0; i < 6; ++i) p[i] = b_[i];
}

std::string MacAddress::to_string() const {
  return fmt::format("{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", b_[0], b_[1], b_[2], b_[3], b_[4],
                     b_[5]);
}

Ipv4Address Ipv4Address::from_bytes(const std::uint8_t* p) { return Ipv4Address(load_be32(p)); }

std::optional<Ipv4Address> Ipv4Address::parse(std::string_view text) {
  std::size_t pos = 0;
  std::uint32_t v = 0;
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (pos >= text.size() || text[pos] != '.') return std::nullopt;
      ++pos;
    }
    auto octet = parse_decimal(text, pos, 255, 3);
    if (!octet) return std::nullopt;
    v = (v << 8) | *octet;
  }
  if (pos != text.size()) return std::nullopt;
  return Ipv4Address(v);
}

void Ipv4Address::write_to(std::uint8_t* p) const { store_be32(p, v_); }

std::string Ipv4Address::to_string() const {
  return fmt::format("{}.{}.{}.{}", v_ >> 24, (v_ >> 16) & 0xff, (v_ >> 8) & 0xff, v_ & 0xff);
}

std::optional<Ipv4Cidr> Ipv4Cidr::parse(std::string_view text) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto addr = Ipv4Address::parse(text.substr(0, slash));
  if (!addr) return std::nullopt;
  std::size_t pos = slash + 1;
  auto prefix = parse_decimal(text, pos, 32, 2);
  if (!prefix || pos != text.size()) return std::nullopt;
  return Ipv4Cidr(*addr, static_cast<std::uint8_t>(*prefix));
}

std::optional<std::uint8_t> Ipv4Cidr::prefix_from_mask(Ipv4Address mask) {
  const std::uint32_t m = mask.to_u32();
  const std::uint32_t inverted = ~m;
  // A contiguous mask is ones then zeros: ~m + 1 is then a power of two.
  if ((inverted & (inverted + 1)) != 0) return std::nullopt;
  return static_cast<std::uint8_t>(__builtin_popcount(m));
}

std::string Ipv4Cidr::to_string() const { return fmt::format("{}/{}", addr_.to_string(), prefix_); }

}  // namespace ws
