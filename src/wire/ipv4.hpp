// IPv4 header (RFC 791 §3.1). Options are honoured for their length (IHL)
// and carried as opaque bytes; their contents are not interpreted.
#pragma once

#include <cstdint>

#include "base/address.hpp"
#include "base/bytes.hpp"
#include "wire/error.hpp"

namespace ws {

namespace ipproto {
inline constexpr std::uint8_t kIcmp = 1;
inline constexpr std::uint8_t kTcp = 6;
inline constexpr std::uint8_t kUdp = 17;
}  // namespace ipproto

class Ipv4View {
 public:
  static constexpr std::size_t kMinHeaderLen = 20;
  static constexpr std::size_t kMaxHeaderLen = 60;

  // Checks version, IHL and total length against the buffer. Bytes past
  // total length (Ethernet padding) are excluded from the view. The
  // checksum is not checked here (see Ipv4Header::parse).
  static WireResult<Ipv4View> check(Bytes packet);

  std::uint8_t version() const { return b_[0] >> 4; }
  std::size_t header_len() const { return std::size_t{b_[0] & 0x0fu} * 4; }
  std::uint8_t dscp() const { return b_[1] >> 2; }
  std::uint8_t ecn() const { return b_[1] & 0x03; }
  std::uint16_t total_len() const { return load_be16(b_.data() + 2); }
  std::uint16_t ident() const { return load_be16(b_.data() + 4); }
  bool dont_frag() const { return (b_[6] & 0x40) != 0; }
  bool more_frags() const { return (b_[6] & 0x20) != 0; }
  // In bytes (the field counts 8-byte units).
  std::uint16_t frag_offset() const {
    return static_cast<std::uint16_t>((load_be16(b_.data() + 6) & 0x1fff) * 8);
  }
  std::uint8_t ttl() const { return b_[8]; }
  std::uint8_t protocol() const { return b_[9]; }
  std::uint16_t checksum() const { return load_be16(b_.data() + 10); }
  Ipv4Address src() const { return Ipv4Address::from_bytes(b_.data() + 12); }
  Ipv4Address dst() const { return Ipv4Address::from_bytes(b_.data() + 16); }
  Bytes header() const { return b_.first(header_len()); }
  Bytes options() const { return b_.subspan(kMinHeaderLen, header_len() - kMinHeaderLen); }
  Bytes payload() const { return b_.subspan(header_len()); }
  bool checksum_ok() const;

 private:
  explicit Ipv4View(Bytes b) : b_(b) {}
  Bytes b_;
};

struct Ipv4Header {
  std::uint8_t dscp = 0;
  std::uint8_t ecn = 0;
  std::uint16_t ident = 0;
  bool dont_frag = false;
  bool more_frags = false;
  std::uint16_t frag_offset = 0;  // bytes; a multiple of 8
  std::uint8_t ttl = 64;
  std::uint8_t protocol = 0;
  Ipv4Address src;
  Ipv4Address dst;
  std::uint16_t payload_len = 0;
  Bytes options;  // raw option bytes (length a multiple of 4, at most 40)

  // Validates version, IHL, total length and (unless told not to) the
  // header checksum (RFC 1122 §3.2.1.2: a bad checksum is silently dropped).
  static WireResult<Ipv4Header> parse(Bytes packet, bool verify_checksum = true);

  std::size_t header_len() const { return Ipv4View::kMinHeaderLen + options.size(); }
  std::size_t total_len() const { return header_len() + payload_len; }
  bool is_fragment() const { return more_frags || frag_offset != 0; }
  // Writes the header (checksum computed) to out[0..header_len()).
  void emit(MutBytes out) const;
  bool operator==(const Ipv4Header& o) const;
};

// The header of an ICMP error's quoted datagram: its total length refers to
// the original datagram, of which only a prefix is present, and its checksum
// is not verified. `data` is the quoted transport bytes (RFC 792: at least 8).
struct QuotedDatagram {
  Ipv4Header header;
  Bytes data;
};
WireResult<QuotedDatagram> parse_quoted_datagram(Bytes quoted);

}  // namespace ws
