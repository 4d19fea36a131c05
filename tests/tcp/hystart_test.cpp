// HyStart++ (RFC 9406) walked round by round: 8 RTT samples per round
// (N_RTT_SAMPLE), a delay threshold of lastRoundMinRTT/8 clamped to
// [4 ms, 16 ms], CSS at a quarter of slow start's growth for CSS_ROUNDS.
#include <gtest/gtest.h>

#include <optional>

#include "tcp/hystart.hpp"

namespace ws::tcp {
namespace {

using Phase = HyStart::Phase;

constexpr std::uint32_t kSmss = 1000;

AckSample sample(std::uint64_t round, std::optional<Duration> rtt) {
  AckSample a;
  a.now = Instant::zero();
  a.delivered = kSmss;
  a.rtt = rtt;
  a.round = round;
  return a;
}

// `n` ACKs of round `round`, each with the RTT sample `rtt`; returns the
// bytes HyStart++ let the window grow by.
std::uint32_t feed(HyStart& h, std::uint64_t round, int n, Duration rtt) {
  std::uint32_t grown = 0;
  for (int i = 0; i < n; ++i) {
    const HyStart::Step step = h.on_ack(sample(round, rtt), kSmss);
    EXPECT_FALSE(step.enter_congestion_avoidance);
    grown += step.increase;
  }
  return grown;
}

// Round 0 at 100 ms: the baseline lastRoundMinRTT for round 1.
HyStart after_baseline_round() {
  HyStart h;
  EXPECT_EQ(feed(h, 0, 8, Duration::millis(100)), 8 * kSmss);
  return h;
}

TEST(HyStart, Constants) {
  // RFC 9406 §4.3.
  EXPECT_EQ(HyStart::kMinRttThresh, Duration::millis(4));
  EXPECT_EQ(HyStart::kMaxRttThresh, Duration::millis(16));
  EXPECT_EQ(HyStart::kMinRttDivisor, 8);
  EXPECT_EQ(HyStart::kNRttSample, 8u);
  EXPECT_EQ(HyStart::kCssGrowthDivisor, 4u);
  EXPECT_EQ(HyStart::kCssRounds, 5u);
}

TEST(HyStart, SlowStartGrowsFullyWhileDelayIsFlat) {
  HyStart h;
  for (std::uint64_t round = 0; round < 6; ++round) {
    EXPECT_EQ(feed(h, round, 10, Duration::millis(100)), 10 * kSmss);
    EXPECT_EQ(h.phase(), Phase::kSlowStart);
  }
  EXPECT_EQ(h.last_round_min_rtt(), Duration::millis(100));
}

TEST(HyStart, ExitsToCssWhenRoundMinRttRisesByThreshold) {
  HyStart h = after_baseline_round();
  // RttThresh = max(4 ms, min(100 ms / 8, 16 ms)) = 12.5 ms: the round's
  // minimum must reach 112.5 ms. 112.499 ms is not enough.
  feed(h, 1, 20, Duration::micros(112'499));
  EXPECT_EQ(h.phase(), Phase::kSlowStart);

  HyStart g = after_baseline_round();
  feed(g, 1, 7, Duration::micros(112'500));
  EXPECT_EQ(g.phase(), Phase::kSlowStart);  // 7 samples: not yet
  feed(g, 1, 1, Duration::micros(112'500));
  EXPECT_EQ(g.phase(), Phase::kConservative);
  EXPECT_EQ(g.css_baseline_min_rtt(), Duration::micros(112'500));
  EXPECT_EQ(g.css_rounds(), 1u);  // the partial round counts
}

TEST(HyStart, NoExitWithFewerThanEightSamplesPerRound) {
  HyStart h = after_baseline_round();
  // Every round has only 7 RTT samples (and ACKs without one): never judged.
  for (std::uint64_t round = 1; round < 10; ++round) {
    feed(h, round, 7, Duration::millis(300));
    EXPECT_EQ(h.on_ack(sample(round, std::nullopt), kSmss).increase, kSmss);
    EXPECT_EQ(h.rtt_sample_count(), 7u);
    EXPECT_EQ(h.phase(), Phase::kSlowStart) << "round " << round;
  }
}

TEST(HyStart, ThresholdIsClampedToFourAndSixteenMilliseconds) {
  // lastRoundMinRTT 20 ms: 20/8 = 2.5 ms, raised to MIN_RTT_THRESH 4 ms.
  HyStart low;
  feed(low, 0, 8, Duration::millis(20));
  feed(low, 1, 8, Duration::micros(23'999));
  EXPECT_EQ(low.phase(), Phase::kSlowStart);
  feed(low, 2, 8, Duration::micros(27'999));  // last round's min was 23.999 ms
  EXPECT_EQ(low.phase(), Phase::kConservative);

  // lastRoundMinRTT 200 ms: 200/8 = 25 ms, capped at MAX_RTT_THRESH 16 ms.
  HyStart high;
  feed(high, 0, 8, Duration::millis(200));
  feed(high, 1, 8, Duration::micros(215'999));
  EXPECT_EQ(high.phase(), Phase::kSlowStart);
  feed(high, 2, 8, Duration::micros(215'999 + 16'000));
  EXPECT_EQ(high.phase(), Phase::kConservative);
}

TEST(HyStart, CssGrowsAtAQuarterThenEntersCongestionAvoidance) {
  HyStart h = after_baseline_round();
  feed(h, 1, 8, Duration::millis(120));  // 120 >= 112.5: CSS from the 8th sample on
  ASSERT_EQ(h.phase(), Phase::kConservative);
  // The rest of round 1 and rounds 2-5: a quarter of min(N, L·SMSS).
  EXPECT_EQ(feed(h, 1, 4, Duration::millis(120)), 4 * kSmss / 4);
  // 1000 / 4 per ACK exactly; 3 bytes' worth of increase carries over.
  EXPECT_EQ(h.on_ack(sample(1, Duration::millis(120)), 3).increase, 0u);
  EXPECT_EQ(h.on_ack(sample(1, Duration::millis(120)), 1).increase, 1u);
  for (std::uint64_t round = 2; round <= 5; ++round) {
    EXPECT_EQ(feed(h, round, 10, Duration::millis(120)), 10 * kSmss / 4) << "round " << round;
    EXPECT_EQ(h.css_rounds(), round);
    EXPECT_EQ(h.phase(), Phase::kConservative);
  }
  // Round 6 starts: CSS_ROUNDS (1 partial + 4) are complete.
  const HyStart::Step step = h.on_ack(sample(6, Duration::millis(120)), kSmss);
  EXPECT_TRUE(step.enter_congestion_avoidance);
  EXPECT_EQ(step.increase, 0u);
  EXPECT_EQ(h.phase(), Phase::kOff);
  EXPECT_FALSE(h.active());
}

TEST(HyStart, ReturnsToSlowStartWhenRttFallsBelowBaseline) {
  HyStart h = after_baseline_round();
  feed(h, 1, 8, Duration::millis(120));
  ASSERT_EQ(h.phase(), Phase::kConservative);
  ASSERT_EQ(h.css_baseline_min_rtt(), Duration::millis(120));
  // Round 2: the delay is back at 100 ms, but only from 8 samples on.
  feed(h, 2, 7, Duration::millis(100));
  EXPECT_EQ(h.phase(), Phase::kConservative);
  feed(h, 2, 1, Duration::millis(100));
  EXPECT_EQ(h.phase(), Phase::kSlowStart);
  EXPECT_EQ(h.css_rounds(), 0u);
  // Full growth again, and HyStart++ still watching: a later rise exits again.
  EXPECT_EQ(feed(h, 3, 8, Duration::millis(100)), 8 * kSmss);
  feed(h, 4, 8, Duration::millis(113));
  EXPECT_EQ(h.phase(), Phase::kConservative);
}

TEST(HyStart, RttEqualToBaselineStaysInCss) {
  HyStart h = after_baseline_round();
  feed(h, 1, 8, Duration::millis(120));
  feed(h, 2, 8, Duration::millis(120));
  EXPECT_EQ(h.phase(), Phase::kConservative);
}

TEST(HyStart, StopMeansPlainSlowStart) {
  HyStart h = after_baseline_round();
  h.stop();
  EXPECT_FALSE(h.active());
  EXPECT_EQ(feed(h, 1, 8, Duration::millis(500)), 8 * kSmss);
  EXPECT_EQ(h.phase(), Phase::kOff);
}

}  // namespace
}  // namespace ws::tcp
