// HyStart++ (RFC 9406): a modified slow start that leaves slow start when
// the round-trip delay grows, before the queue overflows, and guards that
// exit against jitter with Conservative Slow Start (CSS).
//
// The congestion controller owns cwnd and ssthresh; HyStart++ only watches
// rounds and RTT samples and tells it, per ACK in slow start, how much of
// the slow-start increase to apply (all of it, or 1/CSS_GROWTH_DIVISOR in
// CSS) and when CSS is over (then ssthresh = cwnd: congestion avoidance).
// RFC 9406 §4.3: only the first slow start uses it (ssthresh still at its
// initial, arbitrarily high value); the controller stops it at the first
// congestion event.
#pragma once

#include <cstdint>

#include "base/time.hpp"
#include "tcp/cc.hpp"

namespace ws::tcp {

class HyStart {
 public:
  // RFC 9406 §4.3 constants.
  static constexpr Duration kMinRttThresh = Duration::millis(4);
  static constexpr Duration kMaxRttThresh = Duration::millis(16);
  static constexpr std::int64_t kMinRttDivisor = 8;
  static constexpr std::uint32_t kNRttSample = 8;
  static constexpr std::uint32_t kCssGrowthDivisor = 4;
  static constexpr std::uint32_t kCssRounds = 5;

  enum class Phase : std::uint8_t {
    kSlowStart,     // standard slow start, watching for a delay increase
    kConservative,  // CSS (RFC 9406 §4.2): growth at 1/CSS_GROWTH_DIVISOR
    kOff,           // stopped: plain slow start, if any
  };

  struct Step {
    std::uint32_t increase = 0;               // bytes to add to cwnd for this ACK
    bool enter_congestion_avoidance = false;  // CSS_ROUNDS done: ssthresh = cwnd
  };

  // One ACK while cwnd < ssthresh; `slow_start_increase` is the standard
  // slow start's min(N, L·SMSS) for it (RFC 9406 §4.2, RFC 3465 §2.2).
  Step on_ack(const AckSample& ack, std::uint32_t slow_start_increase);

  // The first congestion event ends HyStart++ (RFC 9406 §4.2: loss in slow
  // start or CSS means congestion avoidance or recovery; §4.3: later slow
  // starts are standard).
  void stop() { phase_ = Phase::kOff; }

  Phase phase() const { return phase_; }
  bool active() const { return phase_ != Phase::kOff; }
  // For tests: the delay baseline and the CSS rounds counted so far.
  Duration current_round_min_rtt() const { return current_round_min_rtt_; }
  Duration last_round_min_rtt() const { return last_round_min_rtt_; }
  Duration css_baseline_min_rtt() const { return css_baseline_min_rtt_; }
  std::uint32_t css_rounds() const { return css_rounds_; }
  std::uint32_t rtt_sample_count() const { return rtt_sample_count_; }

 private:
  static constexpr Duration kInfinity = Duration::max();

  // RFC 9406 §4.2 "at the start of each round during standard slow start
  // and CSS". Returns true when CSS has lasted CSS_ROUNDS rounds.
  bool start_round();
  void take_rtt_sample(Duration rtt);
  // RFC 9406 §4.2: RttThresh = max(MIN_RTT_THRESH,
  //   min(lastRoundMinRTT / MIN_RTT_DIVISOR, MAX_RTT_THRESH)).
  Duration rtt_thresh() const;
  std::uint32_t css_increase(std::uint32_t slow_start_increase);

  Phase phase_ = Phase::kSlowStart;
  bool seen_round_ = false;
  std::uint64_t round_ = 0;
  Duration last_round_min_rtt_ = kInfinity;
  Duration current_round_min_rtt_ = kInfinity;
  std::uint32_t rtt_sample_count_ = 0;
  Duration css_baseline_min_rtt_ = kInfinity;
  std::uint32_t css_rounds_ = 0;
  // CSS growth is a quarter of slow start's bytes; the remainder carries
  // over so that CSS grows exactly 1/4 as fast whatever the ACK sizes.
  std::uint32_t css_carry_ = 0;
};

}  // namespace ws::tcp
