// The sender with SACK (RFC 2018): the scoreboard fed by every ACK's
// blocks, loss recovery by RFC 6675 — IsLost(), pipe, NextSeg() rules (1)
// and (2) — with Proportional Rate Reduction (RFC 6937) deciding how much
// goes out per ACK, and after a timeout the retransmission of what the
// scoreboard marks lost instead of go-back-N.
#include <algorithm>

#include "tcp/connection.hpp"
#include "tcp/sender.hpp"

namespace ws::tcp {

namespace {
constexpr unsigned kDupThresh = 3;  // RFC 6675 §2 DupThresh
}

void Sender::enable_sack(CcKind kind) {
  sack_ = true;
  scc_ = make_cc(kind, snd_mss_, config_.iw10 ? InitialWindow::kIw10 : InitialWindow::kRfc5681);
  high_rxt_ = snd_.una();
  round_end_ = snd_max_;
}

bool Sender::hole_lost(SeqNum at) const {
  if (rto_lost_end_ && at.before(*rto_lost_end_)) return true;
  return sb_.is_lost(at, snd_mss_, kDupThresh);
}

std::uint32_t Sender::pipe() const {
  if (!sack_) return flight_size();
  // RFC 6675 §4 SetPipe(): every un-SACKed byte not deemed lost, plus every
  // byte retransmitted (below HighRxt) and not yet SACKed or ACKed.
  const SeqNum una = snd_.una();
  std::int64_t p = static_cast<std::int64_t>(snd_max_ - una) - sb_.sacked_bytes();
  SeqNum limit = sb_.high_end().value_or(una);
  if (rto_lost_end_ && rto_lost_end_->after(limit)) limit = *rto_lost_end_;
  for (auto h = sb_.next_hole(una, limit); h; h = sb_.next_hole(h->begin + h->len, limit)) {
    if (!hole_lost(h->begin)) continue;
    p -= h->len;
    if (high_rxt_.after(h->begin)) p += std::min<std::uint32_t>(h->len, static_cast<std::uint32_t>(high_rxt_ - h->begin));
  }
  return static_cast<std::uint32_t>(std::max<std::int64_t>(p, 0));
}

std::optional<SackScoreboard::Hole> Sender::next_lost(std::uint32_t max_len) const {
  const SeqNum una = snd_.una();
  SeqNum limit = sb_.high_end().value_or(una);
  if (rto_lost_end_ && rto_lost_end_->after(limit)) limit = *rto_lost_end_;
  const SeqNum from = high_rxt_.after(una) ? high_rxt_ : una;
  for (auto h = sb_.next_hole(from, limit); h; h = sb_.next_hole(h->begin + h->len, limit)) {
    if (hole_lost(h->begin)) return SackScoreboard::Hole{h->begin, std::min(h->len, max_len)};
  }
  return std::nullopt;
}

void Sender::take_sack_blocks(const TcpSegment& seg, std::uint32_t& newly_sacked) {
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
      continue;
    }
    const SeqNum left = b.left.before(ack) ? ack : b.left;
    const SeqNum right = b.right.after(snd_max_) ? snd_max_ : b.right;
    if (left.before(right)) newly_sacked += sb_.add(left, right);
  }
}

void Sender::on_ack_sack(Instant now, const TcpSegment& seg, std::optional<Duration> ts_rtt) {
  const SeqNum ack = *seg.ack;
  const SeqNum una = snd_.una();
  std::uint32_t newly = 0;
  take_sack_blocks(seg, newly);
  std::uint32_t acked = 0;
  std::optional<Duration> sample = ts_rtt;
  if (ack.after(una)) {
    acked = static_cast<std::uint32_t>(ack - una);
    snd_.ack(ack);
    progress_at_ = now;
    if (snd_nxt_.before(ack)) snd_nxt_ = ack;
    sb_.advance(snd_.una());
    if (high_rxt_.before(snd_.una())) high_rxt_ = snd_.una();
    if (rto_lost_end_ && !snd_.una().before(*rto_lost_end_)) rto_lost_end_.reset();
    dup_acks_ = 0;
    retransmits_ = 0;
    persist_backoff_ = 0;
    // One sample per round trip (the timed segment's ACK); with timestamps
    // its value is the echo's (RFC 7323 §4), valid for retransmissions too.
    sample.reset();
    if (rtt_probe_ && ack.after_eq(rtt_probe_->first)) {
      sample = ts_rtt.value_or(now - rtt_probe_->second);
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
    }
  } else if (newly > 0) {
    // RFC 6675 §2: an ACK whose SACK blocks cover new data is a DupAck.
    ++dup_acks_;
    ++stats_.dup_acks;
  }
  const std::uint32_t delivered = acked + newly;
  if (recovery_) {
    if (!ack.before(recovery_->point)) {
      // RFC 6675 §5 (and RFC 6937 §3.1): the recovery point is acknowledged.
      recovery_.reset();
      prr_allow_ = 0;
      scc_->on_recovery_end(now);
    } else {
      prr_on_ack(delivered);
    }
  } else {
    // RFC 6675 §5: DupThresh DupAcks, or IsLost(SND.UNA). RFC 5827 early
    // retransmit lowers the threshold when fewer than four segments are
    // out and there is nothing new to send; `recover` (RFC 6582 §3.2)
    // keeps one loss episode from starting twice.
    unsigned threshold = kDupThresh;
    const std::uint32_t outstanding = (flight_size() + snd_mss_ - 1) / snd_mss_;
    if (outstanding >= 2 && outstanding < 4 && snd_.bytes_from(snd_nxt_) == 0) threshold = outstanding - 1;
    const bool loss = dup_acks_ >= threshold || sb_.is_lost(snd_.una(), snd_mss_, kDupThresh);
    if (loss && flight_size() > 0 && (snd_.una() - 1).after(recover_) && !sb_.empty()) {
      enter_recovery(now);
      prr_on_ack(delivered);
      // RFC 6675 §5 (4.3): the first lost segment goes out at once.
      prr_allow_ = std::max<std::int64_t>(prr_allow_, snd_mss_);
    } else if (acked > 0) {
      AckSample a;
      a.now = now;
      a.delivered = delivered;
      a.flight = pipe();
      a.rtt = sample;
      a.min_rtt = min_rtt_;
      a.srtt = rtt_.srtt().value_or(Duration{});
      // RFC 7661 §4.3: nothing more to send and the window not in use.
      a.app_limited = snd_.bytes_from(snd_nxt_) == 0 && a.flight + snd_mss_ < scc_->cwnd();
      a.round = round_;
      scc_->on_ack(a);
    }
  }
  // RFC 6298 §5.2–5.3: stop the timer when all is acknowledged, else
  // restart it on an ACK of new data.
  if (snd_max_ == snd_.una()) {
    timers_.cancel(TimerKind::kRetransmit);
  } else if (acked > 0) {
    arm_retransmit(now);
  }
}

void Sender::enter_recovery(Instant now) {
  // RFC 6675 §5 (4): RecoveryPoint = HighData; ssthresh from the flight;
  // RFC 6937 §3.1: RecoverFS, prr_delivered and prr_out start here.
  recover_ = snd_max_ - 1;
  recovery_ = Recovery{snd_max_, 0, 0, flight_size()};
  scc_->on_loss(now, flight_size());
  ++stats_.fast_retransmits;
  ++stats_.sack_recoveries;
  high_rxt_ = snd_.una();
  if (!timestamps_) rtt_probe_.reset();
  arm_retransmit(now);
}

void Sender::prr_on_ack(std::uint32_t delivered) {
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
  // resent is what the scoreboard says is missing: everything un-SACKed
  // below SND.MAX counts as lost (RFC 6675 §5.1), SACKed data is not sent
  // again, and SND.NXT stays where it is.
  scc_->on_rto(now, flight_size());
  recovery_.reset();
  prr_allow_ = 0;
  recover_ = snd_max_ - 1;
  dup_acks_ = 0;
  rto_lost_end_ = snd_max_;
  high_rxt_ = snd_.una();
  rtt_.backoff();
  if (auto h = next_lost(snd_mss_)) (void)send_retransmission(now, h->begin, h->len);
  arm_retransmit(now);
}

bool Sender::send_retransmission(Instant now, SeqNum seq, std::uint32_t len) {
  const std::size_t data = std::min<std::size_t>(len, snd_.bytes_from(seq));
  // The FIN rides along when the hole reaches it and it was sent before.
  const bool fin = snd_.fin_queued() && !snd_.fin_acked() && data < len &&
                   seq + static_cast<std::uint32_t>(data) == snd_.data_end() && snd_max_.after(snd_.data_end());
  if (data == 0 && !fin) return false;
  if (!timestamps_) rtt_probe_.reset();  // Karn: its ACK could be for either copy
  if (!send_segment(now, seq, data, fin, true)) return false;
  const SeqNum end = seq + static_cast<std::uint32_t>(data) + (fin ? 1 : 0);
  if (high_rxt_.before(end)) high_rxt_ = end;
  if (recovery_) {
    ++stats_.sack_retransmits;
    prr_allow_ -= static_cast<std::int64_t>(end - seq);
    recovery_->prr_out += static_cast<std::uint32_t>(end - seq);
  } else {
    ++stats_.rto_retransmits;
  }
  return true;
}

void Sender::output_sack(Instant now) {
  for (;;) {
    const std::uint32_t in_flight = pipe();
    // How much may go out: PRR's allowance in recovery (RFC 6937), else
    // cwnd − pipe (RFC 6675 §5 (C)), with RFC 3042's limited transmit.
    std::int64_t budget;
    if (recovery_) {
      budget = prr_allow_;
    } else {
      const std::uint32_t limited = (dup_acks_ == 1 || dup_acks_ == 2) ? dup_acks_ * std::uint32_t{snd_mss_} : 0;
      budget = static_cast<std::int64_t>(scc_->cwnd()) + limited - in_flight;
    }
    // NextSeg() (1): a lost hole. A retransmission takes a whole segment
    // once any allowance is left (segments are not split to fit it).
    if (budget > 0) {
      if (auto h = next_lost(snd_mss_)) {
        if (!send_retransmission(now, h->begin, h->len)) break;
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
      // Nagle (RFC 1122 §4.2.3.4) and sender SWS avoidance (§3.8.6.2.1), as without SACK.
      const bool outstanding = snd_nxt_.after(snd_.una());
      if (!config_.nodelay && outstanding) break;
      if (len != unsent && len < max_snd_wnd_ / 2) {
        if (!outstanding && !timers_.armed(TimerKind::kPersist)) timers_.arm(TimerKind::kPersist, now + rtt_.rto());
        break;
      }
    }
    if (budget <= 0 && !(fin_pending && unsent == 0)) break;
    const bool fin = fin_pending && len == unsent;
    if (!send_segment(now, snd_nxt_, len, fin, false)) break;
    const auto used = static_cast<std::uint32_t>(len + (fin ? 1 : 0));
    snd_nxt_ = snd_nxt_ + used;
    if (recovery_) {
      prr_allow_ -= used;
      recovery_->prr_out += used;
    }
    if (fin) break;
  }
}

}  // namespace ws::tcp
