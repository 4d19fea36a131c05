// NewRenoCc walked with exact numbers: SMSS = 1000 bytes, so IW = 4
// segments (RFC 5681 §3.1, SMSS <= 1095) and every window is easy to check.
#include <gtest/gtest.h>

#include "tcp/new_reno_cc.hpp"

namespace ws::tcp {
namespace {

constexpr std::uint32_t kSmss = 1000;

NewRenoCcConfig config(std::uint32_t initial_ssthresh = UINT32_MAX, bool hystart = false) {
  NewRenoCcConfig c;
  c.smss = kSmss;
  c.initial_ssthresh = initial_ssthresh;
  c.hystart = hystart;
  return c;
}

AckSample ack(std::uint32_t delivered, bool app_limited = false) {
  AckSample a;
  a.now = Instant::zero();
  a.delivered = delivered;
  a.app_limited = app_limited;
  return a;
}

// cwnd = ssthresh = 10 segments: congestion avoidance.
NewRenoCc at_ten_segments() {
  NewRenoCc cc(config(10 * kSmss));
  for (int i = 0; i < 6; ++i) cc.on_ack(ack(kSmss));
  EXPECT_EQ(cc.cwnd(), 10 * kSmss);
  EXPECT_FALSE(cc.in_slow_start());
  return cc;
}

TEST(NewRenoCc, Starts) {
  NewRenoCc cc(config());
  EXPECT_EQ(cc.cwnd(), 4 * kSmss);
  EXPECT_EQ(cc.ssthresh(), UINT32_MAX);
  EXPECT_TRUE(cc.in_slow_start());
  EXPECT_EQ(cc.name(), "newreno");
  NewRenoCcConfig iw10;
  iw10.initial_window = InitialWindow::kIw10;
  EXPECT_EQ(NewRenoCc(iw10).cwnd(), 14600u);  // RFC 6928 at SMSS 1460
  EXPECT_EQ(initial_window(1460, InitialWindow::kRfc5681), 4380u);
}

TEST(NewRenoCc, SlowStartCountsBytesUpToTwoSegmentsPerAck) {
  NewRenoCc cc(config());
  cc.on_ack(ack(kSmss));  // +1000
  EXPECT_EQ(cc.cwnd(), 5000u);
  cc.on_ack(ack(2 * kSmss));  // a delayed ACK of two segments: +2000
  EXPECT_EQ(cc.cwnd(), 7000u);
  cc.on_ack(ack(5 * kSmss));  // a stretch ACK: L = 2, +2000 only (RFC 3465 §2.2)
  EXPECT_EQ(cc.cwnd(), 9000u);
  cc.on_ack(ack(500));  // a partial segment counts its bytes
  EXPECT_EQ(cc.cwnd(), 9500u);
  cc.on_ack(ack(0));  // nothing delivered, nothing grown
  EXPECT_EQ(cc.cwnd(), 9500u);
}

TEST(NewRenoCc, CongestionAvoidanceAddsOneSegmentPerWindowDelivered) {
  NewRenoCc cc = at_ten_segments();
  for (int i = 0; i < 9; ++i) cc.on_ack(ack(kSmss));
  EXPECT_EQ(cc.cwnd(), 10 * kSmss);
  EXPECT_EQ(cc.bytes_acked(), 9000u);
  cc.on_ack(ack(kSmss));  // 10000 bytes: one cwnd
  EXPECT_EQ(cc.cwnd(), 11 * kSmss);
  EXPECT_EQ(cc.bytes_acked(), 0u);
  // The next increase needs 11000 bytes; a big ACK's excess carries over.
  cc.on_ack(ack(12 * kSmss));
  EXPECT_EQ(cc.cwnd(), 12 * kSmss);
  EXPECT_EQ(cc.bytes_acked(), 1000u);
}

TEST(NewRenoCc, AppLimitedAcksDoNotGrowTheWindow) {
  NewRenoCc ss(config());
  ss.on_ack(ack(kSmss, true));
  EXPECT_EQ(ss.cwnd(), 4 * kSmss);
  NewRenoCc ca = at_ten_segments();
  for (int i = 0; i < 30; ++i) ca.on_ack(ack(kSmss, true));
  EXPECT_EQ(ca.cwnd(), 10 * kSmss);
  EXPECT_EQ(ca.bytes_acked(), 0u);
}

TEST(NewRenoCc, LossHalvesTheFlightAndRecoveryEndsAtSsthresh) {
  NewRenoCc cc = at_ten_segments();
  cc.on_loss(Instant::zero(), 9 * kSmss);
  EXPECT_EQ(cc.ssthresh(), 4500u);   // eq. (4): 9000 / 2
  EXPECT_EQ(cc.cwnd(), 10 * kSmss);  // PRR brings cwnd down, not on_loss
  // During recovery the sender's PRR sets cwnd; ACKs do not grow it.
  cc.set_cwnd(6000);
  cc.on_ack(ack(kSmss));
  EXPECT_EQ(cc.cwnd(), 6000u);
  // A second loss in the same episode does not reduce again.
  cc.on_loss(Instant::zero(), 4 * kSmss);
  EXPECT_EQ(cc.ssthresh(), 4500u);
  cc.on_recovery_end(Instant::zero());
  EXPECT_EQ(cc.cwnd(), 4500u);
  EXPECT_FALSE(cc.in_slow_start());
}

TEST(NewRenoCc, LossSsthreshIsAtLeastTwoSegments) {
  NewRenoCc cc = at_ten_segments();
  cc.on_loss(Instant::zero(), 3 * kSmss);
  EXPECT_EQ(cc.ssthresh(), 2 * kSmss);  // max(1500, 2000)
}

TEST(NewRenoCc, TimeoutGivesTheLossWindowAndSlowStartWithLOne) {
  NewRenoCc cc = at_ten_segments();
  cc.on_rto(Instant::zero(), 10 * kSmss);
  EXPECT_EQ(cc.ssthresh(), 5 * kSmss);
  EXPECT_EQ(cc.cwnd(), kSmss);
  // The timer fires again for the same segment: ssthresh stays (RFC 5681 §3.1).
  cc.on_rto(Instant::zero(), kSmss);
  EXPECT_EQ(cc.ssthresh(), 5 * kSmss);
  EXPECT_EQ(cc.cwnd(), kSmss);
  // Slow start after an RTO: L = 1, a two-segment ACK adds one.
  cc.on_ack(ack(2 * kSmss));
  EXPECT_EQ(cc.cwnd(), 2 * kSmss);
  for (int i = 0; i < 3; ++i) cc.on_ack(ack(2 * kSmss));
  EXPECT_EQ(cc.cwnd(), 5 * kSmss);
  // Now in congestion avoidance; after a later timeout with data delivered
  // in between, ssthresh is recomputed.
  cc.on_rto(Instant::zero(), 5 * kSmss);
  EXPECT_EQ(cc.ssthresh(), 2500u);
}

TEST(NewRenoCc, TimeoutDuringRecoveryKeepsTheEpisodesSsthresh) {
  NewRenoCc cc = at_ten_segments();
  cc.on_loss(Instant::zero(), 10 * kSmss);
  cc.on_rto(Instant::zero(), 2 * kSmss);
  EXPECT_EQ(cc.ssthresh(), 5 * kSmss);
  EXPECT_EQ(cc.cwnd(), kSmss);
}

TEST(NewRenoCc, IdleRestartCapsAtTheInitialWindow) {
  NewRenoCc cc = at_ten_segments();
  cc.on_idle_restart(Instant::zero());
  EXPECT_EQ(cc.cwnd(), 4 * kSmss);  // RW = min(IW, cwnd)
  cc.set_cwnd(3 * kSmss);
  cc.on_idle_restart(Instant::zero());
  EXPECT_EQ(cc.cwnd(), 3 * kSmss);
}

TEST(NewRenoCc, UndoOfASpuriousFastRetransmitRestoresTheWindow) {
  NewRenoCc cc = at_ten_segments();
  cc.on_loss(Instant::zero(), 10 * kSmss);
  cc.set_cwnd(7 * kSmss);
  cc.undo();
  EXPECT_EQ(cc.cwnd(), 10 * kSmss);
  EXPECT_EQ(cc.ssthresh(), 10 * kSmss);
  // Growth resumes outside recovery.
  for (int i = 0; i < 10; ++i) cc.on_ack(ack(kSmss));
  EXPECT_EQ(cc.cwnd(), 11 * kSmss);
  // A second undo has nothing to undo.
  cc.undo();
  EXPECT_EQ(cc.cwnd(), 11 * kSmss);
}

TEST(NewRenoCc, UndoKeepsAWindowThatGrewPastTheSavedOne) {
  NewRenoCc cc = at_ten_segments();
  cc.on_loss(Instant::zero(), 10 * kSmss);
  cc.on_recovery_end(Instant::zero());
  cc.set_cwnd(12 * kSmss);
  cc.undo();
  EXPECT_EQ(cc.cwnd(), 12 * kSmss);
  EXPECT_EQ(cc.ssthresh(), 5 * kSmss);
}

TEST(NewRenoCc, UndoOfASpuriousTimeoutRestoresSsthreshToPipePrev) {
  // In congestion avoidance: pipe_prev = max(FlightSize, ssthresh) = 12000.
  NewRenoCc cc = at_ten_segments();
  cc.on_rto(Instant::zero(), 12 * kSmss);
  EXPECT_EQ(cc.ssthresh(), 6 * kSmss);
  cc.undo();
  EXPECT_EQ(cc.ssthresh(), 12 * kSmss);
  EXPECT_EQ(cc.cwnd(), kSmss);  // RFC 4015: the sender sets cwnd from FlightSize
  // Slow start back up, with L = 2 again (the timeout did not happen).
  cc.on_ack(ack(2 * kSmss));
  EXPECT_EQ(cc.cwnd(), 3 * kSmss);

  // In slow start: pipe_prev = ssthresh (still "arbitrarily high").
  NewRenoCc ss(config());
  ss.on_rto(Instant::zero(), 4 * kSmss);
  ss.undo();
  EXPECT_EQ(ss.ssthresh(), UINT32_MAX);
}

TEST(NewRenoCc, SetCwndClampsToOneSegmentAndTheMaximum) {
  NewRenoCc cc(config());
  cc.set_cwnd(10);
  EXPECT_EQ(cc.cwnd(), kSmss);
  cc.set_cwnd(UINT32_MAX);
  EXPECT_EQ(cc.cwnd(), CongestionControl::kMaxCwnd);
  // Growth saturates there too.
  cc.on_ack(ack(2 * kSmss));
  EXPECT_EQ(cc.cwnd(), CongestionControl::kMaxCwnd);
}

TEST(NewRenoCc, HyStartEndsTheFirstSlowStartWithoutALoss) {
  NewRenoCc cc(config(UINT32_MAX, /*hystart=*/true));
  AckSample a = ack(kSmss);
  auto round = [&](std::uint64_t r, Duration rtt) {
    a.round = r;
    a.rtt = rtt;
    for (int i = 0; i < 8; ++i) cc.on_ack(a);
  };
  round(0, Duration::millis(50));  // 4 -> 12 segments
  EXPECT_EQ(cc.cwnd(), 12 * kSmss);
  round(1, Duration::millis(60));  // 60 >= 50 + max(4, 6.25) ms: CSS after the 8th
  EXPECT_EQ(cc.cwnd(), 20 * kSmss);
  EXPECT_EQ(cc.hystart().phase(), HyStart::Phase::kConservative);
  round(2, Duration::millis(60));  // CSS: 8 × 250 bytes
  EXPECT_EQ(cc.cwnd(), 22 * kSmss);
  for (std::uint64_t r = 3; r <= 5; ++r) round(r, Duration::millis(60));
  EXPECT_EQ(cc.cwnd(), 28 * kSmss);
  EXPECT_TRUE(cc.in_slow_start());
  // Round 6 begins: CSS_ROUNDS are done, ssthresh = cwnd, then avoidance.
  round(6, Duration::millis(60));
  EXPECT_EQ(cc.ssthresh(), 28 * kSmss);
  EXPECT_FALSE(cc.in_slow_start());
  EXPECT_EQ(cc.cwnd(), 28 * kSmss);
  EXPECT_EQ(cc.bytes_acked(), 8 * kSmss);
}

}  // namespace
}  // namespace ws::tcp
