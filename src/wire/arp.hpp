// ARP for IPv4 over Ethernet (RFC 826): who has this IP, tell that MAC.
// Only hardware type 1 (Ethernet, 6-byte addresses) with protocol type
// 0x0800 (IPv4, 4-byte addresses) is accepted; anything else is
// UnsupportedHardware.
#pragma once

#include <cstdint>

#include "base/address.hpp"
#include "base/bytes.hpp"
#include "wire/error.hpp"

namespace ws {

enum class ArpOp : std::uint16_t { Request = 1, Reply = 2 };

class ArpView {
 public:
  static constexpr std::size_t kLen = 28;

  static WireResult<ArpView> check(Bytes packet);

  std::uint16_t hardware_type() const { return load_be16(b_.data()); }
  std::uint16_t protocol_type() const { return load_be16(b_.data() + 2); }
  std::uint8_t hardware_len() const { return b_[4]; }
  std::uint8_t protocol_len() const { return b_[5]; }
  std::uint16_t operation() const { return load_be16(b_.data() + 6); }
  MacAddress sender_mac() const { return MacAddress::from_bytes(b_.data() + 8); }
  Ipv4Address sender_ip() const { return Ipv4Address::from_bytes(b_.data() + 14); }
  MacAddress target_mac() const { return MacAddress::from_bytes(b_.data() + 18); }
  Ipv4Address target_ip() const { return Ipv4Address::from_bytes(b_.data() + 24); }

 private:
  explicit ArpView(Bytes b) : b_(b) {}
  Bytes b_;
};

struct ArpPacket {
  ArpOp op = ArpOp::Request;
  MacAddress sender_mac;
  Ipv4Address sender_ip;
  MacAddress target_mac;  // zero in a request (RFC 826: "don't care")
  Ipv4Address target_ip;

  // Bytes beyond the 28-byte packet (Ethernet padding) are ignored.
  static WireResult<ArpPacket> parse(Bytes packet);
  static constexpr std::size_t buffer_len() { return ArpView::kLen; }
  void emit(MutBytes out) const;  // out.size() >= 28
  bool operator==(const ArpPacket&) const = default;
};

}  // namespace ws
