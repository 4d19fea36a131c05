// Explicit Congestion Notification for TCP (RFC 3168): the codepoints of
// the IP header's ECN field (§5), the per-connection setting and the
// handshake's rules (§6.1.1).
//
// How the pieces use it: the Connection negotiates in the SYN/SYN-ACK
// (input.cpp, output.cpp), echoes CE marks with ECE until the peer's CWR
// (the receiver side, §6.1.3, connection.hpp), and tells the IP layer which
// codepoint each segment carries (`Connection::outgoing_ecn()`); the Sender
// marks new data ECT(0), reacts to ECE once per window and sets CWR
// (sender_ecn.cpp, §6.1.2).
#pragma once

#include <cstdint>
#include <string_view>

#include "wire/tcp.hpp"

namespace ws::tcp {

// RFC 3168 §5: the two ECN bits of the IPv4 TOS octet.
namespace ecn {
inline constexpr std::uint8_t kNotEct = 0b00;
inline constexpr std::uint8_t kEct1 = 0b01;
inline constexpr std::uint8_t kEct0 = 0b10;
inline constexpr std::uint8_t kCe = 0b11;
inline constexpr bool is_ect(std::uint8_t cp) { return cp == kEct0 || cp == kEct1; }
}  // namespace ecn

// Whether a connection uses ECN. Linux's net.ipv4.tcp_ecn has the same
// three values: 0 off, 1 ask and accept, 2 accept when asked (its default).
enum class EcnMode : std::uint8_t {
  kOff,     // our SYN does not ask, our SYN-ACK does not accept
  kOn,      // our SYN asks (ECE+CWR); an asking SYN is accepted
  kAccept,  // our SYN does not ask; an asking SYN is accepted (ECE in the SYN-ACK)
};
inline std::string_view to_string(EcnMode m) {
  switch (m) {
    case EcnMode::kOff: return "off";
    case EcnMode::kOn: return "on";
    case EcnMode::kAccept: return "accept";
  }
  return "?";
}

// RFC 3168 §6.1.1: an "ECN-setup SYN" has ECE and CWR set; an
// "ECN-setup SYN-ACK" has ECE set and CWR clear. Anything else (a SYN with
// only ECE, a SYN-ACK with both, as a reflecting middlebox would send) is
// not ECN-setup (§6.1.1 last paragraphs).
inline bool is_ecn_setup_syn(TcpFlags f) { return f.syn() && !f.ack() && f.ece() && f.cwr(); }
inline bool is_ecn_setup_syn_ack(TcpFlags f) { return f.syn() && f.ack() && f.ece() && !f.cwr(); }

}  // namespace ws::tcp
