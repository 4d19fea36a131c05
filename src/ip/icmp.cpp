// The host's ICMP (RFC 792, RFC 1122 §3.2.2): echo replies, error
// generation with the RFC 1122 / RFC 1812 suppression rules and a rate
// limit, delivery of received errors to the sender, and the ping client.
#include <algorithm>

#include "ip/host.hpp"

namespace ws {

void Host::receive_icmp(Instant now, const Ipv4Header& h, Bytes payload, bool to_broadcast) {
  ++stats_.icmp_rx;
  auto m = IcmpMessage::parse(payload);
  if (!m) {
    ++stats_.icmp_bad;
    return;
  }
  switch (m->type) {
    case IcmpType::EchoRequest: {
      // Like Linux (icmp_echo_ignore_broadcasts=1), broadcast pings go unanswered:
      // RFC 1122 §3.2.2.6 allows it and it defuses smurf amplification.
      if (to_broadcast) return;
      const IcmpMessage reply = IcmpMessage::echo_reply(m->ident, m->seq, m->body);
      std::vector<std::uint8_t> out(reply.buffer_len());
      reply.emit(out);
      // RFC 1122 §3.2.2.6: the reply's source is the address the request was sent to.
      if (send_ipv4(now, h.dst, h.src, ipproto::kIcmp, out)) ++stats_.icmp_echo_replies_sent;
      return;
    }
    case IcmpType::EchoReply: {
      auto it = std::find_if(pings_in_flight_.begin(), pings_in_flight_.end(), [&](const PingSent& p) {
        return p.ident == m->ident && p.seq == m->seq;
      });
      if (it == pings_in_flight_.end()) {
        ++stats_.ping_unmatched;
        return;
      }
      if (ping_replies_.size() >= kMaxPingsInFlight) ping_replies_.erase(ping_replies_.begin());
      ping_replies_.push_back(PingReply{h.src, m->ident, m->seq, h.ttl, payload.size(), now - it->sent_at});
      pings_in_flight_.erase(it);
      return;
    }
    case IcmpType::DestUnreachable:
    case IcmpType::TimeExceeded:
      deliver_icmp_error(now, h.src, *m);
      return;
  }
}

void Host::deliver_icmp_error(Instant now, Ipv4Address from, const IcmpMessage& m) {
  auto q = m.quoted();
  if (!q || !is_local_address(q->header.src)) return;  // not about a datagram of ours
  ++stats_.icmp_errors_delivered;
  if (q->header.protocol == ipproto::kIcmp) {
    // About one of our echo requests: the quote's first 8 bytes are its
    // ICMP header (type, code, checksum, identifier, sequence).
    if (q->data.size() >= 8 && q->data[0] == static_cast<std::uint8_t>(IcmpType::EchoRequest)) {
      if (ping_errors_.size() < kMaxPingsInFlight) {
        ping_errors_.push_back(PingError{from, load_be16(q->data.data() + 4), load_be16(q->data.data() + 6),
                                         m.type, m.code, now});
      }
    }
    return;
  }
  const ProtocolHandler& handler = handlers_[q->header.protocol];
  if (handler.on_icmp_error) handler.on_icmp_error(now, m, *q);
}

bool Host::icmp_error_allowed(Instant now) {
  // Token bucket: `burst` tokens, one more every `interval`.
  if (config_.icmp_error_interval > Duration::zero()) {
    const double refill = static_cast<double>((now - icmp_tokens_at_).total_nanos()) /
                          static_cast<double>(config_.icmp_error_interval.total_nanos());
    icmp_tokens_ = std::min<double>(config_.icmp_error_burst, icmp_tokens_ + std::max(0.0, refill));
  } else {
    icmp_tokens_ = config_.icmp_error_burst;
  }
  icmp_tokens_at_ = now;
  if (icmp_tokens_ < 1.0) return false;
  icmp_tokens_ -= 1.0;
  return true;
}

void Host::send_icmp_error(Instant now, Bytes offending, IcmpType type, std::uint8_t code,
                           std::uint16_t mtu) {
  auto q = parse_quoted_datagram(offending);
  if (!q) return;
  const Ipv4Header& o = q->header;
  // RFC 1122 §3.2.2 / RFC 1812 §4.3.2.7: never about an ICMP error, a
  // broadcast or multicast datagram, a non-initial fragment, or a datagram
  // whose source does not name a single host.
  if (o.protocol == ipproto::kIcmp && !q->data.empty()) {
    const auto t = q->data[0];
    if (t != static_cast<std::uint8_t>(IcmpType::EchoRequest) &&
        t != static_cast<std::uint8_t>(IcmpType::EchoReply)) {
      return;
    }
  }
  if (o.dst.is_broadcast() || o.dst.is_multicast() || o.frag_offset != 0) return;
  if (o.src.is_unspecified() || o.src.is_broadcast() || o.src.is_multicast()) return;
  for (IfIndex i = 0; i < ifaces_.size(); ++i) {
    if (is_broadcast_on(i, o.dst) || is_broadcast_on(i, o.src)) return;
  }

  const Bytes quote = offending.first(icmp_quote_len(offending));
  const IcmpMessage m = type == IcmpType::TimeExceeded ? IcmpMessage::time_exceeded(code, quote)
                                                       : IcmpMessage::dest_unreachable(code, quote, mtu);
  if (is_local_address(o.src)) {
    // Our own datagram failed here (no route, ARP failure, DF too big):
    // tell the local sender directly; no rate limit applies to ourselves.
    deliver_icmp_error(now, o.src, m);
    return;
  }
  if (!icmp_error_allowed(now)) {
    ++stats_.icmp_errors_rate_limited;
    return;
  }
  std::vector<std::uint8_t> out(m.buffer_len());
  m.emit(out);
  if (send_ipv4(now, Ipv4Address::any(), o.src, ipproto::kIcmp, out)) ++stats_.icmp_errors_sent;
}

Result<void, SendError> Host::send_ping(Instant now, Ipv4Address dst, std::uint16_t ident,
                                        std::uint16_t seq, std::size_t data_len,
                                        std::optional<std::uint8_t> ttl) {
  std::vector<std::uint8_t> data(data_len);
  for (std::size_t i = 0; i < data_len; ++i) data[i] = static_cast<std::uint8_t>(i);
  const IcmpMessage m = IcmpMessage::echo_request(ident, seq, data);
  std::vector<std::uint8_t> out(m.buffer_len());
  m.emit(out);
  if (pings_in_flight_.size() >= kMaxPingsInFlight) pings_in_flight_.pop_front();
  pings_in_flight_.push_back(PingSent{ident, seq, now});
  auto r = send_ipv4(now, Ipv4Address::any(), dst, ipproto::kIcmp, out, false, ttl);
  if (!r) pings_in_flight_.pop_back();
  return r;
}

std::vector<PingReply> Host::take_ping_replies() { return std::exchange(ping_replies_, {}); }
std::vector<PingError> Host::take_ping_errors() { return std::exchange(ping_errors_, {}); }

}  // namespace ws
