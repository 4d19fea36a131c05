// TCP header (RFC 9293 §3.1): ports, sequence and acknowledgment numbers,
// data offset, the eight flags (CWR and ECE from RFC 3168), window,
// checksum over the IPv4 pseudo-header, urgent pointer, options.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/address.hpp"
#include "base/checksum.hpp"
#include "base/bytes.hpp"
#include "wire/error.hpp"
#include "wire/seq_num.hpp"
#include "wire/tcp_options.hpp"

namespace ws {

// The flag bits of byte 13.
struct TcpFlags {
  static constexpr std::uint8_t kFin = 0x01;
  static constexpr std::uint8_t kSyn = 0x02;
  static constexpr std::uint8_t kRst = 0x04;
  static constexpr std::uint8_t kPsh = 0x08;
  static constexpr std::uint8_t kAck = 0x10;
  static constexpr std::uint8_t kUrg = 0x20;
  static constexpr std::uint8_t kEce = 0x40;
  static constexpr std::uint8_t kCwr = 0x80;

  std::uint8_t bits = 0;

  bool fin() const { return (bits & kFin) != 0; }
  bool syn() const { return (bits & kSyn) != 0; }
  bool rst() const { return (bits & kRst) != 0; }
  bool psh() const { return (bits & kPsh) != 0; }
  bool ack() const { return (bits & kAck) != 0; }
  bool urg() const { return (bits & kUrg) != 0; }
  bool ece() const { return (bits & kEce) != 0; }
  bool cwr() const { return (bits & kCwr) != 0; }
  // tcpdump's notation: "S.", "P.", "F.", "R", "." ...
  std::string to_string() const;
  bool operator==(const TcpFlags&) const = default;
};

class TcpView {
 public:
  static constexpr std::size_t kMinHeaderLen = 20;
  static constexpr std::uint16_t kChecksumOffset = 16;  // of the checksum field

  // Checks the fixed header and the data offset against the buffer.
  static WireResult<TcpView> check(Bytes segment);

  std::uint16_t src_port() const { return load_be16(b_.data()); }
  std::uint16_t dst_port() const { return load_be16(b_.data() + 2); }
  SeqNum seq() const { return SeqNum(load_be32(b_.data() + 4)); }
  SeqNum ack() const { return SeqNum(load_be32(b_.data() + 8)); }
  std::size_t header_len() const { return static_cast<std::size_t>(b_[12] >> 4) * 4; }
  TcpFlags flags() const { return TcpFlags{b_[13]}; }
  std::uint16_t window() const { return load_be16(b_.data() + 14); }
  std::uint16_t checksum() const { return load_be16(b_.data() + 16); }
  std::uint16_t urgent_ptr() const { return load_be16(b_.data() + 18); }
  Bytes options() const { return b_.subspan(kMinHeaderLen, header_len() - kMinHeaderLen); }
  Bytes payload() const { return b_.subspan(header_len()); }
  bool checksum_ok(Ipv4Address src, Ipv4Address dst) const;

 private:
  explicit TcpView(Bytes b) : b_(b) {}
  Bytes b_;
};

struct TcpSegment {
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;
  SeqNum seq;
  std::optional<SeqNum> ack;  // present exactly when the ACK flag is set
  TcpFlags flags;             // the ACK bit mirrors `ack` on emit
  std::uint16_t window = 0;   // as on the wire (unscaled)
  std::uint16_t urgent_ptr = 0;
  TcpOptions options;
  Bytes payload;

  // Verifies the checksum and rejects impossible segments: bad data offset,
  // malformed options, SYN together with RST or FIN (BadFlags).
  static WireResult<TcpSegment> parse(Bytes segment, Ipv4Address src, Ipv4Address dst,
                                      bool verify_checksum = true);

  std::size_t header_len() const { return TcpView::kMinHeaderLen + options.encoded_len(); }
  std::size_t buffer_len() const { return header_len() + payload.size(); }
  // Sequence space the segment occupies: payload plus one each for SYN and FIN.
  std::uint32_t seq_len() const {
    return static_cast<std::uint32_t>(payload.size()) + (flags.syn() ? 1 : 0) + (flags.fin() ? 1 : 0);
  }
  // Writes header, options and payload (copied unless already in place)
  // with the checksum, or only its pseudo-header part (ChecksumMode).
  // out.size() == buffer_len().
  void emit(MutBytes out, Ipv4Address src, Ipv4Address dst, ChecksumMode mode = ChecksumMode::kFull) const;
  bool operator==(const TcpSegment& o) const;
};

}  // namespace ws
