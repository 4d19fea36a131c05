// Spurious retransmissions and their undo. A retransmission can prove
// unnecessary: the original was only delayed or reordered, or only its
// ACK was lost. Three detectors say so —
//   - Eifel (RFC 3522): with timestamps, the first ACK that acknowledges
//     the retransmitted data echoes a timestamp older than the
//     retransmission: the original arrived;
//   - D-SACK (RFC 3708 §3, RFC 2883): the peer reports every
//     retransmission of the episode as a duplicate;
//   - F-RTO (RFC 5682 §3): after a timeout, the sender resends only the
//     first segment, then sends new data instead of resending more; if the
//     ACKs that follow acknowledge data that was never resent, the timeout
//     was spurious —
// and the response (RFC 4015 §3) restores the congestion state from
// before the reduction (the controller's undo()) and stops resending what
// was marked lost. Only with SACK: without it the sender is NewReno's.
#include <algorithm>

#include "tcp/connection.hpp"
#include "tcp/initial_window.hpp"
#include "tcp/sender.hpp"

namespace ws::tcp {

void Sender::undo_begin(bool timeout) {
  // A timeout within an episode belongs to it (the controller saved its
  // state at the episode's first reduction).
  if (undo_ && !undo_->horizon) return;
  undo_ = Undo{};
  undo_->marker = snd_.una();
  undo_->timeout = timeout;
}

void Sender::undo_note_retransmission(Instant now, SeqNum seq) {
  if (!undo_) return;
  if (undo_->first_rexmit == Instant::never()) {
    undo_->first_rexmit = now;
    undo_->first_rexmit_seq = seq;
  }
  ++undo_->retrans;
}

void Sender::undo_on_episode_end() {
  // D-SACKs for the episode's last retransmissions come about one round
  // trip later: they count until what is in flight now is acknowledged.
  if (undo_ && !undo_->horizon) undo_->horizon = snd_max_;
}

bool Sender::frto_start(Instant now) {
  // RFC 5682 §3 step 1: resend the first unacknowledged segment only; the
  // next two ACKs decide whether the rest was lost. Without new data to
  // send in step 2 F-RTO cannot decide: conventional recovery instead.
  if (log_.empty() || snd_.bytes_from(snd_nxt_) == 0) return false;
  (void)log_.mark_lost(log_.segments().front().begin, /*by_timeout=*/true);
  const SentLog::Segment copy = log_.segments().front();
  if (!send_retransmission(now, copy, false)) return false;
  frto_step_ = 2;
  frto_rexmit_end_ = copy.begin + std::min<std::uint32_t>(copy.len(), snd_mss_);
  return true;
}

void Sender::conventional_rto_recovery() {
  // RFC 5682 §3 step 2a/3b: the timeout was genuine: everything not SACKed
  // is lost (RFC 6675 §5.1) — except what step 1 resent, which is in flight.
  frto_step_ = 0;
  log_.mark_all_lost(/*keep_resent=*/true);
}

bool Sender::undo_on_ack(Instant now, SeqNum ack, bool advanced, std::optional<Duration> ts_age,
                         const SackInfo& info) {
  if (!undo_) return false;
  const std::uint32_t acked = advanced ? static_cast<std::uint32_t>(ack - undo_->marker) : 0;
  // RFC 3708 §3: a D-SACK above the episode's start reports one of its
  // retransmissions as a duplicate; when all of them are, none was needed.
  if (info.dsack && !info.dsack->left.before(undo_->marker) && undo_->retrans > 0) {
    const auto len = static_cast<std::uint32_t>(info.dsack->right - info.dsack->left);
    const std::uint32_t segs = std::max<std::uint32_t>(1, (len + snd_mss_ - 1) / snd_mss_);
    undo_->retrans -= std::min(segs, undo_->retrans);
    if (undo_->retrans == 0) {
      undo(now, acked);
      return true;
    }
  }
  // RFC 3522 §3.2: the first ACK that acknowledges the retransmitted
  // segment decides — an echo older than the retransmission is the
  // original's. (Not an ACK of data below it: segments between SND.UNA and
  // the first hole were never resent, and their ACKs echo old times.)
  if (undo_->first_rexmit != Instant::never() && !undo_->eifel_checked && ack.after(undo_->first_rexmit_seq)) {
    undo_->eifel_checked = true;
    if (echo_before(now, ts_age, undo_->first_rexmit)) {
      undo(now, acked);
      return true;
    }
  }
  if (frto_step_ == 2) {
    // RFC 5682 §3 step 2: the first ACK after the timeout. If it moves
    // SND.UNA but not to the end, send two new segments (2b); otherwise
    // recover conventionally (2a).
    const bool room = snd_.bytes_from(snd_nxt_) > 0 && snd_wnd_ > flight_size();
    if (advanced && rto_recovery_ && ack.before(*rto_recovery_) && room) {
      frto_step_ = 3;
      scc_->set_cwnd(pipe() + 2 * std::uint32_t{snd_mss_});
    } else {
      conventional_rto_recovery();
    }
  } else if (frto_step_ == 3) {
    // Step 3: the second ACK. Acknowledging more — data never resent —
    // means the segments were not lost: the timeout was spurious (3a).
    if (advanced) {
      undo(now, acked);
      return true;
    }
    conventional_rto_recovery();
  }
  if (undo_ && undo_->horizon && !snd_.una().before(*undo_->horizon)) undo_.reset();
  return false;
}

void Sender::undo(Instant now, std::uint32_t acked) {
  (void)now;
  const bool timeout = undo_->timeout;
  if (timeout) {
    ++stats_.spurious_rtos;
  } else {
    ++stats_.spurious_recoveries;
  }
  ++stats_.cc_undos;
  scc_->undo();
  if (timeout) {
    // RFC 4015 §3.1 step (6): cwnd <- FlightSize + min(bytes_acked, IW),
    // so no burst leaves; ssthresh was restored and slow start climbs back.
    const std::uint32_t iw =
        initial_window(snd_mss_, config_.iw10 ? InitialWindow::kIw10 : InitialWindow::kRfc5681);
    scc_->set_cwnd(flight_size() + std::min(acked, iw));
  }
  // The episode is over: nothing marked lost is resent any more.
  recovery_.reset();
  prr_allow_ = 0;
  rto_recovery_.reset();
  frto_step_ = 0;
  log_.clear_lost();
  timers_.cancel(TimerKind::kReorder);
  // RFC 8985 §6.2 step 3: a retransmission that proved spurious is a sign
  // of reordering (or delay): RACK keeps a reordering window from now on.
  rack_.on_spurious();
  undo_.reset();
}

}  // namespace ws::tcp
