#include "tcp/rack.hpp"

#include <algorithm>

namespace ws::tcp {

void Rack::on_delivered(const SentLog::Segment& s, Instant now, Duration min_rtt, bool tsecr_before_xmit) {
  min_rtt_ = min_rtt;
  // Step 3 (RACK_detect_reordering): a segment never resent that arrives
  // below the highest end already delivered came out of order.
  if (fack_ && s.end.before(*fack_) && !s.retransmitted) reordering_seen_ = true;
  if (!fack_ || s.end.after(*fack_)) fack_ = s.end;
  // Step 2 (RACK_update): a retransmitted segment whose ACK is for an
  // earlier copy, or came back faster than any RTT, says nothing about
  // its latest transmission.
  const Duration rtt = now - s.xmit;
  if (s.retransmitted && (tsecr_before_xmit || (min_rtt > Duration{} && rtt < min_rtt))) return;
  rtt_ = rtt;
  if (!xmit_ts_ || sent_after(s.xmit, s.order, *xmit_ts_, order_)) {
    xmit_ts_ = s.xmit;
    order_ = s.order;
  }
}

void Rack::end_of_ack(SeqNum una, SeqNum snd_nxt, bool dsack) {
  // Step 4 (RACK_update_reo_wnd): one D-SACK per round widens the window
  // by a quarter of min_RTT, and keeps it wide for 16 recoveries.
  if (dsack_round_ && !una.before(*dsack_round_)) dsack_round_.reset();
  if (!dsack_round_ && dsack) {
    dsack_round_ = snd_nxt;
    ++reo_wnd_mult_;
    reo_wnd_persist_ = kReoWndPersist;
  }
}

void Rack::on_recovery_end() {
  if (reo_wnd_persist_ > 0) --reo_wnd_persist_;
  if (reo_wnd_persist_ == 0) reo_wnd_mult_ = 1;
}

Duration Rack::reo_wnd(const SentLog& log, Duration srtt, bool in_recovery) const {
  if (!reordering_seen_) {
    // RACK_reo_wnd(): without reordering, in recovery or once DupThresh
    // segments are SACKed, a loss is a loss at once.
    if (in_recovery) return Duration{};
    if (log.sacked_count() >= kDupThresh) return Duration{};
  }
  const Duration w = (min_rtt_ / 4) * static_cast<std::int64_t>(reo_wnd_mult_);
  return srtt > Duration{} ? std::min(w, srtt) : w;
}

Rack::Detected Rack::detect_loss(SentLog& log, Instant now, Duration srtt, bool in_recovery) {
  Detected d;
  if (!xmit_ts_) return d;
  const Duration wnd = reo_wnd(log, srtt, in_recovery);
  // Step 5 (RACK_detect_loss): every segment sent before the latest
  // delivered one is lost once RACK.rtt + RACK.reo_wnd has passed since
  // it was sent; the earliest that is not yet sets the reordering timer.
  // The log offers them oldest transmission first, so the walk ends at
  // the first one sent after the latest delivered segment.
  log.scan_by_time([&](const SentLog::Segment& s) {
    if (!sent_after(*xmit_ts_, order_, s.xmit, s.order)) return SentLog::Verdict::kStop;
    const Instant due = s.xmit + rtt_ + wnd;
    if (due <= now) {
      ++d.newly_lost;
      return SentLog::Verdict::kLost;
    }
    if (!d.recheck || due < *d.recheck) d.recheck = due;
    return SentLog::Verdict::kKeep;
  });
  return d;
}

}  // namespace ws::tcp
