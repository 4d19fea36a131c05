// RttEstimator against RFC 6298 worked by hand. All values exact in
// nanoseconds: α = 1/8 and β = 1/4 of millisecond inputs never truncate here.
#include <gtest/gtest.h>

#include "tcp/rtt.hpp"

namespace ws::tcp {
namespace {

Duration ms(std::int64_t v) { return Duration::millis(v); }
Duration us(std::int64_t v) { return Duration::micros(v); }

TEST(RttEstimator, InitialRtoIsOneSecond) {
  RttEstimator e;
  EXPECT_EQ(e.rto(), Duration::seconds(1));  // RFC 6298 §2.1
  EXPECT_FALSE(e.srtt());
  EXPECT_FALSE(e.has_sample());
  EXPECT_EQ(e.rttvar(), Duration::zero());
}

TEST(RttEstimator, FirstMeasurement) {
  RttEstimator e;
  EXPECT_TRUE(e.on_sample(ms(100), false));
  // RFC 6298 §2.2: SRTT = R, RTTVAR = R/2, RTO = SRTT + max(G, 4·RTTVAR).
  EXPECT_EQ(e.srtt(), ms(100));
  EXPECT_EQ(e.rttvar(), ms(50));
  EXPECT_EQ(e.rto(), ms(300));  // 100 + 4·50
}

TEST(RttEstimator, SubsequentMeasurementsWorkedExample) {
  RttEstimator e;
  ASSERT_TRUE(e.on_sample(ms(100), false));
  // R' = 200: RTTVAR = 3/4·50 + 1/4·|100 - 200| = 37.5 + 25 = 62.5
  //           SRTT   = 7/8·100 + 1/8·200       = 87.5 + 25 = 112.5
  //           RTO    = 112.5 + 4·62.5 = 362.5 ms
  ASSERT_TRUE(e.on_sample(ms(200), false));
  EXPECT_EQ(e.rttvar(), us(62'500));
  EXPECT_EQ(e.srtt(), us(112'500));
  EXPECT_EQ(e.rto(), us(362'500));
  // R' = 50: RTTVAR = 3/4·62.5 + 1/4·|112.5 - 50| = 46.875 + 15.625 = 62.5
  //          SRTT   = 7/8·112.5 + 1/8·50 = 98.4375 + 6.25 = 104.6875
  //          RTO    = 104.6875 + 250 = 354.6875 ms
  ASSERT_TRUE(e.on_sample(ms(50), false));
  EXPECT_EQ(e.rttvar(), us(62'500));
  EXPECT_EQ(e.srtt(), Duration::nanos(104'687'500));
  EXPECT_EQ(e.rto(), Duration::nanos(354'687'500));
  // R' = 104.6875 (= SRTT): RTTVAR = 3/4·62.5 = 46.875; SRTT unchanged;
  //   RTO = 104.6875 + 187.5 = 292.1875 ms
  ASSERT_TRUE(e.on_sample(Duration::nanos(104'687'500), false));
  EXPECT_EQ(e.rttvar(), Duration::nanos(46'875'000));
  EXPECT_EQ(e.srtt(), Duration::nanos(104'687'500));
  EXPECT_EQ(e.rto(), Duration::nanos(292'187'500));
  EXPECT_EQ(e.samples_used(), 4u);
}

TEST(RttEstimator, MinimumRtoIsConfigurable) {
  RttEstimator linux_like;              // default min 200 ms
  linux_like.on_sample(ms(10), false);  // 10 + 4·5 = 30 ms
  EXPECT_EQ(linux_like.rto(), ms(200));

  RttConfig rfc;
  rfc.min_rto = Duration::seconds(1);  // RFC 6298 §2.4
  RttEstimator strict(rfc);
  strict.on_sample(ms(10), false);
  EXPECT_EQ(strict.rto(), Duration::seconds(1));
  strict.on_sample(ms(600), false);
  // RTTVAR = 3/4·5 + 1/4·590 = 3.75 + 147.5 = 151.25; SRTT = 8.75 + 75 = 83.75
  // RTO = 83.75 + 605 = 688.75 ms -> 1 s
  EXPECT_EQ(strict.rto(), Duration::seconds(1));
  strict.on_sample(Duration::seconds(2), false);
  // RTTVAR = 3/4·151.25 + 1/4·(2000 - 83.75) = 113.4375 + 479.0625 = 592.5
  // SRTT = 7/8·83.75 + 250 = 73.28125 + 250 = 323.28125
  // RTO = 323.28125 + 2370 = 2693.28125 ms
  EXPECT_EQ(strict.rttvar(), Duration::nanos(592'500'000));
  EXPECT_EQ(strict.srtt(), Duration::nanos(323'281'250));
  EXPECT_EQ(strict.rto(), Duration::nanos(2'693'281'250));
}

TEST(RttEstimator, GranularityBoundsTheVarianceTerm) {
  RttConfig c;
  c.min_rto = Duration::zero();
  c.granularity = ms(10);
  RttEstimator e(c);
  // A jitter-free path: RTTVAR decays to zero and G keeps RTO above SRTT.
  for (int i = 0; i < 200; ++i) e.on_sample(ms(100), false);
  EXPECT_EQ(e.srtt(), ms(100));
  EXPECT_EQ(e.rttvar(), Duration::zero());
  EXPECT_EQ(e.rto(), ms(110));  // 100 + max(10, 0)
}

TEST(RttEstimator, KarnIgnoresRetransmittedSegments) {
  RttEstimator e;
  e.on_sample(ms(100), false);
  const Duration rto = e.rto();
  EXPECT_FALSE(e.on_sample(ms(5000), /*retransmitted=*/true));  // RFC 6298 §3
  EXPECT_EQ(e.srtt(), ms(100));
  EXPECT_EQ(e.rttvar(), ms(50));
  EXPECT_EQ(e.rto(), rto);
  EXPECT_EQ(e.samples_ignored(), 1u);
  EXPECT_EQ(e.samples_used(), 1u);
  EXPECT_FALSE(e.on_sample(ms(-1), false));  // a negative measurement is no measurement
  EXPECT_EQ(e.samples_ignored(), 2u);
}

TEST(RttEstimator, KarnBeforeTheFirstSample) {
  RttEstimator e;
  EXPECT_FALSE(e.on_sample(ms(80), true));
  EXPECT_FALSE(e.has_sample());
  EXPECT_EQ(e.rto(), Duration::seconds(1));
}

TEST(RttEstimator, ExponentialBackoffDoublesUpToTheMaximum) {
  RttEstimator e;  // 1 s initial, 120 s max
  const std::int64_t expected[] = {2, 4, 8, 16, 32, 64, 120, 120, 120};
  for (std::int64_t s : expected) {
    e.backoff();  // RFC 6298 (5.5)
    EXPECT_EQ(e.rto(), Duration::seconds(s));
  }
  EXPECT_EQ(e.backoffs(), 9u);

  RttConfig c;
  c.max_rto = Duration::seconds(60);  // the RFC's smallest allowed maximum
  RttEstimator r(c);
  for (int i = 0; i < 100; ++i) r.backoff();
  EXPECT_EQ(r.rto(), Duration::seconds(60));
}

TEST(RttEstimator, ValidSampleEndsBackoff) {
  RttEstimator e;
  e.on_sample(ms(100), false);  // RTO 300 ms
  e.backoff();
  e.backoff();
  EXPECT_EQ(e.rto(), ms(1200));
  // Karn: the ACK of the retransmission gives no sample; the backed-off RTO stays.
  EXPECT_FALSE(e.on_sample(ms(100), true));
  EXPECT_EQ(e.rto(), ms(1200));
  EXPECT_EQ(e.backoffs(), 2u);
  // A new segment, sent once, acknowledged: RTO is recomputed from scratch.
  // RTTVAR = 3/4·50 + 0 = 37.5; SRTT = 100; RTO = 100 + 150 = 250 ms.
  EXPECT_TRUE(e.on_sample(ms(100), false));
  EXPECT_EQ(e.rto(), ms(250));
  EXPECT_EQ(e.backoffs(), 0u);
}

TEST(RttEstimator, MaximumClampsComputedRto) {
  RttEstimator e;
  e.on_sample(Duration::seconds(100), false);  // 100 + 200 = 300 s
  EXPECT_EQ(e.rto(), Duration::seconds(120));
  // Absurd samples are clamped rather than overflowing.
  e.on_sample(Duration::max(), false);
  EXPECT_EQ(e.rto(), Duration::seconds(120));
  EXPECT_LE(*e.srtt(), RttEstimator::kMaxSample);
}

TEST(RttEstimator, ZeroRttOnAnIdealLink) {
  RttEstimator e;
  e.on_sample(Duration::zero(), false);
  EXPECT_EQ(e.srtt(), Duration::zero());
  EXPECT_EQ(e.rto(), ms(200));  // max(G, 0) = 1 ms, then the 200 ms floor
}

TEST(RttEstimator, SynTimeoutRule) {
  RttEstimator e;
  e.backoff();                            // the SYN timed out: 2 s
  e.on_syn_timeout_handshake_complete();  // RFC 6298 (5.7)
  EXPECT_EQ(e.rto(), Duration::seconds(3));
  EXPECT_EQ(e.backoffs(), 0u);

  RttEstimator measured;
  measured.on_sample(ms(100), false);
  measured.on_syn_timeout_handshake_complete();  // a valid sample wins
  EXPECT_EQ(measured.rto(), ms(300));
}

}  // namespace
}  // namespace ws::tcp
