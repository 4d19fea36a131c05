// RttEstimator: the retransmission timeout of RFC 6298 — smoothed RTT
// (SRTT), RTT variation (RTTVAR), RTO = SRTT + max(G, 4·RTTVAR) clamped to
// [min, max], Karn's rule, and exponential backoff.
//
// Time comes in as Durations measured by the caller (send time to ACK time,
// or from timestamps); nothing here reads a clock. Arithmetic is exact
// integer nanoseconds (α = 1/8, β = 1/4 as divisions), so results can be
// checked against hand-computed examples.
#pragma once

#include <cstdint>
#include <optional>

#include "base/time.hpp"

namespace ws::tcp {

struct RttConfig {
  // RFC 6298 §2.4 says RTO SHOULD be rounded up to 1 s; Linux uses 200 ms
  // (TCP_RTO_MIN), which is what peers on a LAN expect. Set 1 s for the RFC.
  Duration min_rto = Duration::millis(200);
  // RFC 6298 §2.5: a maximum MAY be placed on RTO provided it is at least
  // 60 s. Linux: TCP_RTO_MAX = 120 s.
  Duration max_rto = Duration::seconds(120);
  // RFC 6298 §2.1: until a measurement is made, RTO = 1 s.
  Duration initial_rto = Duration::seconds(1);
  // RFC 6298 §2.2-2.3: the clock granularity G, which keeps RTO above SRTT
  // when RTTVAR decays to zero (as on a simulated link with no jitter).
  // Our clock is exact; 1 ms is Linux's jiffy-free figure.
  Duration granularity = Duration::millis(1);
};

class RttEstimator {
 public:
  // Samples above this are clamped: no real path has a one-hour RTT, and
  // the bound keeps the arithmetic far from overflow.
  static constexpr Duration kMaxSample = Duration::seconds(3600);
  // RFC 6298 (5.7): the RTO after a timed-out SYN, once data flows.
  static constexpr Duration kSynTimeoutRto = Duration::seconds(3);

  explicit RttEstimator(RttConfig config = {});

  // Feeds one RTT measurement. `retransmitted`: the segment it times was
  // sent more than once, so the ACK is ambiguous and the sample is ignored
  // (Karn's algorithm, RFC 6298 §3 — a caller using timestamps, RFC 7323
  // §4, may pass false). A valid sample recomputes RTO, which also ends any
  // backoff (RFC 6298 §5, note after (5.7)). Returns whether it was used.
  bool on_sample(Duration rtt, bool retransmitted);

  // The retransmission timer expired: RTO = RTO · 2, capped at max_rto
  // (RFC 6298 (5.5)).
  void backoff();
  // An ACK for new data arrived while the timer was backed off: go back to
  // the measured RTO (BSD clears t_rxtshift the same way). Without it, a
  // go-back-N recovery — whose resends Karn forbids timing — keeps the
  // doubled RTO for every later loss.
  void clear_backoff();

  // RFC 6298 (5.7): the SYN (or SYN-ACK) timed out and there is still no
  // valid sample: use 3 s once the handshake completes.
  void on_syn_timeout_handshake_complete();

  // The current RTO, backoff included.
  Duration rto() const { return rto_; }
  // SRTT and RTTVAR; nullopt/zero before the first valid sample.
  std::optional<Duration> srtt() const;
  Duration rttvar() const { return rttvar_; }
  bool has_sample() const { return has_sample_; }
  // Consecutive backoffs since the last valid sample.
  unsigned backoffs() const { return backoffs_; }
  std::uint64_t samples_used() const { return samples_used_; }
  std::uint64_t samples_ignored() const { return samples_ignored_; }
  const RttConfig& config() const { return config_; }

 private:
  Duration clamp_rto(Duration rto) const;

  RttConfig config_;
  Duration srtt_;
  Duration rttvar_;
  Duration rto_;
  bool has_sample_ = false;
  unsigned backoffs_ = 0;
  std::uint64_t samples_used_ = 0;
  std::uint64_t samples_ignored_ = 0;
};

}  // namespace ws::tcp
