// UDP (RFC 768): ports, length, and the checksum over the IPv4
// pseudo-header. A transmitted checksum of zero means "none"; a computed
// zero is sent as 0xffff.
#pragma once

#include <cstdint>

#include "base/address.hpp"
#include "base/checksum.hpp"
#include "base/bytes.hpp"
#include "wire/error.hpp"

namespace ws {

class UdpView {
 public:
  static constexpr std::size_t kHeaderLen = 8;
  static constexpr std::uint16_t kChecksumOffset = 6;  // of the checksum field

  // Checks the length field against the buffer: it must be >= 8 and no
  // larger than the bytes present (bytes beyond it are excluded).
  static WireResult<UdpView> check(Bytes datagram);

  std::uint16_t src_port() const { return load_be16(b_.data()); }
  std::uint16_t dst_port() const { return load_be16(b_.data() + 2); }
  std::uint16_t length() const { return load_be16(b_.data() + 4); }
  std::uint16_t checksum() const { return load_be16(b_.data() + 6); }
  Bytes payload() const { return b_.subspan(kHeaderLen); }
  // True when the checksum is absent (zero) or verifies.
  bool checksum_ok(Ipv4Address src, Ipv4Address dst) const;

 private:
  explicit UdpView(Bytes b) : b_(b) {}
  Bytes b_;
};

struct UdpDatagram {
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;
  Bytes payload;

  static WireResult<UdpDatagram> parse(Bytes datagram, Ipv4Address src, Ipv4Address dst,
                                       bool verify_checksum = true);

  std::size_t buffer_len() const { return UdpView::kHeaderLen + payload.size(); }
  // Writes header + payload (copied unless already in place) with the
  // checksum. out.size() == buffer_len() <= 65535.
  void emit(MutBytes out, Ipv4Address src, Ipv4Address dst, ChecksumMode mode = ChecksumMode::kFull) const;
  bool operator==(const UdpDatagram& o) const;
};

}  // namespace ws
