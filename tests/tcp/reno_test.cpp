// Reno/NewReno walked with exact numbers: SMSS = 1000 bytes throughout
// (IW = 4 segments by RFC 5681 §3.1, since SMSS <= 1095), so every window
// below is a whole number of segments and easy to check by hand.
#include <gtest/gtest.h>

#include <memory>

#include "tcp/reno.hpp"

namespace ws::tcp {
namespace {

constexpr std::uint32_t kSmss = 1000;

RenoConfig config(std::uint32_t initial_ssthresh = UINT32_MAX, bool newreno = true) {
  RenoConfig c;
  c.smss = kSmss;
  c.initial_ssthresh = initial_ssthresh;
  c.newreno = newreno;
  return c;
}

AckEvent ack(std::uint32_t bytes, std::uint32_t flight = 0) {
  return AckEvent{Instant::zero(), bytes, flight, std::nullopt};
}

LossEvent loss(std::uint32_t flight) { return LossEvent{Instant::zero(), flight}; }

// A Reno in congestion avoidance with cwnd = ssthresh = 10 segments.
Reno at_ten_segments(bool newreno = true) {
  Reno r(config(10 * kSmss, newreno));
  for (int i = 0; i < 6; ++i) r.on_ack(ack(kSmss));  // 4 -> 10 segments in slow start
  EXPECT_EQ(r.cwnd(), 10 * kSmss);
  EXPECT_FALSE(r.in_slow_start());
  return r;
}

TEST(Reno, InitialWindowRfc5681) {
  // RFC 5681 §3.1: 4 segments up to 1095 bytes, 3 up to 2190, then 2.
  EXPECT_EQ(Reno::initial_window(536, InitialWindow::kRfc5681), 2144u);
  EXPECT_EQ(Reno::initial_window(1095, InitialWindow::kRfc5681), 4380u);
  EXPECT_EQ(Reno::initial_window(1096, InitialWindow::kRfc5681), 3288u);
  // At 1460 the table agrees with RFC 3390's min(4·SMSS, max(2·SMSS, 4380)).
  EXPECT_EQ(Reno::initial_window(1460, InitialWindow::kRfc5681), 4380u);
  EXPECT_EQ(Reno::initial_window(2190, InitialWindow::kRfc5681), 6570u);
  EXPECT_EQ(Reno::initial_window(2191, InitialWindow::kRfc5681), 4382u);
  EXPECT_EQ(Reno::initial_window(8960, InitialWindow::kRfc5681), 17920u);
}

TEST(Reno, InitialWindowIw10) {
  // RFC 6928 §2: min(10·MSS, max(2·MSS, 14600)).
  EXPECT_EQ(Reno::initial_window(1460, InitialWindow::kIw10), 14600u);
  EXPECT_EQ(Reno::initial_window(536, InitialWindow::kIw10), 5360u);
  EXPECT_EQ(Reno::initial_window(8960, InitialWindow::kIw10), 17920u);
  RenoConfig c;
  c.initial_window = InitialWindow::kIw10;
  EXPECT_EQ(Reno(c).cwnd(), 14600u);
  EXPECT_EQ(Reno().cwnd(), 4380u);  // the default: RFC 5681, SMSS 1460
}

TEST(Reno, StartsInSlowStart) {
  Reno r(config());
  EXPECT_EQ(r.cwnd(), 4 * kSmss);
  EXPECT_EQ(r.ssthresh(), UINT32_MAX);
  EXPECT_TRUE(r.in_slow_start());
  EXPECT_FALSE(r.in_recovery());
  EXPECT_EQ(r.name(), "newreno");
}

TEST(Reno, SlowStartDoublesPerRoundTrip) {
  Reno r(config());
  // Each round trip acknowledges the whole window, one segment per ACK:
  // cwnd += SMSS per ACK doubles it.
  std::uint32_t expected = 4 * kSmss;
  for (int rtt = 0; rtt < 5; ++rtt) {
    const std::uint32_t segments = r.cwnd() / kSmss;
    for (std::uint32_t i = 0; i < segments; ++i) r.on_ack(ack(kSmss));
    expected *= 2;
    EXPECT_EQ(r.cwnd(), expected) << "round trip " << rtt;
  }
  EXPECT_EQ(r.cwnd(), 128 * kSmss);
}

TEST(Reno, SlowStartByteCountingWithDelayedAcks) {
  Reno r(config());
  // One ACK per two segments (RFC 1122 delayed ACKs): L = 2·SMSS counts both,
  // so the window still doubles per round trip (RFC 3465 §2.2).
  r.on_ack(ack(2 * kSmss));
  r.on_ack(ack(2 * kSmss));
  EXPECT_EQ(r.cwnd(), 8 * kSmss);
  // A stretch ACK of 10 segments grows cwnd by at most L = 2·SMSS.
  r.on_ack(ack(10 * kSmss));
  EXPECT_EQ(r.cwnd(), 10 * kSmss);
  // A partial segment counts its bytes.
  r.on_ack(ack(300));
  EXPECT_EQ(r.cwnd(), 10 * kSmss + 300);
  // No new data, no growth.
  r.on_ack(ack(0));
  EXPECT_EQ(r.cwnd(), 10 * kSmss + 300);
}

TEST(Reno, AbcLimitOneIsRfc5681Equation2) {
  RenoConfig c = config();
  c.abc_limit = 1;
  Reno r(c);
  r.on_ack(ack(2 * kSmss));  // cwnd += min(N, SMSS)
  EXPECT_EQ(r.cwnd(), 5 * kSmss);
}

TEST(Reno, CongestionAvoidanceAddsOneSegmentPerRoundTrip) {
  Reno r(config(8 * kSmss));
  for (int i = 0; i < 4; ++i) r.on_ack(ack(kSmss));
  EXPECT_EQ(r.cwnd(), 8 * kSmss);  // reached ssthresh
  EXPECT_FALSE(r.in_slow_start());
  // RFC 3465 §2.1: cwnd grows by SMSS once cwnd bytes have been acknowledged.
  for (int i = 0; i < 7; ++i) r.on_ack(ack(kSmss));
  EXPECT_EQ(r.cwnd(), 8 * kSmss);
  EXPECT_EQ(r.bytes_acked(), 7 * kSmss);
  r.on_ack(ack(kSmss));
  EXPECT_EQ(r.cwnd(), 9 * kSmss);
  EXPECT_EQ(r.bytes_acked(), 0u);
  // Ten more round trips, each acknowledging the whole window one segment
  // at a time: exactly one SMSS per round trip.
  for (int rtt = 0; rtt < 10; ++rtt) {
    const std::uint32_t before = r.cwnd();
    for (std::uint32_t i = 0; i < before / kSmss; ++i) r.on_ack(ack(kSmss));
    EXPECT_EQ(r.cwnd(), before + kSmss) << "round trip " << rtt;
  }
  EXPECT_EQ(r.cwnd(), 19 * kSmss);
}

TEST(Reno, CongestionAvoidanceWithDelayedAcks) {
  Reno r(at_ten_segments());
  // 5 ACKs of 2 segments acknowledge one window: +1 SMSS, as with per-segment ACKs.
  for (int i = 0; i < 4; ++i) r.on_ack(ack(2 * kSmss));
  EXPECT_EQ(r.cwnd(), 10 * kSmss);
  r.on_ack(ack(2 * kSmss));
  EXPECT_EQ(r.cwnd(), 11 * kSmss);
  EXPECT_EQ(r.bytes_acked(), 0u);
  // Leftover bytes carry over into the next window's count.
  for (int i = 0; i < 6; ++i) r.on_ack(ack(2 * kSmss));  // 12000 >= 11000
  EXPECT_EQ(r.cwnd(), 12 * kSmss);
  EXPECT_EQ(r.bytes_acked(), 1 * kSmss);
}

TEST(Reno, FastRetransmitAndNewRenoRecovery) {
  Reno r(at_ten_segments());
  // Segment lost with 10 in flight; duplicate ACKs 1 and 2 change nothing
  // (RFC 5681 §3.2 step 1; limited transmit is the sender's business).
  r.on_dupack(Instant::zero());
  r.on_dupack(Instant::zero());
  EXPECT_EQ(r.cwnd(), 10 * kSmss);
  // Third duplicate: ssthresh = max(10000/2, 2000) = 5000; cwnd = 5000 + 3·1000.
  r.on_fast_retransmit(loss(10 * kSmss));
  EXPECT_TRUE(r.in_recovery());
  EXPECT_FALSE(r.in_slow_start());
  EXPECT_EQ(r.ssthresh(), 5 * kSmss);
  EXPECT_EQ(r.cwnd(), 8 * kSmss);
  // Duplicates 4..7 inflate cwnd by one SMSS each (step 4).
  for (int i = 0; i < 4; ++i) r.on_dupack(Instant::zero());
  EXPECT_EQ(r.cwnd(), 12 * kSmss);
  // A second "third duplicate" in the same episode is not a new reduction.
  r.on_fast_retransmit(loss(12 * kSmss));
  EXPECT_EQ(r.ssthresh(), 5 * kSmss);
  EXPECT_EQ(r.cwnd(), 12 * kSmss);
  // Partial ACK of 3 segments (RFC 6582 §3.2 "partial acknowledgments"): 12000 - 3000 + 1000.
  r.on_ack(ack(3 * kSmss, 9 * kSmss));
  EXPECT_EQ(r.cwnd(), 10 * kSmss);
  EXPECT_TRUE(r.in_recovery());
  // Partial ACK of less than one SMSS: no add-back.
  r.on_ack(ack(500, 8500));
  EXPECT_EQ(r.cwnd(), 9500u);
  // Full ACK with 6 segments still in flight: min(5000, 6000 + 1000) = 5000.
  r.on_recovery_exit(ack(2500, 6 * kSmss));
  EXPECT_FALSE(r.in_recovery());
  EXPECT_EQ(r.cwnd(), 5 * kSmss);
  EXPECT_EQ(r.ssthresh(), 5 * kSmss);
  // Congestion avoidance resumes from an empty byte count.
  EXPECT_EQ(r.bytes_acked(), 0u);
  for (int i = 0; i < 5; ++i) r.on_ack(ack(kSmss));
  EXPECT_EQ(r.cwnd(), 6 * kSmss);
}

TEST(Reno, RecoveryExitWithLittleInFlightAvoidsABurst) {
  Reno r(at_ten_segments());
  r.on_fast_retransmit(loss(10 * kSmss));
  // RFC 6582 option (1): min(ssthresh, max(FlightSize, SMSS) + SMSS).
  r.on_recovery_exit(ack(10 * kSmss, 2 * kSmss));
  EXPECT_EQ(r.cwnd(), 3 * kSmss);
  // Then slow start back to ssthresh (cwnd < ssthresh).
  EXPECT_TRUE(r.in_slow_start());

  Reno idle(at_ten_segments());
  idle.on_fast_retransmit(loss(10 * kSmss));
  idle.on_recovery_exit(ack(10 * kSmss, 0));
  EXPECT_EQ(idle.cwnd(), 2 * kSmss);
}

TEST(Reno, PlainRenoDeflatesOnTheFirstNewAck) {
  Reno r(at_ten_segments(/*newreno=*/false));
  EXPECT_EQ(r.name(), "reno");
  r.on_fast_retransmit(loss(10 * kSmss));
  EXPECT_EQ(r.cwnd(), 8 * kSmss);
  r.on_dupack(Instant::zero());
  EXPECT_EQ(r.cwnd(), 9 * kSmss);
  // RFC 5681 §3.2 step 6: the next ACK of new data sets cwnd = ssthresh.
  r.on_ack(ack(kSmss, 9 * kSmss));
  EXPECT_FALSE(r.in_recovery());
  EXPECT_EQ(r.cwnd(), 5 * kSmss);
}

TEST(Reno, SsthreshFloorIsTwoSegments) {
  Reno r(at_ten_segments());
  r.on_fast_retransmit(loss(3 * kSmss));  // max(1500, 2000)
  EXPECT_EQ(r.ssthresh(), 2 * kSmss);
  EXPECT_EQ(r.cwnd(), 5 * kSmss);
}

TEST(Reno, RetransmissionTimeout) {
  Reno r(at_ten_segments());
  r.on_rto_timeout(loss(10 * kSmss));
  // RFC 5681 §3.1: ssthresh by equation (4), cwnd = loss window = 1 SMSS.
  EXPECT_EQ(r.ssthresh(), 5 * kSmss);
  EXPECT_EQ(r.cwnd(), kSmss);
  EXPECT_TRUE(r.in_slow_start());
  // Slow start after an RTO counts at most 1 SMSS per ACK (RFC 3465 §2.2).
  r.on_ack(ack(2 * kSmss));
  EXPECT_EQ(r.cwnd(), 2 * kSmss);
  r.on_ack(ack(2 * kSmss));
  r.on_ack(ack(2 * kSmss));
  r.on_ack(ack(2 * kSmss));
  EXPECT_EQ(r.cwnd(), 5 * kSmss);  // reached ssthresh: congestion avoidance
  EXPECT_FALSE(r.in_slow_start());
  for (int i = 0; i < 3; ++i) r.on_ack(ack(2 * kSmss));
  EXPECT_EQ(r.cwnd(), 6 * kSmss);  // 6000 acknowledged >= 5000
  EXPECT_EQ(r.bytes_acked(), kSmss);
}

TEST(Reno, RepeatedTimeoutsKeepSsthresh) {
  Reno r(at_ten_segments());
  r.on_rto_timeout(loss(10 * kSmss));
  EXPECT_EQ(r.ssthresh(), 5 * kSmss);
  // The same segment times out again (nothing acknowledged meanwhile):
  // FlightSize has collapsed, but ssthresh must not follow it.
  r.on_rto_timeout(loss(kSmss));
  EXPECT_EQ(r.ssthresh(), 5 * kSmss);
  EXPECT_EQ(r.cwnd(), kSmss);
  // After new data is acknowledged, a later timeout is a new loss.
  r.on_ack(ack(kSmss, 6 * kSmss));
  r.on_rto_timeout(loss(6 * kSmss));
  EXPECT_EQ(r.ssthresh(), 3 * kSmss);
}

TEST(Reno, TimeoutDuringRecovery) {
  Reno r(at_ten_segments());
  r.on_fast_retransmit(loss(10 * kSmss));
  for (int i = 0; i < 6; ++i) r.on_dupack(Instant::zero());
  r.on_rto_timeout(loss(14 * kSmss));
  EXPECT_FALSE(r.in_recovery());
  EXPECT_EQ(r.ssthresh(), 5 * kSmss);  // this loss episode's reduction, not a second one
  EXPECT_EQ(r.cwnd(), kSmss);
  r.on_dupack(Instant::zero());  // not in recovery any more: no inflation
  EXPECT_EQ(r.cwnd(), kSmss);
}

TEST(Reno, RestartAfterIdle) {
  Reno r(config());
  for (int i = 0; i < 12; ++i) r.on_ack(ack(kSmss));
  EXPECT_EQ(r.cwnd(), 16 * kSmss);
  r.on_idle_restart(Instant::zero());  // RFC 5681 §4.1: min(IW, cwnd)
  EXPECT_EQ(r.cwnd(), 4 * kSmss);
  r.on_rto_timeout(loss(4 * kSmss));
  r.on_idle_restart(Instant::zero());
  EXPECT_EQ(r.cwnd(), kSmss);  // already below IW
}

TEST(Reno, WindowSaturatesInsteadOfOverflowing) {
  Reno r(config());
  for (int i = 0; i < 2'000'000; ++i) r.on_ack(ack(UINT32_MAX));
  EXPECT_EQ(r.cwnd(), Reno::kMaxCwnd);
  r.on_fast_retransmit(loss(UINT32_MAX));
  EXPECT_LE(r.cwnd(), Reno::kMaxCwnd);
  for (int i = 0; i < 10; ++i) r.on_dupack(Instant::zero());
  EXPECT_LE(r.cwnd(), Reno::kMaxCwnd);
}

TEST(Reno, UsableThroughTheInterface) {
  std::unique_ptr<CongestionController> cc = std::make_unique<Reno>(config());
  cc->on_ack(AckEvent{Instant::zero(), kSmss, 3 * kSmss, Duration::millis(20)});
  EXPECT_EQ(cc->cwnd(), 5 * kSmss);
  cc->on_fast_retransmit(loss(5 * kSmss));
  EXPECT_TRUE(cc->in_recovery());
  cc->on_recovery_exit(ack(5 * kSmss, 0));
  EXPECT_FALSE(cc->in_recovery());
  EXPECT_EQ(cc->ssthresh(), 2500u);
  EXPECT_EQ(cc->cwnd(), 2 * kSmss);  // min(2500, 0 -> SMSS + SMSS)
}

}  // namespace
}  // namespace ws::tcp
