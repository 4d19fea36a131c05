#include "tcp/hystart.hpp"

#include <algorithm>

namespace ws::tcp {

HyStart::Step HyStart::on_ack(const AckSample& ack, std::uint32_t slow_start_increase) {
  Step step;
  if (phase_ == Phase::kOff) {
    step.increase = slow_start_increase;
    return step;
  }

  // Rounds (RFC 9406 §4.2): the sender's round count moves on when the
  // ACK covers windowEnd; the round's bookkeeping starts before this ACK's
  // sample is taken.
  if (!seen_round_ || ack.round != round_) {
    seen_round_ = true;
    round_ = ack.round;
    if (start_round()) {
      // RFC 9406 §4.2: "If CSS_ROUNDS rounds are complete, enter congestion
      // avoidance by setting the ssthresh to the current cwnd."
      phase_ = Phase::kOff;
      step.enter_congestion_avoidance = true;
      return step;
    }
  }

  // RFC 9406 §4.2: slow start adds min(N, L·SMSS); CSS adds that divided
  // by CSS_GROWTH_DIVISOR.
  step.increase =
      phase_ == Phase::kConservative ? css_increase(slow_start_increase) : slow_start_increase;

  if (!ack.rtt) return step;
  take_rtt_sample(*ack.rtt);
  // RFC 9406 §4.2: no decision before N_RTT_SAMPLE samples in the round.
  if (rtt_sample_count_ < kNRttSample) return step;

  if (phase_ == Phase::kSlowStart) {
    // RFC 9406 §4.2: a round whose minimum RTT exceeds the last round's by
    // RttThresh means the queue is building: exit to CSS. (No last round
    // yet, lastRoundMinRTT = infinity: nothing to compare.)
    if (last_round_min_rtt_ != kInfinity &&
        current_round_min_rtt_ >= last_round_min_rtt_ + rtt_thresh()) {
      css_baseline_min_rtt_ = current_round_min_rtt_;
      phase_ = Phase::kConservative;
      // "If the transition into CSS happens in the middle of a round, that
      // partial round counts towards the limit."
      css_rounds_ = 1;
      css_carry_ = 0;
    }
  } else if (current_round_min_rtt_ < css_baseline_min_rtt_) {
    // RFC 9406 §4.2: the delay fell below the baseline again — the exit
    // was spurious (jitter): resume slow start, HyStart++ included.
    css_baseline_min_rtt_ = kInfinity;
    phase_ = Phase::kSlowStart;
    css_rounds_ = 0;
  }
  return step;
}

bool HyStart::start_round() {
  if (phase_ == Phase::kConservative) {
    if (css_rounds_ >= kCssRounds) return true;
    ++css_rounds_;
  }
  last_round_min_rtt_ = current_round_min_rtt_;
  current_round_min_rtt_ = kInfinity;
  rtt_sample_count_ = 0;
  return false;
}

void HyStart::take_rtt_sample(Duration rtt) {
  current_round_min_rtt_ = std::min(current_round_min_rtt_, rtt);
  ++rtt_sample_count_;
}

Duration HyStart::rtt_thresh() const {
  return std::max(kMinRttThresh, std::min(last_round_min_rtt_ / kMinRttDivisor, kMaxRttThresh));
}

std::uint32_t HyStart::css_increase(std::uint32_t slow_start_increase) {
  const std::uint64_t total = std::uint64_t{css_carry_} + slow_start_increase;
  css_carry_ = static_cast<std::uint32_t>(total % kCssGrowthDivisor);
  return static_cast<std::uint32_t>(total / kCssGrowthDivisor);
}

}  // namespace ws::tcp
