#include "tcp/new_reno_cc.hpp"

#include <algorithm>

namespace ws::tcp {

namespace {

std::uint32_t saturate(std::uint64_t v) {
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(v, CongestionControl::kMaxCwnd));
}

}  // namespace

NewRenoCc::NewRenoCc(NewRenoCcConfig config) : config_(config) {
  config_.smss = std::max<std::uint32_t>(config_.smss, 1);
  config_.abc_limit = std::max<std::uint32_t>(config_.abc_limit, 1);
  cwnd_ = initial_window(config_.smss, config_.initial_window);
  ssthresh_ = config_.initial_ssthresh;
  if (!config_.hystart) hystart_.stop();
}

std::uint32_t NewRenoCc::loss_ssthresh(std::uint32_t flight) const {
  return saturate(std::max<std::uint64_t>(flight / 2, 2 * std::uint64_t{config_.smss}));
}

void NewRenoCc::grow(std::uint64_t by) { cwnd_ = saturate(cwnd_ + by); }

void NewRenoCc::on_ack(const AckSample& ack) {
  if (ack.delivered > 0) rto_unanswered_ = false;
  // Recovery's window is the sender's (PRR, RFC 6937).
  if (in_recovery_) return;
  if (cwnd_ < ssthresh_) {
    slow_start(ack);
  } else {
    congestion_avoidance(ack);
  }
}

void NewRenoCc::slow_start(const AckSample& ack) {
  // RFC 3465 §2.2 (RFC 5681 §3.1 eq. (2) is L = 1): cwnd += min(N, L·SMSS).
  // HyStart++ takes the RTT sample even when the increase is 0.
  const std::uint32_t increase = slow_start_increase(ack, after_rto_ ? 1 : config_.abc_limit, config_.smss);

  const HyStart::Step step = hystart_.on_ack(ack, increase);
  if (step.enter_congestion_avoidance) {
    // RFC 9406 §4.2: CSS_ROUNDS rounds of CSS are over: ssthresh = cwnd.
    ssthresh_ = cwnd_;
    congestion_avoidance(ack);
    return;
  }
  grow(step.increase);
  if (cwnd_ >= ssthresh_) after_rto_ = false;
}

void NewRenoCc::congestion_avoidance(const AckSample& ack) {
  // RFC 3465 §2.1, the byte counting RFC 5681 §3.1 recommends: one SMSS
  // once a full cwnd of bytes has been delivered — one SMSS per RTT.
  after_rto_ = false;
  if (ack.app_limited) return;  // RFC 7661 §4.3, as in slow start
  bytes_acked_ = saturate(std::uint64_t{bytes_acked_} + ack.delivered);
  if (bytes_acked_ >= cwnd_) {
    bytes_acked_ -= cwnd_;
    grow(config_.smss);
  }
}

void NewRenoCc::save_for_undo(bool timeout, std::uint32_t flight) {
  // RFC 4015 §3.1 step (1), §3.2: pipe_prev <- max(FlightSize, ssthresh) —
  // FlightSize in congestion avoidance, ssthresh in slow start: the
  // operating point to return to if the timeout proves spurious.
  saved_ = Saved{timeout, cwnd_, ssthresh_, std::max(flight, ssthresh_), hystart_};
}

void NewRenoCc::on_loss(Instant /*now*/, std::uint32_t flight) {
  // The sender calls this once per loss episode (its RFC 6675 recovery
  // point); a second call before on_recovery_end() is the same episode.
  if (in_recovery_) return;
  save_for_undo(false, flight);
  ssthresh_ = loss_ssthresh(flight);  // RFC 5681 §3.2 step 2, eq. (4)
  in_recovery_ = true;
  bytes_acked_ = 0;
  after_rto_ = false;
  hystart_.stop();  // RFC 9406 §4.2-4.3: loss ends HyStart++
}

void NewRenoCc::on_rto(Instant /*now*/, std::uint32_t flight) {
  // RFC 5681 §3.1: ssthresh by eq. (4) when "the given segment has not yet
  // been resent by way of the retransmission timer"; a repeated timeout of
  // the same segment keeps it (FlightSize has collapsed meanwhile). A
  // timeout in recovery keeps the ssthresh this loss episode already set.
  if (!rto_unanswered_ && !in_recovery_) {
    save_for_undo(true, flight);
    ssthresh_ = loss_ssthresh(flight);
  }
  cwnd_ = config_.smss;  // the loss window, LW = 1 SMSS (RFC 5681 §3.1)
  in_recovery_ = false;
  bytes_acked_ = 0;
  after_rto_ = true;
  rto_unanswered_ = true;
  hystart_.stop();
}

void NewRenoCc::on_recovery_end(Instant /*now*/) {
  if (!in_recovery_) return;
  // RFC 6937 §3.1: recovery ends with cwnd = ssthresh (PRR's target).
  cwnd_ = ssthresh_;
  in_recovery_ = false;
  bytes_acked_ = 0;
}

void NewRenoCc::on_idle_restart(Instant /*now*/) {
  // RFC 5681 §4.1: after an idle period longer than RTO, cwnd is at most
  // the restart window RW = min(IW, cwnd).
  cwnd_ = std::min(cwnd_, initial_window(config_.smss, config_.initial_window));
  bytes_acked_ = 0;
}

void NewRenoCc::undo() {
  if (!saved_) return;
  if (saved_->timeout) {
    // A spurious timeout: RFC 4015 §3.1 step (6), ssthresh <- pipe_prev.
    // Its cwnd <- FlightSize + min(bytes_acked, IW) avoids a burst and
    // needs the sender's numbers: the sender applies it with set_cwnd().
    // Slow start then climbs back to pipe_prev within about a round trip.
    ssthresh_ = saved_->pipe_prev;
    hystart_ = saved_->hystart;
  } else if (cwnd_ < saved_->cwnd) {
    // A spurious fast retransmit (RFC 3708 D-SACK): put back the window
    // from before the reduction, as RFC 9438 §4.9 does for CUBIC — unless
    // cwnd has grown past it meanwhile, when the current values stand.
    cwnd_ = saved_->cwnd;
    ssthresh_ = saved_->ssthresh;
    hystart_ = saved_->hystart;
  }
  saved_.reset();
  in_recovery_ = false;
  after_rto_ = false;
  rto_unanswered_ = false;
  bytes_acked_ = 0;
}

void NewRenoCc::set_cwnd(std::uint32_t cwnd) {
  cwnd_ = std::min(std::max(cwnd, config_.smss), kMaxCwnd);
}

}  // namespace ws::tcp
