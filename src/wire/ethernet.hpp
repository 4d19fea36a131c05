// Ethernet II framing (IEEE 802.3 with an EtherType, RFC 894): destination
// MAC, source MAC, EtherType, payload. No FCS — devices strip it.
#pragma once

#include <cstdint>

#include "base/address.hpp"
#include "base/bytes.hpp"
#include "wire/error.hpp"

namespace ws {

namespace ethertype {
inline constexpr std::uint16_t kIpv4 = 0x0800;
inline constexpr std::uint16_t kArp = 0x0806;
inline constexpr std::uint16_t kIpv6 = 0x86dd;
}  // namespace ethertype

// Zero-copy view. Contract: a view exists only after check() accepted the
// bytes, so no accessor can read out of bounds.
class EthernetView {
 public:
  static constexpr std::size_t kHeaderLen = 14;

  static WireResult<EthernetView> check(Bytes frame);

  MacAddress dst() const { return MacAddress::from_bytes(b_.data()); }
  MacAddress src() const { return MacAddress::from_bytes(b_.data() + 6); }
  std::uint16_t ethertype() const { return load_be16(b_.data() + 12); }
  Bytes payload() const { return b_.subspan(kHeaderLen); }

 private:
  explicit EthernetView(Bytes b) : b_(b) {}
  Bytes b_;
};

// Value type: the header's fields; the payload is not owned.
struct EthernetHeader {
  MacAddress dst;
  MacAddress src;
  std::uint16_t ethertype = 0;

  static WireResult<EthernetHeader> parse(Bytes frame);
  static constexpr std::size_t header_len() { return EthernetView::kHeaderLen; }
  // Writes the 14 header bytes at out[0..14). out.size() >= 14.
  void emit(MutBytes out) const;
  bool operator==(const EthernetHeader&) const = default;
};

}  // namespace ws
