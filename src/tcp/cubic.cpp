#include "tcp/cubic.hpp"

#include <algorithm>
#include <cmath>

namespace ws::tcp {

namespace {

std::uint32_t saturate(std::uint64_t v) {
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(v, CongestionControl::kMaxCwnd));
}

// The RTT that §4.2 looks ahead by: the smoothed RTT; before the sender has
// one, this ACK's sample or the minimum.
Duration lookahead_rtt(const AckSample& ack) {
  if (ack.srtt > Duration::zero()) return ack.srtt;
  if (ack.rtt) return *ack.rtt;
  return ack.min_rtt;
}

}  // namespace

Cubic::Cubic(CubicConfig config) : config_(config) {
  config_.smss = std::max<std::uint32_t>(config_.smss, 1);
  config_.abc_limit = std::max<std::uint32_t>(config_.abc_limit, 1);
  cwnd_ = initial_window(config_.smss, config_.initial_window);
  ssthresh_ = config_.initial_ssthresh;
  if (!config_.hystart) hystart_.stop();
}

double Cubic::segments(std::uint32_t bytes) const {
  return static_cast<double>(bytes) / config_.smss;
}

double Cubic::w_cubic(double t) const {
  // RFC 9438 §4.2 eq. (1): W_cubic(t) = C·(t − K)³ + W_max.
  const double d = t - k_;
  return kC * d * d * d + w_max_;
}

void Cubic::grow_to(double target_segments) {
  const double max_segments = segments(kMaxCwnd);
  const double target = std::min(target_segments, max_segments);
  const double increase = (target - segments(cwnd_)) * config_.smss + carry_;
  if (increase <= 0) return;  // an ACK never shrinks the window
  const double whole = std::floor(increase);
  carry_ = increase - whole;
  cwnd_ = saturate(std::uint64_t{cwnd_} + static_cast<std::uint64_t>(whole));
}

void Cubic::on_ack(const AckSample& ack) {
  if (ack.delivered > 0) rto_unanswered_ = false;
  if (in_recovery_) return;  // the sender's PRR sets cwnd (RFC 6937)
  if (cwnd_ < ssthresh_) {
    slow_start(ack);
  } else {
    congestion_avoidance(ack);
  }
}

void Cubic::slow_start(const AckSample& ack) {
  // RFC 9438 §4.10: CUBIC MUST use a slow start below ssthresh; here RFC
  // 5681's with RFC 3465 byte counting, L = 1 after a timeout.
  // RFC 9438 §5.8: no growth while application-limited (RFC 7661 §4.3).
  const std::uint32_t increase = slow_start_increase(ack, after_rto_ ? 1 : config_.abc_limit, config_.smss);

  const HyStart::Step step = hystart_.on_ack(ack, increase);
  if (step.enter_congestion_avoidance) {
    // RFC 9406 §4.2: ssthresh = cwnd after CSS_ROUNDS. RFC 9438 §4.10:
    // having left slow start without a loss, W_max is undefined: cwnd_prior
    // = cwnd, and the epoch starts with W_max = cwnd_epoch, K = 0.
    ssthresh_ = cwnd_;
    cwnd_prior_ = segments(cwnd_);
    restart_w_max_ = true;
    epoch_.reset();
    congestion_avoidance(ack);
    return;
  }
  cwnd_ = saturate(std::uint64_t{cwnd_} + step.increase);
  if (cwnd_ >= ssthresh_) after_rto_ = false;
}

void Cubic::start_epoch(Instant now) {
  epoch_ = now;
  last_ack_ = now;
  carry_ = 0;
  cwnd_epoch_ = segments(cwnd_);
  if (restart_w_max_ || w_max_ <= 0) {
    // §4.8 (after a timeout) and §4.10 (W_max undefined): W_max is the
    // window at the start of congestion avoidance, so K = 0.
    w_max_ = cwnd_epoch_;
    restart_w_max_ = false;
  }
  if (cwnd_prior_ <= 0) cwnd_prior_ = cwnd_epoch_;
  // §4.2 eq. (2): K = ∛((W_max − cwnd_epoch) / C). With cwnd_epoch above
  // W_max the root is negative: the curve still passes through
  // cwnd_epoch at t = 0, already in the convex region.
  k_ = std::cbrt((w_max_ - cwnd_epoch_) / kC);
  // §4.3: W_est starts at cwnd_epoch.
  w_est_ = cwnd_epoch_;
}

void Cubic::congestion_avoidance(const AckSample& ack) {
  after_rto_ = false;
  if (!epoch_) start_epoch(ack.now);
  if (ack.app_limited) {
    // §5.8: no growth while application-limited, and t MUST NOT include
    // such periods: the epoch moves forward by the time they took.
    if (last_ack_ && ack.now > *last_ack_) *epoch_ += ack.now - *last_ack_;
    last_ack_ = ack.now;
    return;
  }
  last_ack_ = ack.now;
  if (ack.delivered == 0) return;

  const double cwnd = segments(cwnd_);
  const double acked = segments(ack.delivered);
  const double t = (ack.now - *epoch_).as_seconds();

  // §4.2: the target is W_cubic one RTT ahead, within [cwnd, 1.5·cwnd].
  const double target = std::clamp(w_cubic(t + lookahead_rtt(ack).as_seconds()), cwnd, 1.5 * cwnd);

  // §4.3 eq. (4): W_est grows by α_cubic·segments_acked/cwnd — by 1 per
  // cwnd (Reno's rate) once it has reached cwnd_prior.
  const double alpha = w_est_ >= cwnd_prior_ ? 1.0 : kAlpha;
  w_est_ += alpha * acked / cwnd;

  if (w_cubic(t) < w_est_) {
    // §4.3 Reno-friendly region: cwnd SHOULD be set to W_est.
    grow_to(w_est_);
  } else {
    // §4.4 concave (cwnd < W_max) and §4.5 convex (cwnd >= W_max) regions
    // grow alike: (target − cwnd)/cwnd per segment acknowledged.
    grow_to(cwnd + (target - cwnd) / cwnd * acked);
  }
}

std::uint32_t Cubic::reduced_ssthresh(std::uint32_t flight) const {
  // §4.6: ssthresh = flight_size · β_cubic, at least 2 segments — or cwnd ·
  // β_cubic where other means keep cwnd from outgrowing the flight, as
  // Linux does: the sender grows cwnd only while it is in use (RFC 7661
  // §4.3; up to twice the flight in slow start), so cwnd is the base here.
  // (A window the peer's receive window held back then keeps its rate
  // through a loss instead of falling to 0.7 of it.)
  const double base = std::max<double>(flight, cwnd_);
  const double reduced = std::floor(base * kBeta);
  return saturate(std::max<std::uint64_t>(static_cast<std::uint64_t>(reduced),
                                          2 * std::uint64_t{config_.smss}));
}

void Cubic::save_for_undo(bool timeout, std::uint32_t flight) {
  // §4.9: save cwnd, ssthresh, W_max, K, epoch and W_est before the
  // reduction; RFC 4015 §3.1 step (1): pipe_prev = max(FlightSize, ssthresh).
  saved_ = Saved{timeout,     cwnd_,  ssthresh_, std::max(flight, ssthresh_),
                 w_max_,      k_,     w_est_,    cwnd_prior_,
                 cwnd_epoch_, epoch_, last_ack_, restart_w_max_,
                 hystart_};
}

void Cubic::on_loss(Instant /*now*/, std::uint32_t flight) {
  if (in_recovery_) return;  // one reduction per loss episode
  save_for_undo(false, flight);
  const double cwnd = segments(cwnd_);
  // §4.7 fast convergence: a cwnd below the last W_max means the flow's
  // share shrank; release more by lowering W_max further.
  if (config_.fast_convergence && cwnd < w_max_) {
    w_max_ = cwnd * (1.0 + kBeta) / 2.0;
  } else {
    w_max_ = cwnd;
  }
  restart_w_max_ = false;
  // §4.6 multiplicative decrease. cwnd itself comes down by the sender's
  // PRR (RFC 6937) and ends at ssthresh (on_recovery_end).
  cwnd_prior_ = cwnd;
  ssthresh_ = reduced_ssthresh(flight);
  epoch_.reset();
  in_recovery_ = true;
  after_rto_ = false;
  hystart_.stop();  // RFC 9406 §4.2-4.3
}

void Cubic::on_rto(Instant /*now*/, std::uint32_t flight) {
  // §4.8: Reno's timeout (RFC 5681 §3.1) with ssthresh by β_cubic (§4.6);
  // a repeated timeout of a resent segment, or one within a loss episode,
  // keeps the ssthresh already set.
  if (!rto_unanswered_ && !in_recovery_) {
    save_for_undo(true, flight);
    cwnd_prior_ = segments(cwnd_);
    ssthresh_ = reduced_ssthresh(flight);
  }
  // §4.8: the first congestion avoidance after it takes K = 0 and W_max =
  // the window at its start.
  restart_w_max_ = true;
  epoch_.reset();
  cwnd_ = config_.smss;  // the loss window, 1 SMSS
  carry_ = 0;
  in_recovery_ = false;
  after_rto_ = true;
  rto_unanswered_ = true;
  hystart_.stop();
}

void Cubic::on_recovery_end(Instant /*now*/) {
  if (!in_recovery_) return;
  // RFC 6937 §3.1: recovery ends with cwnd = ssthresh; the next ACK in
  // congestion avoidance starts the epoch from there (§4.2 cwnd_epoch).
  cwnd_ = ssthresh_;
  carry_ = 0;
  in_recovery_ = false;
}

void Cubic::on_idle_restart(Instant /*now*/) {
  // RFC 5681 §4.1: RW = min(IW, cwnd). RFC 9438 §5.8: the idle time must
  // not count in t; a new epoch starts with the next ACK.
  cwnd_ = std::min(cwnd_, initial_window(config_.smss, config_.initial_window));
  carry_ = 0;
  epoch_.reset();
}

void Cubic::restore_cubic_state() {
  w_max_ = saved_->w_max;
  k_ = saved_->k;
  w_est_ = saved_->w_est;
  cwnd_prior_ = saved_->cwnd_prior;
  cwnd_epoch_ = saved_->cwnd_epoch;
  epoch_ = saved_->epoch;
  last_ack_ = saved_->last_ack;
  restart_w_max_ = saved_->restart_w_max;
  hystart_ = saved_->hystart;
}

void Cubic::undo() {
  if (!saved_) return;
  if (saved_->timeout) {
    // A spurious timeout: §4.9 points to RFC 4015, whose step (6) sets
    // ssthresh <- pipe_prev and leaves cwnd to the sender (FlightSize +
    // min(bytes_acked, IW), applied with set_cwnd()); slow start climbs
    // back, and the restored epoch continues the pre-timeout curve.
    ssthresh_ = saved_->pipe_prev;
    restore_cubic_state();
  } else if (cwnd_ < saved_->cwnd) {
    // §4.9: a spurious fast retransmit restores cwnd, ssthresh, W_max, K,
    // epoch and W_est "if the current cwnd is lower than cwnd_prior";
    // otherwise the current values stand.
    cwnd_ = saved_->cwnd;
    ssthresh_ = saved_->ssthresh;
    restore_cubic_state();
  }
  saved_.reset();
  carry_ = 0;
  in_recovery_ = false;
  after_rto_ = false;
  rto_unanswered_ = false;
}

void Cubic::set_cwnd(std::uint32_t cwnd) {
  cwnd_ = std::min(std::max(cwnd, config_.smss), kMaxCwnd);
  carry_ = 0;
}

}  // namespace ws::tcp
