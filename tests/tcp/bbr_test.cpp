// BBR (tcp/bbr.hpp) driven by hand-made ACK samples: Startup's end after
// three round trips without 25 % more bandwidth, Drain, the ProbeBW gain
// cycle, ProbeRTT every 10 s holding 4 segments for 200 ms and a round
// trip, the bandwidth and RTT filters, pacing at gain × BtlBw, and packet
// conservation in loss recovery.
#include <gtest/gtest.h>

#include <set>

#include "tcp/bbr.hpp"

namespace ws::tcp {
namespace {

constexpr std::uint32_t kMss = 1000;

// A path the samples describe: every ACK ends a round trip (its rate
// sample's snapshot is the previous ACK's delivered count).
class BbrTest : public ::testing::Test {
 protected:
  explicit BbrTest(std::uint64_t seed = 1) : bbr(BbrConfig{kMss, InitialWindow::kIw10, seed}) {}

  // One ACK at `now` delivering `bytes` at `rate` bytes/s, `rtt` RTT,
  // `flight` left in flight; it starts a round trip.
  void ack(std::uint64_t rate, std::uint32_t flight, Duration rtt = Duration::millis(100), bool app_limited = false,
           std::uint32_t bytes = 10 * kMss) {
    AckSample a;
    a.now = now;
    a.delivered = bytes;
    a.prior_flight = flight + bytes;
    a.flight = flight;
    a.rtt = rtt;
    a.srtt = rtt;
    RateSample rs;
    rs.prior_delivered = delivered;
    delivered += bytes;
    rs.delivered = bytes;
    rs.interval = Duration::nanos(static_cast<std::int64_t>(static_cast<double>(bytes) * 1e9 / static_cast<double>(rate)));
    rs.app_limited = app_limited;
    a.rate = rs;
    a.delivered_total = delivered;
    a.in_recovery = in_recovery;
    bbr.on_ack(a);
  }
  // Three rounds of Startup doubling the bandwidth up to 1 MB/s.
  void grow_to_one_mb() {
    for (const std::uint64_t r : {250'000ull, 500'000ull, 1'000'000ull}) {
      ack(r, 50'000);
      now += Duration::millis(100);
    }
  }
  // Startup to its end at 1 MB/s: growth, then three flat rounds.
  void through_startup() {
    grow_to_one_mb();
    for (int i = 0; i < 3; ++i) {
      ack(1'000'000, 250'000);  // the queue Startup built: more than a BDP in flight
      now += Duration::millis(100);
    }
  }

  Bbr bbr;
  Instant now = Instant::zero() + Duration::seconds(1);
  std::uint64_t delivered = 0;
  bool in_recovery = false;
};

TEST_F(BbrTest, StartupEndsAfterThreeRoundsWithoutAQuarterMoreBandwidth) {
  EXPECT_EQ(bbr.mode(), Bbr::Mode::kStartup);
  EXPECT_DOUBLE_EQ(bbr.pacing_gain(), Bbr::kHighGain);
  grow_to_one_mb();
  // 1.2 MB/s is 20 % more than 1 MB/s: not growth, the count goes on.
  ack(1'200'000, 50'000);
  now += Duration::millis(100);
  ack(1'100'000, 50'000);
  now += Duration::millis(100);
  EXPECT_EQ(bbr.mode(), Bbr::Mode::kStartup);
  EXPECT_FALSE(bbr.full_bw_reached());
  ack(1'000'000, 250'000);  // the third round without 25 % more
  EXPECT_TRUE(bbr.full_bw_reached());
  EXPECT_EQ(bbr.mode(), Bbr::Mode::kDrain);
  EXPECT_DOUBLE_EQ(bbr.pacing_gain(), Bbr::kDrainGain);
  EXPECT_DOUBLE_EQ(bbr.cwnd_gain(), Bbr::kHighGain);
}

TEST_F(BbrTest, GrowthOrApplicationLimitedRoundsRestartTheCount) {
  grow_to_one_mb();
  ack(1'000'000, 50'000);
  now += Duration::millis(100);
  ack(1'000'000, 50'000);
  now += Duration::millis(100);
  ack(1'300'000, 50'000);  // 30 % more: the count starts again
  now += Duration::millis(100);
  for (int i = 0; i < 5; ++i) {  // application-limited rounds do not count
    ack(1'300'000, 50'000, Duration::millis(100), /*app_limited=*/true);
    now += Duration::millis(100);
  }
  ack(1'300'000, 50'000);
  now += Duration::millis(100);
  ack(1'300'000, 50'000);
  EXPECT_EQ(bbr.mode(), Bbr::Mode::kStartup);
  now += Duration::millis(100);
  ack(1'300'000, 250'000);
  EXPECT_EQ(bbr.mode(), Bbr::Mode::kDrain);
}

TEST_F(BbrTest, DrainEndsWhenTheFlightIsOneBdpThenProbeBwCycles) {
  through_startup();
  ASSERT_EQ(bbr.mode(), Bbr::Mode::kDrain);
  // BDP = 1 MB/s × 100 ms = 100,000 bytes.
  EXPECT_EQ(bbr.bdp(1.0), 100'000u);
  ack(1'000'000, 100'001);
  EXPECT_EQ(bbr.mode(), Bbr::Mode::kDrain);
  now += Duration::millis(100);
  ack(1'000'000, 100'000);
  ASSERT_EQ(bbr.mode(), Bbr::Mode::kProbeBw);
  EXPECT_DOUBLE_EQ(bbr.cwnd_gain(), Bbr::kCwndGain);
  EXPECT_NE(bbr.cycle_index(), 1u);  // never starts in the draining phase
  // Each phase lasts an RTprop (100 ms); the probing phase (1.25) also
  // needs 1.25 BDP in flight, the draining one (0.75) ends early at one BDP.
  std::vector<double> gains;
  for (int i = 0; i < 24; ++i) {
    now += Duration::millis(101);
    const bool probing = bbr.pacing_gain() > 1.0;
    ack(1'000'000, probing ? 125'000 : 100'000);
    gains.push_back(bbr.pacing_gain());
  }
  std::multiset<double> seen(gains.begin(), gains.end());
  EXPECT_EQ(seen.count(1.25), 3u);
  EXPECT_EQ(seen.count(0.75), 3u);
  EXPECT_EQ(seen.count(1.0), 18u);
  for (std::size_t i = 0; i + 1 < gains.size(); ++i) {
    if (gains[i] == 1.25) {
      EXPECT_EQ(gains[i + 1], 0.75) << i;  // probe, then drain
    }
  }
}

TEST_F(BbrTest, AProbeThatCannotFillItsGainStaysInThePhase) {
  through_startup();
  ack(1'000'000, 100'000);
  ASSERT_EQ(bbr.mode(), Bbr::Mode::kProbeBw);
  // Walk to the probing phase.
  for (int i = 0; i < 8 && bbr.pacing_gain() <= 1.0; ++i) {
    now += Duration::millis(101);
    ack(1'000'000, 100'000);
  }
  ASSERT_DOUBLE_EQ(bbr.pacing_gain(), 1.25);
  now += Duration::millis(150);
  ack(1'000'000, 110'000);  // in flight before the ACK: 120,000 < 1.25 BDP, no loss
  EXPECT_DOUBLE_EQ(bbr.pacing_gain(), 1.25);
  now += Duration::millis(10);
  ack(1'000'000, 116'000);  // 126,000 >= 125,000
  EXPECT_DOUBLE_EQ(bbr.pacing_gain(), 0.75);
}

TEST_F(BbrTest, TheStartingPhaseIsRandomButNeverTheDrainingOne) {
  std::set<unsigned> starts;
  for (std::uint64_t seed = 1; seed <= 64; ++seed) {
    Bbr b(BbrConfig{kMss, InitialWindow::kIw10, seed});
    std::swap(bbr, b);
    now = Instant::zero() + Duration::seconds(1);
    delivered = 0;
    through_startup();
    ack(1'000'000, 100'000);
    ASSERT_EQ(bbr.mode(), Bbr::Mode::kProbeBw);
    starts.insert(bbr.cycle_index());
  }
  EXPECT_EQ(starts.count(1u), 0u);
  EXPECT_GE(starts.size(), 5u);
}

TEST_F(BbrTest, ProbeRttAfterTenSecondsHoldsFourSegmentsForTwoHundredMsAndARound) {
  through_startup();
  ack(1'000'000, 100'000);
  ASSERT_EQ(bbr.mode(), Bbr::Mode::kProbeBw);
  const std::uint32_t cruising = bbr.cwnd();
  ASSERT_GT(cruising, 4 * kMss);
  // RTprop (100 ms, measured again by the last ACK) is not seen again:
  // RTTs of 120 ms until ProbeRTT, which comes just after 10 s.
  const Instant seen = now;
  ASSERT_EQ(bbr.min_rtt(), Duration::millis(100));
  while (now <= seen + Duration::seconds(11)) {
    now += Duration::millis(120);
    ack(1'000'000, 100'000, Duration::millis(120));
    if (bbr.mode() == Bbr::Mode::kProbeRtt) break;
  }
  ASSERT_EQ(bbr.mode(), Bbr::Mode::kProbeRtt);
  EXPECT_GT(now - seen, Duration::seconds(10));
  EXPECT_LE(now - Duration::millis(120) - seen, Duration::seconds(10));
  EXPECT_EQ(bbr.cwnd(), 4 * kMss);
  EXPECT_DOUBLE_EQ(bbr.pacing_gain(), 1.0);
  // The flight falls to 4 segments: 200 ms start now.
  now += Duration::millis(50);
  ack(1'000'000, 4 * kMss, Duration::millis(100));
  const Instant low = now;
  // A round trip passes, but 200 ms have not.
  now += Duration::millis(100);
  ack(1'000'000, 4 * kMss, Duration::millis(100));
  EXPECT_EQ(bbr.mode(), Bbr::Mode::kProbeRtt);
  EXPECT_EQ(bbr.cwnd(), 4 * kMss);
  now = low + Duration::millis(200);
  ack(1'000'000, 4 * kMss, Duration::millis(100));
  EXPECT_EQ(bbr.mode(), Bbr::Mode::kProbeBw);
  EXPECT_GE(bbr.cwnd(), cruising);  // the window from before comes back
}

TEST_F(BbrTest, ProbeRttWaitsForARoundTripAfterTheTwoHundredMs) {
  through_startup();
  ack(1'000'000, 100'000);
  const Instant seen = now;
  while (bbr.mode() != Bbr::Mode::kProbeRtt && now <= seen + Duration::seconds(11)) {
    now += Duration::millis(120);
    ack(1'000'000, 100'000, Duration::millis(120));
  }
  ASSERT_EQ(bbr.mode(), Bbr::Mode::kProbeRtt);
  ack(1'000'000, 4 * kMss);  // the 200 ms begin; this ACK's round is the last one counted
  now += Duration::millis(300);
  // An ACK that does not end a round trip (its snapshot is older than the
  // count when ProbeRTT began waiting).
  AckSample a;
  a.now = now;
  a.delivered = kMss;
  a.flight = 4 * kMss;
  a.rtt = Duration::millis(100);
  RateSample rs;
  rs.prior_delivered = delivered - 20 * kMss;
  rs.delivered = 20 * kMss;
  rs.interval = Duration::millis(100);
  a.rate = rs;
  delivered += kMss;
  a.delivered_total = delivered;
  bbr.on_ack(a);
  EXPECT_EQ(bbr.mode(), Bbr::Mode::kProbeRtt);
  now += Duration::millis(10);
  ack(1'000'000, 4 * kMss);  // a round trip ends
  EXPECT_EQ(bbr.mode(), Bbr::Mode::kProbeBw);
}

TEST(WindowedMaxTest, KeepsTheLargestOfTheLastRounds) {
  WindowedMax<10> f;
  f.update(1, 500);
  f.update(2, 900);
  f.update(3, 100);
  EXPECT_EQ(f.get(), 900u);
  f.update(11, 200);  // round 2 is still within 10 rounds of 11
  EXPECT_EQ(f.get(), 900u);
  f.update(12, 300);  // now it is not
  EXPECT_EQ(f.get(), 300u);
  f.update(12, 250);
  EXPECT_EQ(f.get(), 300u);
  f.update(40, 7);  // everything older has expired
  EXPECT_EQ(f.get(), 7u);
}

TEST_F(BbrTest, BandwidthFilterForgetsAfterTenRounds) {
  through_startup();
  ack(1'000'000, 100'000);
  EXPECT_EQ(bbr.max_bw(), 1'000'000u);
  for (int i = 0; i < 9; ++i) {
    now += Duration::millis(101);
    ack(600'000, 60'000);
  }
  EXPECT_EQ(bbr.max_bw(), 1'000'000u);
  for (int i = 0; i < 2; ++i) {
    now += Duration::millis(101);
    ack(600'000, 60'000);
  }
  EXPECT_EQ(bbr.max_bw(), 600'000u);
}

TEST_F(BbrTest, ApplicationLimitedSamplesCountOnlyWhenTheyRaiseTheEstimate) {
  ack(1'000'000, 50'000);
  now += Duration::millis(100);
  ack(400'000, 50'000, Duration::millis(100), /*app_limited=*/true);
  EXPECT_EQ(bbr.max_bw(), 1'000'000u);
  now += Duration::millis(100);
  ack(2'000'000, 50'000, Duration::millis(100), /*app_limited=*/true);
  EXPECT_EQ(bbr.max_bw(), 2'000'000u);
}

TEST_F(BbrTest, MinRttFilterTakesLowerSamplesAndExpiresAfterTenSeconds) {
  ack(1'000'000, 50'000, Duration::millis(80));
  EXPECT_EQ(bbr.min_rtt(), Duration::millis(80));
  now += Duration::seconds(5);
  ack(1'000'000, 50'000, Duration::millis(90));
  EXPECT_EQ(bbr.min_rtt(), Duration::millis(80));
  ack(1'000'000, 50'000, Duration::millis(70));
  EXPECT_EQ(bbr.min_rtt(), Duration::millis(70));
  now += Duration::seconds(10) + Duration::millis(1);
  ack(1'000'000, 50'000, Duration::millis(95));
  EXPECT_EQ(bbr.min_rtt(), Duration::millis(95));  // the old minimum expired
}

TEST_F(BbrTest, ASampleEqualToRtpropConfirmsItAndPostponesProbeRtt) {
  through_startup();
  ack(1'000'000, 100'000);
  for (int i = 0; i < 150; ++i) {  // 15 s of samples equal to RTprop
    now += Duration::millis(100);
    ack(1'000'000, 100'000, Duration::millis(100));
    ASSERT_NE(bbr.mode(), Bbr::Mode::kProbeRtt) << i;
  }
}

TEST_F(BbrTest, PacesAtTheGainTimesBottleneckBandwidth) {
  through_startup();
  ack(1'000'000, 100'000);
  ASSERT_EQ(bbr.mode(), Bbr::Mode::kProbeBw);
  const double gain = bbr.pacing_gain();
  ASSERT_TRUE(bbr.pacing_rate());
  EXPECT_NEAR(static_cast<double>(*bbr.pacing_rate()), gain * 1'000'000 * Bbr::kPacingMargin, 2.0);
  // ProbeBW's cwnd grows with what is delivered up to 2 × BDP plus the
  // allowances (three 1 ms bursts, 2 segments to probe, ACK aggregation
  // of at most 100 ms at BtlBw), never beyond.
  for (int i = 0; i < 30; ++i) {
    now += Duration::millis(101);
    ack(1'000'000, 100'000);
  }
  EXPECT_GE(bbr.cwnd(), 2 * bbr.bdp(1.0));
  EXPECT_LE(bbr.cwnd(), 2 * bbr.bdp(1.0) + 3 * 2 * kMss + 2 * kMss + 100'000);
}

TEST_F(BbrTest, LossIsNotCongestionPacketConservationThenTheWindowComesBack) {
  through_startup();
  ack(1'000'000, 100'000);
  for (int i = 0; i < 10; ++i) {
    now += Duration::millis(101);
    ack(1'000'000, 100'000);
  }
  const std::uint32_t before = bbr.cwnd();
  const std::uint64_t bw = bbr.max_bw();
  // A loss: recovery starts; the first ACK in it keeps in flight + delivered.
  bbr.on_loss(now, 100'000);
  in_recovery = true;
  now += Duration::millis(5);
  ack(1'000'000, 60'000, Duration::millis(100), false, 2 * kMss);
  EXPECT_EQ(bbr.cwnd(), 60'000u + 2 * kMss);
  EXPECT_EQ(bbr.max_bw(), bw);  // the model is untouched by the loss
  in_recovery = false;
  bbr.on_recovery_end(now);
  EXPECT_GE(bbr.cwnd(), before);
}

TEST_F(BbrTest, TimeoutRestartsFromOneSegmentAndUndoRestores) {
  through_startup();
  ack(1'000'000, 100'000);
  const std::uint32_t before = bbr.cwnd();
  bbr.on_rto(now, 100'000);
  EXPECT_EQ(bbr.cwnd(), kMss);
  bbr.undo();
  EXPECT_EQ(bbr.cwnd(), before);
}

}  // namespace
}  // namespace ws::tcp
