// What the connection itself sends — SYN, pure ACKs, RST — and the header
// every outgoing segment gets: ports, and the receiver's ACK number and
// window on all but an active open's SYN. Data, retransmissions and
// zero-window probes come from the Sender through transmit().
#include <algorithm>

#include "tcp/connection.hpp"

namespace ws::tcp {

void Connection::emit(TcpSegment& seg) {
  seg.src_port = tuple_.local.port;
  seg.dst_port = tuple_.remote.port;
  ++stats_.segments_sent;
  emit_(seg);
}

void Connection::transmit(Instant /*now*/, TcpSegment& seg, bool acks) {
  seg.ack = receiver_.ack_number();
  seg.flags.bits |= TcpFlags::kAck;
  seg.window = receiver_.window_to_advertise();
  if (acks) receiver_.on_ack_sent();
  emit(seg);
}

void Connection::maybe_window_update(Instant now) {
  switch (state_) {
    case State::Established:
    case State::FinWait1:
    case State::FinWait2: break;
    case State::Closed:
    case State::Listen:
    case State::SynSent:
    case State::SynReceived:
    case State::CloseWait:
    case State::Closing:
    case State::LastAck:
    case State::TimeWait: return;  // nothing more will arrive
  }
  if (receiver_.window_update_due()) {
    ++stats_.window_updates;
    send_ack(now);
  }
}

void Connection::send_ack(Instant /*now*/) {
  TcpSegment seg;
  // SND.MAX, not SND.NXT, after a go-back-N timeout: an ACK carrying the
  // old sequence number would fail the peer's acceptability test
  // (§3.10.7.4) — the peer would drop it, ACK field and all, while its own
  // ACKs met the same fate here: a livelock. (BSD's tcp_output makes the
  // same exception for pure ACKs.)
  seg.seq = sender_.ack_seq();
  seg.ack = receiver_.ack_number();
  seg.flags.bits = TcpFlags::kAck;
  seg.window = receiver_.window_to_advertise();
  receiver_.on_ack_sent();
  emit(seg);
}

void Connection::send_challenge_ack(Instant now) {
  ++stats_.challenge_acks;
  send_ack(now);
}

void Connection::send_rst(SeqNum seq, std::optional<SeqNum> ack) {
  TcpSegment seg;
  seg.seq = seq;
  seg.ack = ack;
  seg.flags.bits = static_cast<std::uint8_t>(TcpFlags::kRst | (ack ? TcpFlags::kAck : 0));
  emit(seg);
}

void Connection::send_syn(Instant now, bool with_ack) {
  TcpSegment seg;
  seg.seq = sender_.iss();
  seg.flags.bits = TcpFlags::kSyn;
  if (with_ack) {
    seg.ack = receiver_.ack_number();
    seg.flags.bits |= TcpFlags::kAck;
  }
  // A SYN's window is never scaled; it offers the whole buffer (to 65535).
  seg.window = receiver_.syn_window();
  seg.options.mss = config_.mss;
  // RFC 7323 §2.2: offered in a SYN; in a SYN-ACK only as the answer to
  // the peer's (take_peer_options has then turned scaling on).
  if (config_.window_scale && (!with_ack || wscale_on_)) {
    seg.options.window_scale = receiver_.syn_wscale();
  }
  sender_.on_syn_sent(now);
  receiver_.cancel_ack_request();
  emit(seg);
}

void Connection::output(Instant now) {
  switch (state_) {
    case State::Established:
    case State::CloseWait:
    case State::FinWait1:
    case State::Closing:
    case State::LastAck: break;
    case State::SynReceived:
    case State::FinWait2:
    case State::TimeWait:
      if (receiver_.ack_due()) send_ack(now);
      return;
    case State::Closed:
    case State::Listen:
    case State::SynSent: return;
  }
  sender_.output(now);
  if (receiver_.ack_due()) send_ack(now);
}

}  // namespace ws::tcp
