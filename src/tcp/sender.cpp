// The send half: ACK processing, RTT and retransmission, congestion
// control, segmentation (see sender.hpp).
#include "tcp/sender.hpp"

#include <algorithm>
#include <vector>

#include "tcp/connection.hpp"
#include "tcp/reno.hpp"

namespace ws::tcp {

std::unique_ptr<CongestionController> Sender::make_controller(std::uint16_t smss, bool iw10) {
  RenoConfig rc;
  rc.smss = smss;
  rc.initial_window = iw10 ? InitialWindow::kIw10 : InitialWindow::kRfc5681;
  return std::make_unique<Reno>(rc);
}

Sender::Sender(const ConnectionConfig& config, SeqNum iss, TimerSet& timers, ConnectionStats& stats, SegmentOut& out)
    : config_(config),
      timers_(timers),
      stats_(stats),
      out_(out),
      iss_(iss),
      snd_nxt_(iss),
      snd_max_(iss),
      snd_mss_(config.mss),
      small_end_(iss),
      snd_(config.sndbuf, iss + 1),
      rtt_(config.rtt),
      cc_(make_controller(config.mss, config.iw10)),
      // RFC 6582 §3.2 starts `recover` at ISS; one less lets a loss of the
      // very first data segment (SEG.ACK − 1 == ISS) use fast retransmit.
      recover_(iss - 1) {}

Sender::~Sender() = default;

// --- the handshake ------------------------------------------------------------------

void Sender::on_syn_sent(Instant now) {
  if (snd_nxt_ == iss_) snd_nxt_ = iss_ + 1;
  if (snd_max_.before(snd_nxt_)) snd_max_ = snd_nxt_;
  if (retransmits_ == 0) rtt_probe_ = std::make_pair(iss_ + 1, now);
}

void Sender::on_peer_syn(const TcpSegment& syn, std::optional<std::uint8_t> peer_wscale, bool timestamps) {
  // RFC 9293 §3.7.1: without an MSS option the peer's MSS is 536
  // (RFC 1122 §4.2.2.6); segments never exceed min(ours, theirs), less
  // the timestamp option every segment carries (RFC 6691 §2).
  const std::uint16_t peer_mss = syn.options.mss.value_or(536);
  const std::uint16_t overhead = timestamps ? 12 : 0;
  const std::uint16_t mss = std::min(config_.mss, peer_mss);
  snd_mss_ = static_cast<std::uint16_t>(std::max<int>(1, mss - overhead));
  // A send buffer that holds more than one segment but not two: the second
  // segment could only ever be partial, and Nagle (RFC 1122 §4.2.3.4) holds
  // a partial segment while one is unacknowledged — one segment per round
  // trip. Segments of half the buffer let the whole buffer be in flight
  // (RFC 9293 §3.7.1: the MSS is an upper bound, the sender may send less).
  if (config_.sndbuf > snd_mss_ && config_.sndbuf < 2u * snd_mss_) {
    snd_mss_ = static_cast<std::uint16_t>(config_.sndbuf / 2);
  }
  timestamps_ = timestamps;
  cc_ = make_controller(snd_mss_, config_.iw10);
  // RFC 7323 §2.3: a shift above 14 is used as 14.
  if (peer_wscale) snd_wscale_ = std::min<std::uint8_t>(*peer_wscale, 14);
  // A SYN's window is never scaled (RFC 7323 §2.2).
  snd_wnd_ = syn.window;
  max_snd_wnd_ = snd_wnd_;
  snd_wl1_ = syn.seq;
  if (syn.ack) snd_wl2_ = *syn.ack;
}

void Sender::on_syn_acked(Instant now) {
  if (retransmits_ == 0 && rtt_probe_) {
    min_rtt_ = now - rtt_probe_->second;
    (void)rtt_.on_sample(min_rtt_, false);
  } else if (retransmits_ > 0) {
    rtt_.on_syn_timeout_handshake_complete();  // RFC 6298 (5.7)
  }
  rtt_probe_.reset();
  retransmits_ = 0;
  timers_.cancel(TimerKind::kRetransmit);
}

void Sender::on_handshake_ack(const TcpSegment& seg) {
  snd_wnd_ = scaled(seg.window);
  max_snd_wnd_ = std::max(max_snd_wnd_, snd_wnd_);
  snd_wl1_ = seg.seq;
  snd_wl2_ = *seg.ack;
}

// --- acknowledgments (RFC 9293 §3.10.7.4 "fifth") ----------------------------------------

AckVerdict Sender::on_ack(Instant now, const TcpSegment& seg, std::optional<Duration> ts_age) {
  const SeqNum ack = *seg.ack;
  const SeqNum una = snd_.una();
  // It acknowledges something not yet sent (RFC 5961 §5.2 / §3.10.7.4).
  if (ack.after(snd_max_)) return AckVerdict::Unsent;
  // Too old to be a duplicate of anything in flight (RFC 5961 §5.2).
  if (ack.before(una - max_snd_wnd_)) return AckVerdict::TooOld;
  if (sack_) {
    on_ack_sack(now, seg, ts_age);
  } else if (ack.after(una)) {
    on_new_ack(now, ack, ts_age);
  } else if (ack == una && seg.payload.empty() && !seg.flags.fin() && scaled(seg.window) == snd_wnd_ &&
             flight_size() > 0) {
    on_duplicate_ack(now);  // RFC 5681 §2's definition of a duplicate ACK
  }
  update_window(seg);
  if (ecn_) ecn_on_ack(now, seg);
  return AckVerdict::Accepted;
}

void Sender::update_window(const TcpSegment& seg) {
  // The window, if this segment is newer than the last that set it (§3.10.7.4).
  const SeqNum ack = *seg.ack;
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
}

void Sender::on_new_ack(Instant now, SeqNum ack, std::optional<Duration> ts_age) {
  const auto acked = static_cast<std::uint32_t>(ack - snd_.una());
  snd_.ack(ack);
  progress_at_ = now;
  if (snd_nxt_.before(ack)) snd_nxt_ = ack;
  dup_acks_ = 0;
  retransmits_ = 0;
  persist_backoff_ = 0;
  std::optional<Duration> sample;
  if (rtt_probe_ && ack.after_eq(rtt_probe_->first)) {
    // One sample per round trip; with timestamps its value is the echo's
    // (RFC 7323 §4), valid even when the segment was retransmitted.
    sample = ts_age.value_or(now - rtt_probe_->second);
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

void Sender::on_duplicate_ack(Instant now) {
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
    ecn_note_reduction();
    ++stats_.fast_retransmits;
    if (!timestamps_) rtt_probe_.reset();
    retransmit_first(now);
    arm_retransmit(now);
  } else if (dup_acks_ > threshold && cc_->in_recovery()) {
    cc_->on_dupack(now);  // window inflation lets new data out (output())
  }
}

// --- timers --------------------------------------------------------------------------

unsigned Sender::note_timeout() {
  ++retransmits_;
  rtt_probe_.reset();  // Karn: no sample from a retransmitted segment
  return retransmits_;
}

void Sender::on_data_timeout(Instant now) {
  ecn_note_reduction();
  if (sack_) {
    on_data_timeout_sack(now);
    return;
  }
  // RFC 6298 §5.5–5.6 and RFC 5681 §3.1: back off, shrink to the loss
  // window, and resend from the first unacknowledged byte (go-back-N: the
  // rest follows as ACKs reopen the window).
  cc_->on_rto_timeout(LossEvent{now, flight_size()});
  recover_ = snd_max_ - 1;
  dup_acks_ = 0;
  rtt_.backoff();
  snd_nxt_ = snd_.una();
  retransmit_first(now);
  ++stats_.rto_retransmits;
  arm_retransmit(now);
}

void Sender::on_persist_timeout(Instant now) {
  const std::size_t unsent = snd_.bytes_from(snd_nxt_);
  // (A FIN waits for window too: output_sack.)
  const bool fin_pending = snd_.fin_queued() && !snd_max_.after(snd_.data_end());
  if (unsent == 0 && !fin_pending) return;
  if (snd_wnd_ != 0 && unsent == 0) {
    output(now);
    return;
  }
  if (snd_wnd_ != 0) {
    // The window is open but sender SWS avoidance held back a segment that
    // was too small (output()): this is its override timeout (RFC 9293
    // §3.8.6.2.1, RFC 1122 §4.2.3.4), without which a window reopened by
    // less than that would never be used. Send what the window allows.
    const std::uint32_t in_flight = pipe();
    const std::uint32_t wnd = std::min(snd_wnd_, cwnd());
    if (wnd <= in_flight) return;
    const std::size_t len = std::min<std::size_t>({unsent, snd_mss_, wnd - in_flight});
    if (send_segment(now, snd_nxt_, len, false, false)) snd_nxt_ = snd_nxt_ + static_cast<std::uint32_t>(len);
    return;
  }
  // RFC 9293 §3.8.6.1 / RFC 1122 §4.2.2.17: probe the zero window. Like
  // Linux, the probe repeats an old sequence number with no data, which the
  // receiver must answer with an ACK carrying its current window.
  ++stats_.zero_window_probes;
  TcpSegment probe;
  probe.seq = snd_.una() - 1;
  out_.transmit(now, probe, false, false);  // RFC 3168 §6.1.6: never ECT
  ++persist_backoff_;
  Duration wait = rtt_.rto();
  for (unsigned i = 0; i < persist_backoff_ && wait < config_.max_persist; ++i) wait = wait * 2;
  timers_.arm(TimerKind::kPersist, now + std::min(wait, config_.max_persist));
}

// --- sending ---------------------------------------------------------------------------

bool Sender::send_segment(Instant now, SeqNum seq, std::size_t len, bool fin, bool retransmission) {
  TcpSegment seg;
  seg.seq = seq;
  if (fin) seg.flags.bits |= TcpFlags::kFin;
  // PSH when this segment empties what the application has written
  // (RFC 9293 §3.9.1.2: the sender may set it; receivers ignore it here).
  if (len > 0 && seq + static_cast<std::uint32_t>(len) == snd_.data_end()) seg.flags.bits |= TcpFlags::kPsh;
  if (len > 0) {
    const ByteSpans spans = snd_.view(seq, len);
    if (spans.size() < len) return false;
    if (spans.second.empty()) {
      seg.payload = spans.first.first(len);
    } else {
      // The ring wrapped inside this segment (once per lap of the ring):
      // one more copy, into a buffer kept for it, to make it contiguous.
      wrapped_.resize(len);
      spans.copy_to(wrapped_);
      seg.payload = wrapped_;
    }
  }
  if (retransmission) {
    ++stats_.retransmitted_segments;
    stats_.retransmitted_bytes += len;
  } else {
    stats_.bytes_sent += len;
    // Time one segment per round trip; never a retransmitted one (Karn).
    if (!rtt_probe_ && len > 0) rtt_probe_ = std::make_pair(seq + static_cast<std::uint32_t>(len), now);
  }
  if (snd_max_ == snd_.una()) progress_at_ = now;  // nothing was outstanding
  // RFC 3168 §6.1.5: ECT only on new data, never on a retransmission.
  const bool ect = ecn_ && !retransmission && len > 0;
  if (ect) ecn_new_data(seg);
  out_.transmit(now, seg, true, ect);
  const SeqNum end = seq + static_cast<std::uint32_t>(len) + (fin ? 1 : 0);
  if (sack_) {  // RFC 8985 §6.1: each segment's transmission time, and its delivery snapshot
    const DeliverySnapshot snap = rate_.on_send(now, snd_max_ == snd_.una());
    if (retransmission) {
      (void)log_.on_retransmitted(seq, static_cast<std::uint32_t>(end - seq), now, snap);
    } else {
      log_.on_sent(seq, end, now, snap);
    }
    pacer_.on_sent(now, static_cast<std::uint32_t>(end - seq));
  }
  if (snd_max_.before(end)) snd_max_ = end;
  if (!timers_.armed(TimerKind::kRetransmit)) arm_retransmit(now);
  return true;
}

void Sender::retransmit_first(Instant now) {
  const SeqNum una = snd_.una();
  const std::size_t len = std::min<std::size_t>(snd_mss_, snd_.bytes_from(una));
  // The FIN rides along when it was already sent and follows this data.
  const bool fin = snd_.fin_queued() && !snd_.fin_acked() && una + static_cast<std::uint32_t>(len) == snd_.data_end() &&
                   snd_max_.after(snd_.data_end());
  if (len == 0 && !fin) return;
  if (!send_segment(now, una, len, fin, true)) return;
  const SeqNum end = una + static_cast<std::uint32_t>(len) + (fin ? 1 : 0);
  if (snd_nxt_.before(end)) snd_nxt_ = end;
}

void Sender::output(Instant now) {
  if (sack_) {
    output_sack(now);
    return;
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
    // The FIN needs one byte of the peer's window (see output_sack).
    const bool fin_fits = snd_wnd_ > in_flight + len;
    const bool fin = fin_pending && len == unsent && fin_fits;
    if (len == 0 && !fin) {
      if (fin_pending && snd_wnd_ == 0 && in_flight == 0 && !timers_.armed(TimerKind::kPersist)) {
        timers_.arm(TimerKind::kPersist, now + rtt_.rto());
      }
      break;
    }
    // After a timeout SND.NXT went back to SND.UNA: what it sends again
    // below SND.MAX is a retransmission (counted so, and never timed: Karn).
    const bool again = snd_nxt_.before(snd_max_);
    if (!send_segment(now, snd_nxt_, len, fin, again)) break;
    if (again) ++stats_.rto_retransmits;
    snd_nxt_ = snd_nxt_ + static_cast<std::uint32_t>(len) + (fin ? 1 : 0);
    if (fin) break;
  }
}

}  // namespace ws::tcp
