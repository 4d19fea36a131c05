// ICMPv4 (RFC 792): echo request/reply, destination unreachable (with the
// RFC 1191 next-hop MTU for "fragmentation needed") and time exceeded.
// Error messages quote the original IPv4 header and at least 8 bytes of its
// payload; the quote is kept as raw bytes and decoded on demand.
#pragma once

#include <cstdint>

#include "base/bytes.hpp"
#include "wire/error.hpp"
#include "wire/ipv4.hpp"

namespace ws {

enum class IcmpType : std::uint8_t {
  EchoReply = 0,
  DestUnreachable = 3,
  EchoRequest = 8,
  TimeExceeded = 11,
};

// Destination unreachable codes (RFC 792, RFC 1122 §3.2.2.1).
namespace icmp_unreach {
inline constexpr std::uint8_t kNet = 0;
inline constexpr std::uint8_t kHost = 1;
inline constexpr std::uint8_t kProtocol = 2;
inline constexpr std::uint8_t kPort = 3;
inline constexpr std::uint8_t kFragNeeded = 4;  // RFC 1191 next-hop MTU in bytes 6–7
inline constexpr std::uint8_t kAdminProhibited = 13;
}  // namespace icmp_unreach

// Time exceeded codes.
namespace icmp_time_exceeded {
inline constexpr std::uint8_t kTtl = 0;
inline constexpr std::uint8_t kReassembly = 1;
}  // namespace icmp_time_exceeded

class IcmpView {
 public:
  static constexpr std::size_t kHeaderLen = 8;

  static WireResult<IcmpView> check(Bytes message);

  std::uint8_t type() const { return b_[0]; }
  std::uint8_t code() const { return b_[1]; }
  std::uint16_t checksum() const { return load_be16(b_.data() + 2); }
  // Bytes 4–7: echo identifier and sequence, or the unused/MTU word.
  std::uint16_t word1() const { return load_be16(b_.data() + 4); }
  std::uint16_t word2() const { return load_be16(b_.data() + 6); }
  Bytes body() const { return b_.subspan(kHeaderLen); }
  bool checksum_ok() const;

 private:
  explicit IcmpView(Bytes b) : b_(b) {}
  Bytes b_;
};

struct IcmpMessage {
  IcmpType type = IcmpType::EchoRequest;
  std::uint8_t code = 0;
  std::uint16_t ident = 0;         // echo only
  std::uint16_t seq = 0;           // echo only
  std::uint16_t next_hop_mtu = 0;  // destination unreachable, code 4 only
  // Echo: the data echoed back. Errors: the quoted datagram.
  Bytes body;

  static IcmpMessage echo_request(std::uint16_t ident, std::uint16_t seq, Bytes data) {
    return {IcmpType::EchoRequest, 0, ident, seq, 0, data};
  }
  static IcmpMessage echo_reply(std::uint16_t ident, std::uint16_t seq, Bytes data) {
    return {IcmpType::EchoReply, 0, ident, seq, 0, data};
  }
  static IcmpMessage dest_unreachable(std::uint8_t code, Bytes quoted, std::uint16_t mtu = 0) {
    return {IcmpType::DestUnreachable, code, 0, 0, mtu, quoted};
  }
  static IcmpMessage time_exceeded(std::uint8_t code, Bytes quoted) {
    return {IcmpType::TimeExceeded, code, 0, 0, 0, quoted};
  }

  // Verifies the checksum; rejects unknown types (UnsupportedType) and error
  // messages whose quote is not a plausible IPv4 header.
  static WireResult<IcmpMessage> parse(Bytes message);

  bool is_error() const {
    return type == IcmpType::DestUnreachable || type == IcmpType::TimeExceeded;
  }
  // The quoted datagram of an error message.
  WireResult<QuotedDatagram> quoted() const { return parse_quoted_datagram(body); }

  std::size_t buffer_len() const { return IcmpView::kHeaderLen + body.size(); }
  // Writes header and body (body copied unless already in place at
  // out[8..]) with the checksum. out.size() == buffer_len().
  void emit(MutBytes out) const;
  bool operator==(const IcmpMessage& o) const;
};

// How many bytes of an offending datagram an ICMP error quotes: the IP
// header and as much payload as fits in 576 bytes overall (RFC 1812
// §4.3.2.3), with at least the 8 bytes RFC 792 requires.
std::size_t icmp_quote_len(Bytes original_datagram);

}  // namespace ws
