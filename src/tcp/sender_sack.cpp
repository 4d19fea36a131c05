// The sender with SACK (RFC 2018): every ACK's blocks go into the range
// scoreboard and mark the segments of the SentLog; RACK (RFC 8985 §6)
// decides from their transmission times which segments are lost; loss
// recovery is RFC 6675's — pipe, NextSeg() rules (1) and (2) — with
// Proportional Rate Reduction (RFC 6937) deciding how much goes out per
// ACK; after a timeout every segment not SACKed is lost and only those are
// resent (RFC 6675 §5.1, RFC 8985 §6.3).
#include <algorithm>
#include <utility>

#include "tcp/connection.hpp"
#include "tcp/sender.hpp"

namespace ws::tcp {

void Sender::enable_sack(CcKind kind) {
  sack_ = true;
  scc_ = make_cc(kind, snd_mss_, config_.iw10 ? InitialWindow::kIw10 : InitialWindow::kRfc5681, iss_.raw());
  round_end_ = snd_max_;
}

std::uint32_t Sender::pipe() const { return sack_ ? log_.pipe() : flight_size(); }

bool Sender::echo_before(Instant now, std::optional<Duration> ts_age, Instant xmit) {
  if (!ts_age) return false;
  // The timestamp clock ticks in whole milliseconds: the copy sent at
  // `xmit` carried floor(xmit) and the echo is floor(now) − age.
  const std::int64_t now_ms = now.nanos() / 1'000'000;
  const std::int64_t xmit_ms = xmit.nanos() / 1'000'000;
  return now_ms - ts_age->total_nanos() / 1'000'000 < xmit_ms;
}

Sender::SackInfo Sender::take_sack_blocks(const TcpSegment& seg) {
  SackInfo info;
  const TcpOptions& o = seg.options;
  stats_.sack_blocks_received += o.sack_count;
  const SeqNum ack = *seg.ack;
  for (std::size_t i = 0; i < o.sack_count; ++i) {
    const SackBlock& b = o.sack_blocks[i];
    // RFC 2883 §4: a first block below the cumulative ACK, or inside the
    // second block, reports a duplicate (D-SACK), not data held.
    const bool below = !b.right.after(ack);
    const bool inside_next = o.sack_count > 1 && !b.left.before(o.sack_blocks[1].left) &&
                             !b.right.after(o.sack_blocks[1].right);
    if (i == 0 && (below || inside_next)) {
      ++stats_.dsack_blocks_received;
      info.dsack = b;
      continue;
    }
    const SeqNum left = b.left.before(ack) ? ack : b.left;
    const SeqNum right = b.right.after(snd_max_) ? snd_max_ : b.right;
    if (!left.before(right)) continue;
    info.newly_sacked += sb_.add(left, right);
    info.blocks[info.count++] = SackBlock{left, right};
  }
  // RFC 8985 §6.2 step 3 looks at delivered segments in ascending order.
  // (At most four blocks: an insertion sort.)
  for (std::size_t i = 1; i < info.count; ++i) {
    for (std::size_t j = i; j > 0 && info.blocks[j].left.before(info.blocks[j - 1].left); --j) {
      std::swap(info.blocks[j], info.blocks[j - 1]);
    }
  }
  return info;
}

void Sender::on_ack_sack(Instant now, const TcpSegment& seg, std::optional<Duration> ts_age) {
  const SeqNum ack = *seg.ack;
  const SeqNum una = snd_.una();
  const std::uint32_t prior_flight = scc_->owns_recovery() ? pipe() : 0;
  const SackInfo info = take_sack_blocks(seg);
  std::uint32_t acked = 0;
  std::optional<Duration> sample;
  if (ack.after(una)) {
    acked = static_cast<std::uint32_t>(ack - una);
    snd_.ack(ack);
    progress_at_ = now;
    if (snd_nxt_.before(ack)) snd_nxt_ = ack;
    sb_.advance(snd_.una());
    if (rto_recovery_ && !snd_.una().before(*rto_recovery_)) {
      rto_recovery_.reset();
      frto_step_ = 0;
      undo_on_episode_end();
      if (scc_->owns_recovery()) scc_->on_recovery_end(now);
    }
    dup_acks_ = 0;
    retransmits_ = 0;
    persist_backoff_ = 0;
    // One sample per round trip (the timed segment's ACK); with timestamps
    // its value is the echo's (RFC 7323 §4), valid for retransmissions too.
    if (rtt_probe_ && ack.after_eq(rtt_probe_->first)) {
      sample = ts_age.value_or(now - rtt_probe_->second);
      rtt_probe_.reset();
    }
    if (sample) {
      (void)rtt_.on_sample(*sample, false);
      if (min_rtt_ == Duration{} || *sample < min_rtt_) min_rtt_ = *sample;
    }
    rtt_.clear_backoff();  // the path delivers again
    if (!ack.before(round_end_)) {  // RFC 9406 §4.2: a new round begins
      ++round_;
      round_end_ = snd_max_;
      max_pipe_prev_ = max_pipe_round_;
      max_pipe_round_ = 0;
    }
  } else if (info.newly_sacked > 0) {
    // RFC 6675 §2: an ACK whose SACK blocks cover new data is a DupAck.
    ++dup_acks_;
    ++stats_.dup_acks;
  }
  // RFC 8985 §6.2 steps 2–3: the segments this ACK delivered, in ascending
  // order: first those the cumulative ACK passed, then the SACKed ones.
  // Each delivered segment also feeds the delivery-rate sample and, when
  // it was sent once, an RTT sample for the controller: the most recently
  // sent one's (the RTO estimator keeps one sample per round trip).
  std::optional<Duration> ack_rtt;
  rate_.begin_ack();
  auto delivered = [&](const SentLog::Segment& s) {
    rack_.on_delivered(s, now, min_rtt_, echo_before(now, ts_age, s.xmit));
    rate_.on_delivered(s.rate, s.xmit, s.order, s.len(), now);
    if (!s.retransmitted && (!ack_rtt || now - s.xmit < *ack_rtt)) ack_rtt = now - s.xmit;
  };
  log_.on_ack(snd_.una(), delivered);
  for (std::size_t i = 0; i < info.count; ++i) log_.on_sack(info.blocks[i].left, info.blocks[i].right, delivered);
  if (ack_rtt && (min_rtt_ == Duration{} || *ack_rtt < min_rtt_)) min_rtt_ = *ack_rtt;
  const std::optional<RateSample> rate = rate_.end_ack(min_rtt_);
  rack_.end_of_ack(snd_.una(), snd_nxt_, info.dsack.has_value());
  tlp_on_ack(now, ack, acked > 0, info);
  (void)undo_on_ack(now, ack, acked > 0, ts_age, info);

  const std::uint32_t delivered_bytes = acked + info.newly_sacked;
  if (recovery_ && !ack.before(recovery_->point)) {
    // RFC 6675 §5 (and RFC 6937 §3.1): the recovery point is acknowledged.
    recovery_.reset();
    prr_allow_ = 0;
    scc_->on_recovery_end(now);
    rack_.on_recovery_end();
    undo_on_episode_end();
  }
  const bool entered = detect_losses(now);
  if (scc_->owns_recovery()) {
    // A model-based controller sees every ACK, in recovery too, and sets
    // cwnd itself (cc.hpp): no PRR.
    AckSample a = ack_sample(now, delivered_bytes, ack_rtt ? ack_rtt : sample, rate);
    a.prior_flight = prior_flight;
    scc_->on_ack(a);
  } else if (entered) {
    prr_on_ack(delivered_bytes);
    // RFC 6675 §5 (4.3): the first lost segment goes out at once.
    prr_allow_ = std::max<std::int64_t>(prr_allow_, snd_mss_);
  } else if (recovery_) {
    prr_on_ack(delivered_bytes);
  } else if (acked > 0) {
    scc_->on_ack(ack_sample(now, delivered_bytes, ack_rtt ? ack_rtt : sample, rate));
  }
  // RFC 6298 §5.2–5.3: stop the timer when all is acknowledged, else
  // restart it on an ACK of new data.
  if (snd_max_ == snd_.una()) {
    timers_.cancel(TimerKind::kRetransmit);
    timers_.cancel(TimerKind::kReorder);
    timers_.cancel(TimerKind::kLossProbe);
  } else if (acked > 0) {
    arm_retransmit(now);
  }
  // RFC 8985 §7.2: an ACK of new data restarts the probe timeout.
  if (acked > 0 || !timers_.armed(TimerKind::kLossProbe)) schedule_probe(now);
}

AckSample Sender::ack_sample(Instant now, std::uint32_t delivered, std::optional<Duration> rtt,
                             const std::optional<RateSample>& rate) const {
  AckSample a;
  a.now = now;
  a.delivered = delivered;
  a.flight = pipe();
  a.rtt = rtt;
  a.min_rtt = min_rtt_;
  a.srtt = rtt_.srtt().value_or(Duration{});
  // RFC 7661 §4.3: cwnd was not in use — the application had nothing
  // more, or the peer's window held the sender back.
  a.app_limited = !cwnd_limited();
  a.round = round_;
  a.rate = rate;
  a.delivered_total = rate_.delivered();
  a.lost = newly_lost_bytes_;
  a.in_recovery = in_loss_recovery();
  return a;
}

bool Sender::detect_losses(Instant now) {
  // RFC 8985 §6.2 step 5; the reordering timer waits for the earliest
  // segment that is not lost yet but will be unless its ACK comes.
  newly_lost_bytes_ = 0;
  if (frto_step_ != 0) return false;  // F-RTO decides first (sender_undo.cpp)
  const Duration srtt = rtt_.srtt().value_or(Duration{});
  const Rack::Detected d = rack_.detect_loss(log_, now, srtt, in_loss_recovery());
  newly_lost_bytes_ = d.newly_lost * std::uint32_t{snd_mss_};
  if (d.recheck) {
    timers_.arm(TimerKind::kReorder, *d.recheck);
  } else {
    timers_.cancel(TimerKind::kReorder);
  }
  // RFC 8985 §6.2: a loss starts fast recovery (RFC 6675 §5 step 4) — but
  // not twice for one window (RFC 6582 §3.2's `recover`), and not while
  // the timeout's recovery resends everything already.
  if (d.newly_lost == 0 || in_loss_recovery() || !(snd_.una() - 1).after(recover_)) return false;
  enter_recovery(now);
  return true;
}

void Sender::on_reorder_timeout(Instant now) {
  if (!sack_ || snd_max_ == snd_.una()) return;
  if (detect_losses(now)) {
    prr_on_ack(0);
    prr_allow_ = std::max<std::int64_t>(prr_allow_, snd_mss_);  // RFC 6675 §5 (4.3)
  }
  output_sack(now);
}

void Sender::enter_recovery(Instant now) {
  // RFC 6675 §5 (4): RecoveryPoint = HighData; ssthresh from the flight;
  // RFC 6937 §3.1: RecoverFS, prr_delivered and prr_out start here.
  recover_ = snd_max_ - 1;
  recovery_ = Recovery{snd_max_, 0, 0, flight_size()};
  undo_begin(false);
  scc_->on_loss(now, flight_size());
  ecn_note_reduction();
  ++stats_.fast_retransmits;
  ++stats_.sack_recoveries;
  // A probe in flight is part of this episode; its reduction is this one.
  tlp_end_.reset();
  timers_.cancel(TimerKind::kLossProbe);
  if (!timestamps_) rtt_probe_.reset();
  arm_retransmit(now);
}

void Sender::prr_on_ack(std::uint32_t delivered) {
  if (scc_->owns_recovery()) return;  // the controller sets cwnd in recovery (cc.hpp)
  Recovery& r = *recovery_;
  r.prr_delivered += delivered;
  const std::int64_t p = pipe();
  const std::int64_t ssthresh = scc_->ssthresh();
  std::int64_t sndcnt;
  if (p > ssthresh) {
    // RFC 6937 §3.1: proportional part — ceil(prr_delivered·ssthresh/RecoverFS) − prr_out.
    const std::int64_t fs = std::max<std::uint32_t>(r.recover_fs, 1);
    sndcnt = (static_cast<std::int64_t>(r.prr_delivered) * ssthresh + fs - 1) / fs -
             static_cast<std::int64_t>(r.prr_out);
  } else {
    // PRR-SSRB: slow start back up to ssthresh, at most one segment beyond
    // what was delivered.
    const std::int64_t limit =
        std::max<std::int64_t>(static_cast<std::int64_t>(r.prr_delivered - std::min(r.prr_delivered, r.prr_out)),
                               delivered) +
        snd_mss_;
    sndcnt = std::min(ssthresh - p, limit);
  }
  prr_allow_ = std::max<std::int64_t>(sndcnt, 0);
  scc_->set_cwnd(static_cast<std::uint32_t>(p + prr_allow_));
}

void Sender::on_data_timeout_sack(Instant now) {
  // RFC 6298 §5.5–5.6 and RFC 5681 §3.1, as without SACK, but what is
  // resent is what the log says is missing: every segment not SACKed is
  // lost (RFC 6675 §5.1, RFC 8985 §6.3), SACKed data is not sent again,
  // and SND.NXT stays where it is.
  // F-RTO (RFC 5682) only for a first timeout outside any recovery.
  const bool fresh = !in_loss_recovery();
  // RFC 2018 §8: a receiver may drop data it has SACKed (reneging; ours
  // does when its out-of-order ranges reach their cap). The sign is a
  // timeout while the segment at SND.UNA is marked SACKed: the peer would
  // have acknowledged it cumulatively. Then every SACKed mark is turned off
  // (the RFC's "SHOULD"), so that segment — which the RFC says MUST be
  // resent after a timeout, SACKed or not — and the rest are sent again.
  if (!log_.empty() && log_.segments().front().sacked) {
    ++stats_.sack_reneging;
    log_.forget_sacks();
    sb_.clear();
  }
  scc_->on_rto(now, flight_size());
  undo_begin(true);
  recovery_.reset();
  prr_allow_ = 0;
  recover_ = snd_max_ - 1;
  dup_acks_ = 0;
  rto_recovery_ = snd_max_;
  tlp_end_.reset();
  timers_.cancel(TimerKind::kReorder);
  timers_.cancel(TimerKind::kLossProbe);
  rtt_.backoff();
  frto_step_ = 0;
  if (!fresh || !frto_start(now)) {
    log_.mark_all_lost();
    if (const SentLog::Segment* s = log_.next_lost()) (void)send_retransmission(now, *s, false);
  }
  arm_retransmit(now);
}

bool Sender::send_retransmission(Instant now, const SentLog::Segment& s, bool probe) {
  const SeqNum seq = s.begin;
  const std::uint32_t len = std::min<std::uint32_t>(s.len(), snd_mss_);
  const std::size_t data = std::min<std::size_t>(len, snd_.bytes_from(seq));
  // The FIN rides along when the segment reaches it and it was sent before.
  const bool fin = snd_.fin_queued() && !snd_.fin_acked() && data < len &&
                   seq + static_cast<std::uint32_t>(data) == snd_.data_end() && snd_max_.after(snd_.data_end());
  if (data == 0 && !fin) return false;
  if (!timestamps_) rtt_probe_.reset();  // Karn: its ACK could be for either copy
  if (!send_segment(now, seq, data, fin, true)) return false;
  if (!probe) undo_note_retransmission(now, seq);
  const auto used = static_cast<std::uint32_t>(data + (fin ? 1 : 0));
  if (recovery_) {
    prr_allow_ -= used;
    recovery_->prr_out += used;
  }
  if (probe) {
    ++stats_.tlp_retransmits;
  } else if (s.rto_lost) {
    ++stats_.rto_retransmits;
  } else {
    ++stats_.rack_retransmits;
  }
  return true;
}

void Sender::output_sack(Instant now) {
  bool sent_new = false;
  update_pacing_rate();
  for (;;) {
    const std::uint32_t in_flight = pipe();
    // How much may go out: PRR's allowance in recovery (RFC 6937), else
    // cwnd − pipe (RFC 6675 §5 (C)). (RFC 3042's limited transmit is in
    // there: each SACKed segment leaves the pipe and makes room for one.)
    const std::int64_t budget = recovery_ && !scc_->owns_recovery()
                                    ? prr_allow_
                                    : static_cast<std::int64_t>(scc_->cwnd()) - static_cast<std::int64_t>(in_flight);
    // NextSeg() (1): a segment deemed lost. A retransmission takes a whole
    // segment once any allowance is left (segments are not split to fit it).
    if (budget > 0) {
      if (const SentLog::Segment* s = log_.next_lost()) {
        if (pace_hold(now)) break;
        if (!send_retransmission(now, *s, false)) break;
        continue;
      }
    }
    // NextSeg() (2): new data, within the peer's window.
    const std::size_t unsent = snd_.bytes_from(snd_nxt_);
    const bool fin_pending = snd_.fin_queued() && !snd_max_.after(snd_.data_end());
    if (unsent == 0 && !fin_pending) break;
    const std::int64_t rwnd_room =
        static_cast<std::int64_t>(snd_wnd_) - static_cast<std::int64_t>(snd_nxt_ - snd_.una());
    std::size_t len = static_cast<std::size_t>(
        std::clamp<std::int64_t>(std::min<std::int64_t>({static_cast<std::int64_t>(unsent), snd_mss_, rwnd_room, budget}),
                                 0, snd_mss_));
    if (unsent > 0 && len == 0) {
      // Zero (or full) window: the persist timer keeps asking (§3.8.6.1).
      if (snd_wnd_ == 0 && snd_nxt_ == snd_.una() && !timers_.armed(TimerKind::kPersist)) {
        timers_.arm(TimerKind::kPersist, now + rtt_.rto());
      }
      break;
    }
    if (len > 0 && len < snd_mss_) {
      // Nagle (RFC 1122 §4.2.3.4) in Minshall's form, as Linux has it: a
      // small segment waits while another small one is unacknowledged
      // (one small segment per round trip at most, instead of none while
      // anything is in flight).
      const bool outstanding = snd_nxt_.after(snd_.una());
      const bool small_outstanding = small_end_.after(snd_.una());
      if (!config_.nodelay && small_outstanding) break;
      // Sender SWS avoidance (§3.8.6.2.1): a partial segment only if it is
      // all there is to send, or fills half the largest window offered —
      // or it is the end of the window of a peer whose windows are small
      // (never 32 segments) and not a whole number of segments, with no
      // other small segment in flight: a window of 8192 bytes holds five
      // 1448-byte segments and 952 bytes more, and leaving those out would
      // cost 12 % of every round trip. One small segment per round trip at
      // most, so a receiver that opens its window in small steps cannot
      // make us send many. (A Linux receiver offers 64 KiB from its SYN
      // on: it never sees this, as Linux senders never send it.)
      const bool small_window = max_snd_wnd_ < 32u * snd_mss_;
      const bool window_edge =
          small_window && static_cast<std::int64_t>(len) == rwnd_room && len < unsent && !small_outstanding;
      if (len != unsent && len < max_snd_wnd_ / 2 && !window_edge) {
        if (!outstanding && !timers_.armed(TimerKind::kPersist)) timers_.arm(TimerKind::kPersist, now + rtt_.rto());
        break;
      }
    }
    if (budget <= 0 && !(fin_pending && unsent == 0)) break;
    // The FIN takes a sequence number, so it needs one byte of the peer's
    // window: a receiver with none left must drop it (RFC 9293 §3.10.7.4's
    // acceptability test), and it would wait for the retransmission timer.
    const bool fin_fits = rwnd_room > static_cast<std::int64_t>(len);
    const bool fin = fin_pending && len == unsent && fin_fits;
    if (len == 0 && !fin) {
      if (fin_pending && snd_wnd_ == 0 && snd_nxt_ == snd_.una() && !timers_.armed(TimerKind::kPersist)) {
        timers_.arm(TimerKind::kPersist, now + rtt_.rto());
      }
      break;
    }
    if (pace_hold(now)) break;
    if (!send_segment(now, snd_nxt_, len, fin, false)) break;
    const auto used = static_cast<std::uint32_t>(len + (fin ? 1 : 0));
    snd_nxt_ = snd_nxt_ + used;
    if (len < snd_mss_) small_end_ = snd_nxt_;
    sent_new = true;
    if (recovery_) {
      prr_allow_ -= used;
      recovery_->prr_out += used;
    }
    if (fin) break;
  }
  const std::uint32_t flight = pipe();
  max_pipe_round_ = std::max(max_pipe_round_, flight);
  // The delivery-rate draft's CheckIfApplicationLimited(): less than a
  // segment left to send, cwnd not full, nothing waiting to be resent —
  // the next samples measure the application, not the path. The peer's
  // window holding the sender back counts the same: those samples measure
  // the receiver, and a model built on them would pace the flow down to
  // the rate its window allowed, and lower with every round trip.
  const std::int64_t rwnd_room =
      static_cast<std::int64_t>(snd_wnd_) - static_cast<std::int64_t>(snd_nxt_ - snd_.una());
  const bool nothing_to_send = snd_.bytes_from(snd_nxt_) < snd_mss_ || rwnd_room < snd_mss_;
  if ((nothing_to_send && flight < scc_->cwnd() && !log_.any_lost()) || scc_->holding_back()) {
    rate_.mark_app_limited(flight);
  }
  if (sent_new) schedule_probe(now);
}

bool Sender::cwnd_limited() const {
  const std::uint64_t used = std::max(max_pipe_round_, max_pipe_prev_);
  const std::uint32_t cwnd = scc_->cwnd();
  // Slow start may double what was in flight; beyond, cwnd must be full.
  if (scc_->in_slow_start()) return cwnd < 2 * used;
  return used + snd_mss_ >= cwnd;
}

}  // namespace ws::tcp
