// What to send and when: segmentation by MSS and windows, Nagle (RFC 1122
// §4.2.3.4), sender and receiver silly window avoidance (RFC 9293
// §3.8.6.2), delayed ACKs (§3.8.6.3), retransmission and the timers that
// drive it (RFC 6298 §5).
#include <algorithm>
#include <vector>

#include "tcp/connection.hpp"

namespace ws::tcp {

namespace {
constexpr std::size_t kMaxWindow = 65535;  // a window field's largest value (unscaled)
}

void Connection::emit(Instant now, TcpSegment& seg) {
  seg.src_port = tuple_.local.port;
  seg.dst_port = tuple_.remote.port;
  ++stats_.segments_sent;
  last_send_ = now;
  emit_(seg);
}

void Connection::arm_retransmit(Instant now) { timers_.arm(TimerKind::kRetransmit, now + rtt_.rto()); }

std::uint16_t Connection::window_to_advertise() {
  const SeqNum nxt = rcv_.rcv_nxt();
  const std::size_t free = std::min(rcv_.window(), max_window());
  const std::int32_t edge = rcv_adv_ - nxt;
  const std::size_t offered = edge > 0 ? static_cast<std::size_t>(edge) : 0;
  // Receiver SWS avoidance (RFC 9293 §3.8.6.2.2): move the right edge only
  // by at least min(buffer/2, MSS); never move it left (§3.8.6.2.1).
  const std::size_t step = std::min<std::size_t>(rcv_.capacity() / 2, config_.mss);
  std::size_t wnd = offered;
  if (free >= offered + step || free == std::min(rcv_.capacity(), max_window())) wnd = free;
  wnd = std::min(wnd, free);
  // With a scale the field counts units of 2^shift bytes: round down (the
  // edge may appear to move left by less than one unit, RFC 7323 §2.4).
  wnd = (wnd >> rcv_wscale_) << rcv_wscale_;
  if (wnd > offered || edge <= 0) rcv_adv_ = nxt + static_cast<std::uint32_t>(wnd);
  return static_cast<std::uint16_t>(wnd >> rcv_wscale_);
}

void Connection::schedule_ack(Instant now, bool immediate) {
  if (immediate) {
    ack_now_ = true;
    return;
  }
  // RFC 1122 §4.2.3.2: an ACK for at least every second full-sized segment,
  // and none later than the delayed-ACK timeout.
  if (++unacked_segments_ >= 2) {
    ack_now_ = true;
  } else if (!timers_.armed(TimerKind::kDelayedAck)) {
    timers_.arm(TimerKind::kDelayedAck, now + config_.delayed_ack);
  }
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
  const std::int32_t edge = rcv_adv_ - rcv_.rcv_nxt();
  const std::size_t offered = edge > 0 ? static_cast<std::size_t>(edge) : 0;
  const std::size_t free = std::min(rcv_.window(), max_window());
  // Announce the space the read opened once it is worth a segment (or half
  // the buffer): the sender may be waiting on a zero or tiny window.
  const std::size_t step = std::min<std::size_t>(rcv_.capacity() / 2, 2u * config_.mss);
  if (free >= offered + step) {
    ++stats_.window_updates;
    send_ack(now);
  }
}

void Connection::send_ack(Instant now) {
  TcpSegment seg;
  // SND.MAX, not SND.NXT: after a timeout SND.NXT went back (go-back-N),
  // and an ACK carrying that old sequence number would fail the peer's
  // acceptability test (§3.10.7.4) — the peer would drop it, ACK field and
  // all, while its own ACKs met the same fate here: a livelock. (BSD's
  // tcp_output makes the same exception for pure ACKs.)
  seg.seq = snd_max_.after(snd_nxt_) ? snd_max_ : snd_nxt_;
  seg.ack = rcv_.rcv_nxt();
  seg.flags.bits = TcpFlags::kAck;
  seg.window = window_to_advertise();
  ack_now_ = false;
  unacked_segments_ = 0;
  timers_.cancel(TimerKind::kDelayedAck);
  emit(now, seg);
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
  seg.src_port = tuple_.local.port;
  seg.dst_port = tuple_.remote.port;
  ++stats_.segments_sent;
  emit_(seg);
}

void Connection::send_syn(Instant now, bool with_ack) {
  TcpSegment seg;
  seg.seq = iss_;
  seg.flags.bits = TcpFlags::kSyn;
  if (with_ack) {
    seg.ack = rcv_.rcv_nxt();
    seg.flags.bits |= TcpFlags::kAck;
  }
  // A SYN's window is never scaled; it offers the whole buffer (to 65535).
  seg.window = static_cast<std::uint16_t>(std::min(rcv_.window(), kMaxWindow));
  rcv_adv_ = rcv_.rcv_nxt() + seg.window;
  seg.options.mss = config_.mss;
  // RFC 7323 §2.2: offered in a SYN; in a SYN-ACK only as the answer to
  // the peer's (take_peer_options has then set the shifts).
  if (config_.window_scale && (!with_ack || wscale_on_)) {
    seg.options.window_scale = syn_wscale();
  }
  if (snd_nxt_ == iss_) snd_nxt_ = iss_ + 1;
  if (snd_max_.before(snd_nxt_)) snd_max_ = snd_nxt_;
  if (retransmits_ == 0) rtt_probe_ = std::make_pair(iss_ + 1, now);
  ack_now_ = false;
  emit(now, seg);
}

bool Connection::send_data_segment(Instant now, SeqNum seq, std::size_t len, bool fin, bool retransmission) {
  TcpSegment seg;
  seg.seq = seq;
  seg.ack = rcv_.rcv_nxt();
  seg.flags.bits = TcpFlags::kAck;
  if (fin) seg.flags.bits |= TcpFlags::kFin;
  // PSH when this segment empties what the application has written
  // (RFC 9293 §3.9.1.2: the sender may set it; receivers ignore it here).
  if (len > 0 && seq + static_cast<std::uint32_t>(len) == snd_.data_end()) seg.flags.bits |= TcpFlags::kPsh;
  seg.window = window_to_advertise();
  std::vector<std::uint8_t> joined;
  if (len > 0) {
    const ByteSpans spans = snd_.view(seq, len);
    if (spans.size() < len) return false;
    if (spans.second.empty()) {
      seg.payload = spans.first.first(len);
    } else {
      // The ring wrapped inside this segment: one copy to make it contiguous.
      joined.resize(len);
      spans.copy_to(joined);
      seg.payload = joined;
    }
  }
  ack_now_ = false;
  unacked_segments_ = 0;
  timers_.cancel(TimerKind::kDelayedAck);
  if (retransmission) {
    ++stats_.retransmitted_segments;
    stats_.retransmitted_bytes += len;
  } else {
    stats_.bytes_sent += len;
    // Time one segment per round trip; never a retransmitted one (Karn).
    if (!rtt_probe_ && len > 0) rtt_probe_ = std::make_pair(seq + static_cast<std::uint32_t>(len), now);
  }
  emit(now, seg);
  const SeqNum end = seq + static_cast<std::uint32_t>(len) + (fin ? 1 : 0);
  if (snd_max_.before(end)) snd_max_ = end;
  if (!timers_.armed(TimerKind::kRetransmit)) arm_retransmit(now);
  return true;
}

void Connection::retransmit_first(Instant now) {
  if (state_ == State::SynSent || state_ == State::SynReceived) {
    send_syn(now, state_ == State::SynReceived);
    return;
  }
  const SeqNum una = snd_.una();
  const std::size_t len = std::min<std::size_t>(snd_mss_, snd_.bytes_from(una));
  // The FIN rides along when it was already sent and follows this data.
  const bool fin = snd_.fin_queued() && !snd_.fin_acked() && una + static_cast<std::uint32_t>(len) == snd_.data_end() &&
                   snd_max_.after(snd_.data_end());
  if (len == 0 && !fin) return;
  if (!send_data_segment(now, una, len, fin, true)) return;
  const SeqNum end = una + static_cast<std::uint32_t>(len) + (fin ? 1 : 0);
  if (snd_nxt_.before(end)) snd_nxt_ = end;
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
      if (ack_now_) send_ack(now);
      return;
    case State::Closed:
    case State::Listen:
    case State::SynSent: return;
  }
  for (;;) {
    const SeqNum una = snd_.una();
    const std::uint32_t in_flight = static_cast<std::uint32_t>(snd_nxt_ - una);
    // RFC 3042 limited transmit: the first two duplicate ACKs each let one
    // new segment out beyond cwnd (not the peer's window), so a small
    // window still produces the third duplicate ACK fast retransmit needs.
    const std::uint32_t limited = (dup_acks_ == 1 || dup_acks_ == 2) && !cc_->in_recovery()
                                      ? dup_acks_ * std::uint32_t{snd_mss_}
                                      : 0;
    const std::uint32_t wnd = std::min(snd_wnd_, cc_->cwnd() + limited);
    const std::uint32_t usable = wnd > in_flight ? wnd - in_flight : 0;
    const std::size_t unsent = snd_.bytes_from(snd_nxt_);
    // FIN not sent yet: it goes once every byte before it has been sent.
    const bool fin_pending = snd_.fin_queued() && !snd_max_.after(snd_.data_end());
    if (unsent == 0 && !fin_pending) break;
    std::size_t len = std::min<std::size_t>({unsent, snd_mss_, usable});
    if (unsent > 0 && len == 0) {
      // Zero (or full) window: the persist timer keeps asking (§3.8.6.1).
      if (snd_wnd_ == 0 && in_flight == 0 && !timers_.armed(TimerKind::kPersist)) {
        timers_.arm(TimerKind::kPersist, now + rtt_.rto());
      }
      break;
    }
    if (len > 0 && len < snd_mss_) {
      // Nagle (RFC 1122 §4.2.3.4): a small segment waits while data is unacknowledged.
      if (!config_.nodelay && in_flight > 0) break;
      // Sender SWS avoidance (§3.8.6.2.1): send a partial segment only if it
      // is all there is to send (and nothing is in flight, or Nagle is off),
      // or it fills at least half the largest window the peer ever offered.
      const bool all_of_it = len == unsent;
      if (!all_of_it && len < max_snd_wnd_ / 2) {
        if (in_flight == 0 && !timers_.armed(TimerKind::kPersist)) {
          timers_.arm(TimerKind::kPersist, now + rtt_.rto());
        }
        break;
      }
    }
    const bool fin = fin_pending && len == unsent;
    // After a timeout SND.NXT went back to SND.UNA: what it sends again
    // below SND.MAX is a retransmission (counted so, and never timed: Karn).
    const bool again = snd_nxt_.before(snd_max_);
    if (!send_data_segment(now, snd_nxt_, len, fin, again)) break;
    snd_nxt_ = snd_nxt_ + static_cast<std::uint32_t>(len) + (fin ? 1 : 0);
    if (fin) break;
  }
  if (ack_now_) send_ack(now);
}

}  // namespace ws::tcp
