// ICMP errors for TCP: which connection an error is about and whether to
// believe it (RFC 5927), what each kind means to the connection (RFC 1122
// §4.2.3.9, RFC 5461), and path MTU discovery (RFC 1191).
//
// The host hands over every ICMP error quoting a TCP datagram we sent
// (ip/icmp.cpp). Anyone can forge one, so an error is used only when
//   1. the quote holds the TCP ports and sequence number (RFC 792 promises
//      the first 8 bytes of the datagram);
//   2. the quoted 4-tuple is a live connection (RFC 5927 §4);
//   3. the quoted sequence number is one the connection has sent and not
//      yet seen acknowledged, SND.UNA ≤ SEG.SEQ < SND.MAX (RFC 5927 §4.1) —
//      a blind attacker must guess it within the flight;
// and each ignored error is counted under its reason (TcpStats).
#include "tcp/connection.hpp"
#include "tcp/tcp_layer.hpp"

namespace ws {

namespace {

// RFC 1122 §4.2.3.9 with the errno a BSD program sees (as Linux maps them).
SockError error_for(const IcmpMessage& m) {
  if (m.type != IcmpType::DestUnreachable) return SockError::HostUnreach;  // time exceeded
  switch (m.code) {
    case icmp_unreach::kNet: return SockError::NetUnreach;
    case icmp_unreach::kPort:
    case icmp_unreach::kProtocol: return SockError::ConnRefused;
    default: return SockError::HostUnreach;
  }
}

}  // namespace

void TcpLayer::on_icmp_error(Instant now, const IcmpMessage& m, const QuotedDatagram& q) {
  // 1. Ports (bytes 0–3) and sequence number (4–7) of the quoted header.
  if (q.data.size() < 8) {
    ++stats_.icmp_truncated;
    return;
  }
  // 2. The connection, by the quote's 4-tuple (the quote is our datagram:
  //    its source is our end).
  const tcp::FourTuple tuple{{q.header.src, load_be16(q.data.data())},
                             {q.header.dst, load_be16(q.data.data() + 2)}};
  auto it = by_tuple_.find(key_of(tuple));
  if (it == by_tuple_.end()) {
    ++stats_.icmp_no_connection;
    return;
  }
  const ConnId id = it->second;
  tcp::Connection& c = *conns_.at(id).conn;
  // 3. A sequence number in flight.
  if (!c.icmp_quote_in_flight(SeqNum(load_be32(q.data.data() + 4)))) {
    ++stats_.icmp_out_of_window;
    return;
  }
  if (m.type == IcmpType::DestUnreachable && m.code == icmp_unreach::kFragNeeded) {
    // RFC 1191 §4: the router's next-hop MTU; the quote's Total Length is
    // the size that did not fit.
    const auto report = read_frag_needed(m.next_hop_mtu, q.header.total_len());
    if (report && c.on_packet_too_big(now, *report)) {
      ++stats_.frag_needed_accepted;
    } else {
      ++stats_.frag_needed_ignored;
    }
    after(id);
    return;
  }
  ++stats_.icmp_errors;
  c.on_icmp_error(now, error_for(m));
  after(id);
}

namespace tcp {

bool Connection::icmp_quote_in_flight(SeqNum seq) const {
  // Until our SYN is acknowledged, SND.UNA is the ISS (the SYN's number).
  const SeqNum una = established_once_ ? sender_.una() : sender_.iss();
  return !seq.before(una) && seq.before(sender_.max());
}

void Connection::on_icmp_error(Instant now, SockError error) {
  (void)now;
  // RFC 1122 §4.2.3.9 calls unreachables soft errors (and codes 2–4 hard);
  // RFC 5461 and RFC 5927 §5.2 treat every error as soft once the
  // connection is synchronized — a forged one cannot reset it. Like
  // Linux, a connection still in its handshake gives up at once (the
  // connect fails with the error); an established one remembers the
  // error for SO_ERROR and for the report when it times out.
  if (state_ == State::SynSent) {
    finish(error);
  } else if (!is_closed()) {
    soft_error_ = error;
  }
}

std::optional<SockError> Connection::take_soft_error() {
  auto e = soft_error_;
  soft_error_.reset();
  return e;
}

bool Connection::on_packet_too_big(Instant now, const PathMtuReport& report) {
  // Our SYN is far below any MTU we accept: a "too big" SYN is not real,
  // and the segment size is only known once the peer's SYN arrived.
  if (state_ == State::SynSent || is_closed()) return false;
  // Below the minimum we keep (ip/path_mtu.hpp): routers may fragment.
  if (report.below_minimum) dont_fragment_ = false;
  // RFC 9293 §3.7.1: a segment's data is the MTU less the IPv4 and TCP headers.
  if (!sender_.on_path_mtu(now, static_cast<std::uint16_t>(report.mtu - kIpv4TcpHeaders))) return false;
  path_mtu_ = report.mtu;
  ++stats_.path_mtu_reductions;
  output(now);  // RFC 1191 §6.4: resend at the new size now
  return true;
}

}  // namespace tcp
}  // namespace ws
