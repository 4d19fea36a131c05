// Segment arrival, in the order of RFC 9293 §3.10.7: SYN-SENT (§3.10.7.3),
// then for synchronized states (§3.10.7.4) sequence acceptability, RST,
// SYN, ACK, text, FIN — with RFC 5961's challenge ACKs.
#include <algorithm>

#include "tcp/connection.hpp"

namespace ws::tcp {

void Connection::take_peer_options(const TcpSegment& syn) {
  // RFC 7323 §2.2: scaling is on only when both SYNs carry the option.
  // Passive side: our SYN-ACK, sent next, answers with ours.
  std::optional<std::uint8_t> peer_shift;
  if (config_.window_scale && syn.options.window_scale) {
    wscale_on_ = true;
    peer_shift = syn.options.window_scale;
    receiver_.enable_window_scale();
  }
  // RFC 2018 §2, RFC 7323 §3.2: on when both SYNs carry the option (an
  // active open offered it; a passive one answers only an offer).
  sack_on_ = config_.sack && syn.options.sack_permitted;
  if (config_.timestamps && syn.options.timestamps) {
    ts_on_ = true;
    ts_recent_ = syn.options.timestamps->tsval;
  }
  sender_.on_peer_syn(syn, peer_shift, ts_on_);
  if (sack_on_) sender_.enable_sack(config_.cc);
  // RFC 3168 §6.1.1: ECN only when both agreed. A SYN-ACK answers our SYN:
  // it must be ECN-setup (ECE without CWR) and our SYN must have asked. A
  // SYN (passive open, or a simultaneous one) must be ECN-setup (ECE and
  // CWR) and we must accept — kAccept answers but never asks, so in a
  // simultaneous open only a side that asked (kOn) takes it.
  if (syn.flags.ack()) {
    ecn_on_ = config_.ecn == EcnMode::kOn && is_ecn_setup_syn_ack(syn.flags);
  } else {
    ecn_on_ = is_ecn_setup_syn(syn.flags) &&
              (config_.ecn == EcnMode::kOn || (config_.ecn == EcnMode::kAccept && passive_));
  }
  if (ecn_on_) {
    sender_.enable_ecn();
    stats_.ecn_negotiated = 1;
  }
}

void Connection::ecn_on_arrival(const TcpSegment& seg, std::uint8_t ecn) {
  // §6.1.3: the peer reduced its window: stop echoing — unless this very
  // segment was marked again (checked next).
  if (seg.flags.cwr()) ece_echo_ = false;
  if (ecn != ecn::kCe) return;
  ++stats_.ecn_ce_received;
  ece_echo_ = true;
  // The ACK for a CE-marked segment goes at once, not delayed, so that
  // the sender hears of the congestion within one RTT (as Linux does).
  if (!seg.payload.empty()) receiver_.request_ack();
}

void Connection::on_segment(Instant now, const TcpSegment& seg, std::uint8_t ecn) {
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

  // RFC 7323 §5.3 R1: PAWS comes before the sequence check.
  if (!check_timestamp(now, seg)) return;
  // First: is the segment in the window? (§3.10.7.4, the four cases)
  if (!receiver_.acceptable(seg)) {
    ++stats_.unacceptable_segments;
    // RFC 5961 §3.2: an RST outside the window is dropped silently;
    // anything else gets an ACK showing what we expect.
    if (!seg.flags.rst()) {
      if (sack_on_) receiver_.report_old_duplicate(seg.seq, seg.payload.size());
      send_ack(now);
      // A retransmitted FIN in TIME-WAIT restarts the 2·MSL wait (seed 001
      // §4.4.3) — the peer's FIN itself, ending at RCV.NXT (as Linux checks);
      // any FIN restarting it would let a blind sender hold the port forever.
      if (state_ == State::TimeWait && seg.flags.fin() && seg.seq + seg.seq_len() == receiver_.ack_number()) {
        timers_.arm(TimerKind::kClose, now + config_.msl * 2);
      }
    }
    return;
  }
  // RFC 7323 §4.3 (2): the timestamp to echo is the one of the segment
  // that our next ACK acknowledges.
  if (ts_on_ && seg.options.timestamps && !seg.seq.after(last_ack_sent_) &&
      static_cast<std::int32_t>(seg.options.timestamps->tsval - ts_recent_) >= 0) {
    ts_recent_ = seg.options.timestamps->tsval;
  }
  // Second: RST.
  if (seg.flags.rst()) {
    process_rst(now, seg);
    return;
  }
  if (ecn_on_) ecn_on_arrival(seg, ecn);
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
    if (seg.ack->before_eq(sender_.iss()) || seg.ack->after(sender_.max())) {
      if (!seg.flags.rst()) send_rst(now, *seg.ack, std::nullopt);
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
  receiver_.start(irs_);
  take_peer_options(seg);
  if (!ack_ok) {
    // Simultaneous open (§3.5, figure 8): both sent SYNs.
    set_state(State::SynReceived);
    send_syn(now, true);
    sender_.arm_retransmit(now);
    return;
  }
  sender_.on_syn_acked(now);
  set_state(State::Established);
  restart_keepalive(now);
  // Data or FIN carried by the SYN-ACK: queued like any text (§3.10.7.3).
  TcpSegment rest = seg;
  rest.seq = seg.seq + 1;
  rest.flags.bits = static_cast<std::uint8_t>(seg.flags.bits & ~TcpFlags::kSyn);
  if (!rest.payload.empty() || rest.flags.fin()) {
    process_text_and_fin(now, rest);
  }
  receiver_.request_ack();
}

bool Connection::check_timestamp(Instant now, const TcpSegment& seg) {
  if (!ts_on_ || seg.flags.rst() || !seg.options.timestamps) return true;
  // R1: an older TSval than TS.Recent is an old duplicate (wrapped
  // sequence numbers, or a stale segment): not acceptable — ACK and drop.
  // (TS.Recent's 24-day validity, §5.5, is not tracked: an idle connection
  // that long has been closed by keepalive or the application.)
  if (static_cast<std::int32_t>(seg.options.timestamps->tsval - ts_recent_) < 0) {
    ++stats_.paws_rejected;
    send_ack(now);
    return false;
  }
  return true;
}

void Connection::process_rst(Instant now, const TcpSegment& seg) {
  // RFC 5961 §3.2: reset only on an exact match with RCV.NXT; any other
  // in-window RST could be blind spoofing, so challenge it with an ACK.
  if (seg.seq != receiver_.ack_number()) {
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
    if (!(ack.after(sender_.iss()) && ack.before_eq(sender_.max()))) {
      send_rst(now, ack, std::nullopt);
      return false;
    }
    sender_.on_syn_acked(now);
    sender_.on_handshake_ack(seg);
    // A FIN queued by close()/shutdown during the handshake goes out now.
    set_state(sender_.buffer().fin_queued() ? State::FinWait1 : State::Established);
    restart_keepalive(now);
  }
  // RFC 7323 §4.1: how long ago the timestamp this ACK echoes was sent —
  // the path's RTT when it acknowledges new data; it also tells which copy
  // of a retransmitted segment arrived (RFC 3522, RFC 8985 §6.2).
  std::optional<Duration> ts_age;
  if (ts_on_ && seg.options.timestamps && seg.options.timestamps->tsecr != 0) {
    const std::uint32_t elapsed = ts_val(now) - seg.options.timestamps->tsecr;
    if (elapsed < (1u << 31)) ts_age = Duration::millis(elapsed);
  }
  switch (sender_.on_ack(now, seg, ts_age)) {
    case AckVerdict::Accepted: break;
    case AckVerdict::Unsent: send_ack(now); return false;
    case AckVerdict::TooOld: send_challenge_ack(now); return false;
  }

  switch (state_) {
    case State::FinWait1:
      if (sender_.buffer().fin_acked()) {
        set_state(State::FinWait2);
        if (orphaned_) timers_.arm(TimerKind::kClose, now + config_.fin_wait2_timeout);
      }
      break;
    case State::Closing:
      if (sender_.buffer().fin_acked()) enter_time_wait(now);
      break;
    case State::LastAck:
      if (sender_.buffer().fin_acked()) {
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
    send_rst(now, sender_.nxt(), receiver_.ack_number() + static_cast<std::uint32_t>(seg.payload.size()));
    finish(std::nullopt);
    return;
  }
  const InsertResult r = receiver_.on_text(now, seg.seq, seg.payload, seg.flags.fin(), read_shutdown_, seg.flags.psh());
  stats_.bytes_received += r.in_order;
  if (r.out_of_order) ++stats_.out_of_order_segments;
  if (!r.fin_reached) return;
  switch (state_) {
    case State::SynReceived:
    case State::Established: set_state(State::CloseWait); break;
    case State::FinWait1:
      if (sender_.buffer().fin_acked()) {
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
