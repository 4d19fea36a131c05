// Link and network addresses: MacAddress, Ipv4Address, Ipv4Cidr.
// Ipv4Cidr carries the subnet arithmetic of seed 001 §2.2: ip & mask is the
// network address, and two hosts are on one link when their network
// addresses are equal.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace ws {

class MacAddress {
 public:
  constexpr MacAddress() = default;
  constexpr explicit MacAddress(std::array<std::uint8_t, 6> b) : b_(b) {}
  static constexpr MacAddress broadcast() { return MacAddress({0xff, 0xff, 0xff, 0xff, 0xff, 0xff}); }
  static MacAddress from_bytes(const std::uint8_t* p);
  // "02:00:00:00:00:01" (also accepts '-' separators, as in seed 001).
  static std::optional<MacAddress> parse(std::string_view text);

  const std::array<std::uint8_t, 6>& bytes() const { return b_; }
  void write_to(std::uint8_t* p) const;
  bool is_broadcast() const { return *this == broadcast(); }
  bool is_multicast() const { return (b_[0] & 0x01) != 0; }  // includes broadcast
  bool is_unicast() const { return !is_multicast(); }
  bool is_zero() const { return *this == MacAddress(); }
  std::string to_string() const;
  constexpr auto operator<=>(const MacAddress&) const = default;

 private:
  std::array<std::uint8_t, 6> b_{};
};

class Ipv4Address {
 public:
  constexpr Ipv4Address() = default;
  constexpr explicit Ipv4Address(std::uint32_t host_order) : v_(host_order) {}
  constexpr Ipv4Address(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d)
      : v_((std::uint32_t{a} << 24) | (std::uint32_t{b} << 16) | (std::uint32_t{c} << 8) | d) {}
  static constexpr Ipv4Address any() { return Ipv4Address(0u); }
  static constexpr Ipv4Address broadcast() { return Ipv4Address(0xffffffffu); }
  static Ipv4Address from_bytes(const std::uint8_t* p);
  // Dotted quad, exactly four decimal parts 0..255, no leading '+' or spaces.
  static std::optional<Ipv4Address> parse(std::string_view text);

  constexpr std::uint32_t to_u32() const { return v_; }
  void write_to(std::uint8_t* p) const;
  constexpr bool is_unspecified() const { return v_ == 0; }
  constexpr bool is_broadcast() const { return v_ == 0xffffffffu; }
  constexpr bool is_multicast() const { return (v_ >> 28) == 0xe; }
  constexpr bool is_loopback() const { return (v_ >> 24) == 127; }
  std::string to_string() const;
  constexpr auto operator<=>(const Ipv4Address&) const = default;

 private:
  std::uint32_t v_ = 0;
};

// An address with its prefix length: "192.0.2.1/24". Used both for an
// interface address (host bits set) and for a route's network.
class Ipv4Cidr {
 public:
  constexpr Ipv4Cidr() = default;
  // prefix_len must be 0..32 (clamped to 32 otherwise).
  constexpr Ipv4Cidr(Ipv4Address addr, std::uint8_t prefix_len)
      : addr_(addr), prefix_(prefix_len > 32 ? std::uint8_t{32} : prefix_len) {}
  static std::optional<Ipv4Cidr> parse(std::string_view text);
  // The prefix length of a contiguous netmask (255.255.255.0 -> 24), or
  // nullopt when the mask has holes.
  static std::optional<std::uint8_t> prefix_from_mask(Ipv4Address mask);

  constexpr Ipv4Address address() const { return addr_; }
  constexpr std::uint8_t prefix_len() const { return prefix_; }
  constexpr Ipv4Address netmask() const {
    return Ipv4Address(prefix_ == 0 ? 0u : ~std::uint32_t{0} << (32 - prefix_));
  }
  // ip & mask (seed 001 §2.3 step 1).
  constexpr Ipv4Address network() const { return Ipv4Address(addr_.to_u32() & netmask().to_u32()); }
  constexpr Ipv4Address broadcast() const {
    return Ipv4Address(addr_.to_u32() | ~netmask().to_u32());
  }
  // addr & mask == network (seed 001 §2.3 steps 2–3).
  constexpr bool contains(Ipv4Address a) const {
    return (a.to_u32() & netmask().to_u32()) == network().to_u32();
  }
  std::string to_string() const;
  constexpr auto operator<=>(const Ipv4Cidr&) const = default;

 private:
  Ipv4Address addr_;
  std::uint8_t prefix_ = 0;
};

}  // namespace ws

template <>
struct std::hash<ws::Ipv4Address> {
  std::size_t operator()(ws::Ipv4Address a) const noexcept { return std::hash<std::uint32_t>{}(a.to_u32()); }
};
template <>
struct std::hash<ws::MacAddress> {
  std::size_t operator()(const ws::MacAddress& m) const noexcept {
    std::uint64_t v = 0;
    for (auto b : m.bytes()) v = (v << 8) | b;
    return std::hash<std::uint64_t>{}(v);
  }
};
