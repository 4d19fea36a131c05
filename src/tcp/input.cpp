// Segment arrival, in the order of RFC 9293 §3.10.7: SYN-SENT (§3.10.7.3),
// then for synchronized states (§3.10.7.4) sequence acceptability, RST,
// SYN, ACK, text, FIN — with RFC 5961's challenge ACKs.
#include <algorithm>

#include "tcp/connection.hpp"

namespace ws::tcp {

void Connection::take_peer_options(const TcpSegment& syn) {
  // RFC 9293 §3.7.1: without an MSS option the peer's MSS is 536
  // (RFC 1122 §4.2.2.6); segments never exceed min(ours, theirs).
  const std::uint16_t peer_mss = syn.options.mss.value_or(536);
  snd_mss_ = static_cast<std::uint16_t>(std::max<std::uint16_t>(1, std::min(config_.mss, peer_mss)));
  cc_ = make_controller(snd_mss_, config_.iw10);
  // RFC 7323 §2.2: scaling is on only when both SYNs carry the option; a
  // shift above 14 is used as 14 (§2.3). Passive side: our SYN-ACK, sent
  // next, answers with ours.
  if (config_.window_scale && syn.options.window_scale) {
    wscale_on_ = true;
    snd_wscale_ = std::min<std::uint8_t>(*syn.options.window_scale, 14);
    rcv_wscale_ = syn_wscale();
  }
}

std::uint8_t Connection::syn_wscale() {
  if (!syn_wscale_) {
    std::uint8_t shift = 0;
    while (shift < 14 && (std::size_t{65535} << shift) < rcv_.capacity()) ++shift;
    syn_wscale_ = shift;
  }
  return *syn_wscale_;
}

void Connection::on_segment(Instant now, const TcpSegment& seg) {
  ++stats_.segments_received;
  switch (state_) {
    case State::Closed:
    case State::Listen: return;  // the layer answers these (§3.10.7.1–2)
    case State::SynSent:
      on_segment_syn_sent(now, seg);
      if (!is_closed()) output(now);
      return;
    case State::SynReceived:
    case State::Established:
    case State::FinWait1:
    case State::FinWait2:
    case State::CloseWait:
    case State::Closing:
    case State::LastAck:
    case State::TimeWait: break;
  }

  // First: is the segment in the window? (§3.10.7.4, the four cases)
  if (!acceptable(seg)) {
    ++stats_.unacceptable_segments;
    // RFC 5961 §3.2: an RST outside the window is dropped silently;
    // anything else gets an ACK showing what we expect.
    if (!seg.flags.rst()) {
      send_ack(now);
      // A retransmitted FIN in TIME-WAIT restarts the 2·MSL wait (seed 001
      // §4.4.3) — the peer's FIN itself, ending at RCV.NXT (as Linux checks);
      // any FIN restarting it would let a blind sender hold the port forever.
      if (state_ == State::TimeWait && seg.flags.fin() && seg.seq + seg.seq_len() == rcv_.rcv_nxt()) {
        timers_.arm(TimerKind::kClose, now + config_.msl * 2);
      }
    }
    return;
  }
  // Second: RST.
  if (seg.flags.rst()) {
    process_rst(now, seg);
    return;
  }
  // Fourth: SYN in a synchronized state (RFC 5961 §4 replaces §3.10.7.4's
  // reset with a challenge ACK); a passive SYN-RECEIVED returns to LISTEN.
  if (seg.flags.syn()) {
    if (state_ == State::SynReceived && passive_) {
      finish(std::nullopt);
    } else {
      send_challenge_ack(now);
    }
    return;
  }
  // Fifth: ACK. Segments without it are dropped.
  if (!seg.ack) return;
  if (!process_ack(now, seg)) return;
  // Seventh and eighth: text and FIN.
  process_text_and_fin(now, seg);
  if (is_closed()) return;
  restart_keepalive(now);
  output(now);
}

void Connection::on_segment_syn_sent(Instant now, const TcpSegment& seg) {
  // §3.10.7.3 first: an ACK must acknowledge our SYN and nothing beyond it.
  bool ack_ok = false;
  if (seg.ack) {
    if (seg.ack->before_eq(iss_) || seg.ack->after(snd_max_)) {
      if (!seg.flags.rst()) send_rst(*seg.ack, std::nullopt);
      return;
    }
    ack_ok = true;
  }
  // Second: RST. Only with an acceptable ACK does it refuse the connection.
  if (seg.flags.rst()) {
    if (ack_ok) {
      ++stats_.resets_received;
      finish(SockError::ConnRefused);
    }
    return;
  }
  // Fourth: SYN.
  if (!seg.flags.syn()) return;
  irs_ = seg.seq;
  rcv_.reset(irs_ + 1);
  // Our SYN's window was measured from an RCV.NXT not yet known: anchor
  // the advertised right edge on IRS + 1 (the next segment re-advertises
  // from there), or every later window decision starts from a bogus edge.
  rcv_adv_ = rcv_.rcv_nxt();
  take_peer_options(seg);
  snd_wnd_ = seg.window;
  max_snd_wnd_ = snd_wnd_;
  snd_wl1_ = seg.seq;
  if (!ack_ok) {
    // Simultaneous open (§3.5, figure 8): both sent SYNs.
    set_state(State::SynReceived);
    send_syn(now, true);
    arm_retransmit(now);
    return;
  }
  syn_acked_ = true;
  snd_wl2_ = *seg.ack;
  if (retransmits_ == 0 && rtt_probe_) {
    (void)rtt_.on_sample(now - rtt_probe_->second, false);
  } else if (retransmits_ > 0) {
    rtt_.on_syn_timeout_handshake_complete();  // RFC 6298 §5.7
  }
  rtt_probe_.reset();
  retransmits_ = 0;
  timers_.cancel(TimerKind::kRetransmit);
  set_state(State::Established);
  restart_keepalive(now);
  // Data or FIN carried by the SYN-ACK: queued like any text (§3.10.7.3).
  TcpSegment rest = seg;
  rest.seq = seg.seq + 1;
  rest.flags.bits = static_cast<std::uint8_t>(seg.flags.bits & ~TcpFlags::kSyn);
  if (!rest.payload.empty() || rest.flags.fin()) {
    process_text_and_fin(now, rest);
  }
  ack_now_ = true;
}

bool Connection::acceptable(const TcpSegment& seg) const {
  const SeqNum nxt = rcv_.rcv_nxt();
  const std::uint32_t wnd = static_cast<std::uint32_t>(std::min<std::size_t>(rcv_.window(), max_window()));
  const std::uint32_t len = seg.seq_len();
  if (len == 0) return wnd == 0 ? seg.seq == nxt : seg.seq.in_window(nxt, wnd);
  if (wnd == 0) return false;
  return seg.seq.in_window(nxt, wnd) || (seg.seq + (len - 1)).in_window(nxt, wnd);
}

void Connection::process_rst(Instant now, const TcpSegment& seg) {
  // RFC 5961 §3.2: reset only on an exact match with RCV.NXT; any other
  // in-window RST could be blind spoofing, so challenge it with an ACK.
  if (seg.seq != rcv_.rcv_nxt()) {
    send_challenge_ack(now);
    return;
  }
  ++stats_.resets_received;
  switch (state_) {
    case State::SynReceived:
      // Passive: back to LISTEN (the layer forgets this child). Active
      // (simultaneous open): the connection was refused.
      finish(passive_ ? std::nullopt : std::optional(SockError::ConnRefused));
      return;
    case State::Established:
    case State::FinWait1:
    case State::FinWait2:
    case State::CloseWait: finish(SockError::ConnReset); return;
    case State::Closing:
    case State::LastAck:
    case State::TimeWait: finish(std::nullopt); return;
    case State::Closed:
    case State::Listen:
    case State::SynSent: return;
  }
}

bool Connection::process_ack(Instant now, const TcpSegment& seg) {
  const SeqNum ack = *seg.ack;
  if (state_ == State::SynReceived) {
    // §3.10.7.4 fifth, SYN-RECEIVED: our SYN must be what is acknowledged.
    if (!(ack.after(iss_) && ack.before_eq(snd_max_))) {
      send_rst(ack, std::nullopt);
      return false;
    }
    syn_acked_ = true;
    if (retransmits_ == 0 && rtt_probe_) {
      (void)rtt_.on_sample(now - rtt_probe_->second, false);
    } else if (retransmits_ > 0) {
      rtt_.on_syn_timeout_handshake_complete();
    }
    rtt_probe_.reset();
    retransmits_ = 0;
    timers_.cancel(TimerKind::kRetransmit);
    snd_wnd_ = scaled(seg.window);
    max_snd_wnd_ = std::max(max_snd_wnd_, snd_wnd_);
    snd_wl1_ = seg.seq;
    snd_wl2_ = ack;
    // A FIN queued by close()/shutdown during the handshake goes out now.
    set_state(snd_.fin_queued() ? State::FinWait1 : State::Established);
    restart_keepalive(now);
  }

  const SeqNum una = snd_.una();
  if (ack.after(snd_max_)) {
    // It acknowledges something not yet sent (RFC 5961 §5.2 / §3.10.7.4).
    send_ack(now);
    return false;
  }
  if (ack.before(una - max_snd_wnd_)) {
    // Too old to be a duplicate of anything in flight (RFC 5961 §5.2).
    send_challenge_ack(now);
    return false;
  }
  if (ack.after(una)) {
    on_new_ack(now, ack);
  } else if (ack == una && seg.payload.empty() && !seg.flags.fin() && scaled(seg.window) == snd_wnd_ &&
             flight_size() > 0) {
    on_duplicate_ack(now);  // RFC 5681 §2's definition of a duplicate ACK
  }
  // The window, if this segment is newer than the last that set it (§3.10.7.4).
  if (snd_wl1_.before(seg.seq) || (snd_wl1_ == seg.seq && snd_wl2_.before_eq(ack))) {
    snd_wnd_ = scaled(seg.window);
    snd_wl1_ = seg.seq;
    snd_wl2_ = ack;
    max_snd_wnd_ = std::max(max_snd_wnd_, snd_wnd_);
    if (snd_wnd_ > 0) {
      timers_.cancel(TimerKind::kPersist);
      persist_backoff_ = 0;
    }
  }

  switch (state_) {
    case State::FinWait1:
      if (snd_.fin_acked()) {
        set_state(State::FinWait2);
        if (orphaned_) timers_.arm(TimerKind::kClose, now + config_.fin_wait2_timeout);
      }
      break;
    case State::Closing:
      if (snd_.fin_acked()) enter_time_wait(now);
      break;
    case State::LastAck:
      if (snd_.fin_acked()) {
        finish(std::nullopt);
        return false;
      }
      break;
    case State::Closed:
    case State::Listen:
    case State::SynSent:
    case State::SynReceived:
    case State::Established:
    case State::FinWait2:
    case State::CloseWait:
    case State::TimeWait: break;
  }
  return true;
}

void Connection::on_new_ack(Instant now, SeqNum ack) {
  const auto acked = static_cast<std::uint32_t>(ack - snd_.una());
  snd_.ack(ack);
  if (snd_nxt_.before(ack)) snd_nxt_ = ack;
  dup_acks_ = 0;
  retransmits_ = 0;
  persist_backoff_ = 0;
  std::optional<Duration> sample;
  if (rtt_probe_ && ack.after_eq(rtt_probe_->first)) {
    sample = now - rtt_probe_->second;
    (void)rtt_.on_sample(*sample, false);
    rtt_probe_.reset();
  }
  rtt_.clear_backoff();  // the path delivers again
  const AckEvent ev{now, acked, flight_size(), sample};
  if (cc_->in_recovery()) {
    if (ack.after(recover_)) {
      cc_->on_recovery_exit(ev);
    } else {
      // RFC 6582 §3.2 step 3: a partial ACK — the next hole is lost too.
      cc_->on_ack(ev);
      retransmit_first(now);
    }
  } else {
    cc_->on_ack(ev);
  }
  // RFC 6298 §5.2–5.3: stop the timer when all is acknowledged, else restart it.
  if (flight_size() == 0) {
    timers_.cancel(TimerKind::kRetransmit);
  } else {
    arm_retransmit(now);
  }
}

void Connection::on_duplicate_ack(Instant now) {
  ++stats_.dup_acks;
  ++dup_acks_;
  // RFC 5827 early retransmit: with fewer than four segments outstanding
  // and nothing new to send, three duplicate ACKs can never come; use one
  // fewer than the segments in flight.
  unsigned threshold = 3;
  const std::uint32_t outstanding = (flight_size() + snd_mss_ - 1) / snd_mss_;
  // (With one segment out no later segment can cause a duplicate ACK: none.)
  if (outstanding >= 2 && outstanding < 4 && snd_.bytes_from(snd_nxt_) == 0) threshold = outstanding - 1;
  if (dup_acks_ == threshold && !cc_->in_recovery() && (snd_.una() - 1).after(recover_)) {
    // RFC 5681 §3.2 fast retransmit; RFC 6582 §3.2 step 2 guards re-entry.
    recover_ = snd_max_ - 1;
    cc_->on_fast_retransmit(LossEvent{now, flight_size()});
    ++stats_.fast_retransmits;
    rtt_probe_.reset();
    retransmit_first(now);
    arm_retransmit(now);
  } else if (dup_acks_ > threshold && cc_->in_recovery()) {
    cc_->on_dupack(now);  // window inflation lets new data out (output())
  }
}

void Connection::process_text_and_fin(Instant now, const TcpSegment& seg) {
  switch (state_) {
    case State::SynReceived:
    case State::Established:
    case State::FinWait1:
    case State::FinWait2: break;
    case State::CloseWait:
    case State::Closing:
    case State::LastAck:
      // A FIN was already received: text "should not occur" (§3.10.7.4 seventh).
      return;
    case State::TimeWait:
      if (seg.flags.fin()) {
        send_ack(now);
        timers_.arm(TimerKind::kClose, now + config_.msl * 2);
      }
      return;
    case State::Closed:
    case State::Listen:
    case State::SynSent: return;
  }
  if (seg.payload.empty() && !seg.flags.fin()) return;
  if (orphaned_ && !seg.payload.empty()) {
    // The application closed: nobody will ever read this (RFC 2525 §2.17,
    // Linux tcp_rcv_state_process). Reset.
    send_rst(snd_nxt_, rcv_.rcv_nxt() + static_cast<std::uint32_t>(seg.payload.size()));
    finish(std::nullopt);
    return;
  }
  const bool had_gap = rcv_.held_ranges() > 0;
  const InsertResult r = rcv_.insert(seg.seq, seg.payload, seg.flags.fin());
  stats_.bytes_received += r.in_order;
  if (r.out_of_order) ++stats_.out_of_order_segments;
  if (read_shutdown_ && rcv_.buffered() > 0) rcv_.consume(rcv_.buffered());  // SHUT_RD: discard
  // RFC 5681 §4.2 / RFC 9293 §3.8.6.3: ACK at once for out-of-order data,
  // duplicates and gap fills; otherwise delay, but ACK every second full segment.
  if (r.out_of_order || r.in_order == 0 || had_gap || r.fin_reached) {
    schedule_ack(now, true);
  } else {
    schedule_ack(now, false);
  }
  if (!r.fin_reached) return;
  switch (state_) {
    case State::SynReceived:
    case State::Established: set_state(State::CloseWait); break;
    case State::FinWait1:
      if (snd_.fin_acked()) {
        enter_time_wait(now);
      } else {
        set_state(State::Closing);  // simultaneous close (§3.6, figure 13)
      }
      break;
    case State::FinWait2: enter_time_wait(now); break;
    case State::Closed:
    case State::Listen:
    case State::SynSent:
    case State::CloseWait:
    case State::Closing:
    case State::LastAck:
    case State::TimeWait: break;
  }
}

}  // namespace ws::tcp
