#include "tcp/rtt.hpp"

#include <algorithm>

namespace ws::tcp {

RttEstimator::RttEstimator(RttConfig config) : config_(config) {
  // A maximum below the minimum would make clamping ill-defined.
  config_.max_rto = std::max(config_.max_rto, config_.min_rto);
  rto_ = std::min(config_.initial_rto, config_.max_rto);
}

Duration RttEstimator::clamp_rto(Duration rto) const {
  return std::clamp(rto, config_.min_rto, config_.max_rto);
}

std::optional<Duration> RttEstimator::srtt() const {
  if (!has_sample_) return std::nullopt;
  return srtt_;
}

bool RttEstimator::on_sample(Duration rtt, bool retransmitted) {
  if (retransmitted || rtt < Duration::zero()) {
    ++samples_ignored_;
    return false;
  }
  const Duration r = std::min(rtt, kMaxSample);
  if (!has_sample_) {
    // RFC 6298 §2.2: the first measurement R.
    srtt_ = r;
    rttvar_ = r / 2;
    has_sample_ = true;
  } else {
    // RFC 6298 §2.3, in this order: RTTVAR uses the SRTT from before R'.
    const Duration delta = srtt_ > r ? srtt_ - r : r - srtt_;
    rttvar_ = (rttvar_ * 3 + delta) / 4;  // (1 - β)·RTTVAR + β·|SRTT - R'|, β = 1/4
    srtt_ = (srtt_ * 7 + r) / 8;          // (1 - α)·SRTT + α·R', α = 1/8
  }
  // RFC 6298 §2.2-2.5: RTO = SRTT + max(G, K·RTTVAR), K = 4, then the
  // bounds. Recomputing from SRTT drops any backoff (RFC 6298 §5, after (5.7)).
  rto_ = clamp_rto(srtt_ + std::max(config_.granularity, rttvar_ * 4));
  backoffs_ = 0;
  ++samples_used_;
  return true;
}

void RttEstimator::clear_backoff() {
  if (backoffs_ == 0) return;
  rto_ = has_sample_ ? clamp_rto(srtt_ + std::max(config_.granularity, rttvar_ * 4))
                     : std::min(config_.initial_rto, config_.max_rto);
  backoffs_ = 0;
}

void RttEstimator::backoff() {
  // RFC 6298 (5.5). Doubling stops at the maximum, so it cannot overflow.
  rto_ = rto_ >= config_.max_rto / 2 ? config_.max_rto : rto_ * 2;
  ++backoffs_;
}

void RttEstimator::on_syn_timeout_handshake_complete() {
  if (has_sample_) return;
  rto_ = std::min(std::max(config_.initial_rto, kSynTimeoutRto), config_.max_rto);
  backoffs_ = 0;
}

}  // namespace ws::tcp
