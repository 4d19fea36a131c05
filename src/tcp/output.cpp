// What the connection itself sends — SYN, pure ACKs, RST — and the header
// every outgoing segment gets: ports, and the receiver's ACK number and
// window on all but an active open's SYN. Data, retransmissions and
// zero-window probes come from the Sender through transmit().
#include <algorithm>

#include "tcp/connection.hpp"

namespace ws::tcp {

void Connection::emit(Instant now, TcpSegment& seg, std::uint8_t ecn) {
  seg.src_port = tuple_.local.port;
  seg.dst_port = tuple_.remote.port;
  // RFC 3168 §6.1.3: every ACK carries ECE while a CE mark waits for the
  // peer's CWR (not a SYN-ACK: its ECE means "ECN accepted", §6.1.1).
  if (ece_echo_ && seg.ack && !seg.flags.syn() && !seg.flags.rst()) seg.flags.bits |= TcpFlags::kEce;
  if (!seg.flags.rst()) {
    // RFC 7323 §3.2: once negotiated, TSopt in every non-RST segment,
    // echoing TS.Recent (§4.3).
    if (ts_on_) seg.options.timestamps = TcpTimestamps{ts_val(now), ts_recent_};
    // RFC 2018 §4: SACK blocks in every ACK while data is held beyond a
    // gap (3 fit beside timestamps, 4 without).
    if (sack_on_ && seg.ack && !seg.flags.syn()) {
      bool dsack = false;
      std::size_t room = seg.options.timestamps ? 3 : TcpOptions::kMaxSackBlocks;
      if (!seg.payload.empty()) {
        // Options beyond the timestamps' 12 bytes would push a full
        // segment past the MSS (RFC 6691 §2): only what fits.
        const std::size_t spare = sender_.mss() + (ts_on_ ? 12u : 0u) - std::min<std::size_t>(
            seg.payload.size() + (ts_on_ ? 12u : 0u), sender_.mss() + (ts_on_ ? 12u : 0u));
        room = spare >= 12 ? std::min(room, (spare - 4) / 8) : 0;
      }
      seg.options.sack_count = static_cast<std::uint8_t>(
          receiver_.sack_blocks(std::span(seg.options.sack_blocks.data(), room), dsack));
      stats_.sack_blocks_sent += seg.options.sack_count;
      if (dsack) ++stats_.dsack_blocks_sent;
    }
    if (seg.ack) last_ack_sent_ = *seg.ack;
  }
  ++stats_.segments_sent;
  out_ecn_ = ecn;  // read by the owner through outgoing_ecn() during the call
  emit_(now, seg);
  out_ecn_ = ecn::kNotEct;
}

void Connection::transmit(Instant now, TcpSegment& seg, bool acks, bool ect) {
  seg.ack = receiver_.ack_number();
  seg.flags.bits |= TcpFlags::kAck;
  seg.window = receiver_.window_to_advertise();
  if (acks) receiver_.on_ack_sent();
  emit(now, seg, ect ? ecn::kEct0 : ecn::kNotEct);
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

void Connection::send_ack(Instant now) {
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
  emit(now, seg);
}

void Connection::send_challenge_ack(Instant now) {
  ++stats_.challenge_acks;
  send_ack(now);
}

void Connection::send_rst(Instant now, SeqNum seq, std::optional<SeqNum> ack) {
  TcpSegment seg;
  seg.seq = seq;
  seg.ack = ack;
  seg.flags.bits = static_cast<std::uint8_t>(TcpFlags::kRst | (ack ? TcpFlags::kAck : 0));
  emit(now, seg);  // (an RST carries no timestamp, RFC 7323 §3.2)
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
  // RFC 2018 §2 and RFC 7323 §3.2: the same rule for SACK-permitted and
  // timestamps. A SYN-ACK's timestamps come from emit() (TS.Recent is known).
  if (with_ack ? sack_on_ : config_.sack) seg.options.sack_permitted = true;
  if (!with_ack && config_.timestamps) seg.options.timestamps = TcpTimestamps{ts_val(now), 0};
  // RFC 3168 §6.1.1: an ECN-setup SYN carries ECE and CWR; the SYN-ACK
  // that accepts carries ECE alone. The SYN itself is never ECT (§6.1.1).
  if (!with_ack && config_.ecn == EcnMode::kOn) seg.flags.bits |= TcpFlags::kEce | TcpFlags::kCwr;
  if (with_ack && ecn_on_) seg.flags.bits |= TcpFlags::kEce;
  sender_.on_syn_sent(now);
  receiver_.cancel_ack_request();
  emit(now, seg);
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
