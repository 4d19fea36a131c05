// CUBIC (RFC 9438) against its own formulas: SMSS = 1000 bytes, a loss at
// W_max = 100 segments, then round trips of a fixed RTT in which the whole
// window is acknowledged one segment per ACK.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "tcp/cubic.hpp"

namespace ws::tcp {
namespace {

constexpr std::uint32_t kSmss = 1000;

CubicConfig config(bool fast_convergence = true) {
  CubicConfig c;
  c.smss = kSmss;
  c.hystart = false;
  c.fast_convergence = fast_convergence;
  return c;
}

double segments(std::uint32_t bytes) { return static_cast<double>(bytes) / kSmss; }

// RFC 9438 eq. (1) and (2), written out independently of Cubic.
double expected_w_cubic(double t, double w_max, double cwnd_epoch) {
  const double k = std::cbrt((w_max - cwnd_epoch) / 0.4);
  return 0.4 * std::pow(t - k, 3) + w_max;
}

// Feeds a Cubic round trips at a fixed RTT, starting at `start`.
struct Driver {
  Cubic& cc;
  Duration rtt;
  Instant now = Instant::zero() + Duration::seconds(10);
  std::uint64_t round = 0;

  AckSample ack(std::uint32_t delivered, bool app_limited = false) const {
    AckSample a;
    a.now = now;
    a.delivered = delivered;
    a.flight = cc.cwnd();
    a.rtt = rtt;
    a.srtt = rtt;
    a.min_rtt = rtt;
    a.round = round;
    a.app_limited = app_limited;
    return a;
  }
  // One round trip: the window's worth of ACKs, one segment each, arrive
  // at `now`; then time moves on by one RTT.
  void run_round() {
    const std::uint32_t n = cc.cwnd() / kSmss;
    for (std::uint32_t i = 0; i < n; ++i) cc.on_ack(ack(kSmss));
    now += rtt;
    ++round;
  }
};

// cwnd = 100 segments, then a loss with 100 segments in flight, recovery
// ending at ssthresh = 70 segments.
void lose_at_hundred(Cubic& cc, Instant now) {
  cc.set_cwnd(100 * kSmss);
  cc.on_loss(now, 100 * kSmss);
  cc.on_recovery_end(now);
}

TEST(Cubic, Constants) {
  EXPECT_DOUBLE_EQ(Cubic::kC, 0.4);
  EXPECT_DOUBLE_EQ(Cubic::kBeta, 0.7);
  EXPECT_NEAR(Cubic::kAlpha, 0.5294117647, 1e-9);  // 3 · 0.3 / 1.7
  Cubic cc(config());
  EXPECT_EQ(cc.name(), "cubic");
  EXPECT_EQ(cc.cwnd(), 4 * kSmss);
  EXPECT_TRUE(cc.in_slow_start());
}

TEST(Cubic, LossSetsWmaxAndSsthreshAndKFollows) {
  Cubic cc(config());
  Driver d{cc, Duration::millis(100)};
  lose_at_hundred(cc, d.now);
  EXPECT_DOUBLE_EQ(cc.w_max(), 100.0);
  EXPECT_EQ(cc.ssthresh(), 70 * kSmss);  // §4.6: 0.7 · flight
  EXPECT_EQ(cc.cwnd(), 70 * kSmss);
  EXPECT_DOUBLE_EQ(cc.cwnd_prior(), 100.0);
  EXPECT_FALSE(cc.epoch().has_value());
  d.run_round();  // the first ACK in avoidance starts the epoch
  EXPECT_EQ(cc.epoch(), Instant::zero() + Duration::seconds(10));
  EXPECT_DOUBLE_EQ(cc.cwnd_epoch(), 70.0);
  // §4.2 eq. (2): K = ∛((100 − 70) / 0.4) = ∛75 = 4.2171633 s.
  EXPECT_NEAR(cc.k(), 4.2171633, 1e-6);
  EXPECT_NEAR(cc.w_cubic(0), 70.0, 1e-9);
  EXPECT_NEAR(cc.w_cubic(cc.k()), 100.0, 1e-9);
}

// W_est of §4.3 at RTT 100 ms, round by round: α_cubic per round trip from
// 70 segments until it reaches cwnd_prior = 100, then 1 per round trip.
double expected_w_est(double t) {
  const double rounds = t / 0.1;
  const double to_prior = 30 / Cubic::kAlpha;  // 56.7 round trips
  return rounds <= to_prior ? 70 + Cubic::kAlpha * rounds : 100 + (rounds - to_prior);
}

TEST(Cubic, WindowFollowsTheCubicCurve) {
  Cubic cc(config());
  Driver d{cc, Duration::millis(100)};
  lose_at_hundred(cc, d.now);
  const Instant epoch = d.now;
  const double k = std::cbrt(75.0);
  // cwnd at the start of a round trip t seconds into the epoch (t on the
  // RTT grid), against eq. (1) or, where W_est is larger, eq. (4).
  struct Check {
    double t;
    double tolerance;
  };
  // Up to K the window is within a segment of the curve. In the convex
  // region the curve climbs 3·C·(t − K)² segments a second (21 at 2K);
  // the per-ACK rule (target − cwnd)/cwnd closes about 1 − 1/e of a round
  // trip's gap, so cwnd trails the curve by about 0.6 of a round trip's
  // climb: 1.3 segments at 2K.
  const Check checks[] = {{0, 1.0}, {k / 2, 1.0}, {k, 1.0}, {1.5 * k, 1.0}, {2 * k, 1.5}};
  for (const Check& check : checks) {
    while ((d.now - epoch).as_seconds() + 0.05 < check.t) d.run_round();
    const double t = (d.now - epoch).as_seconds();
    const double cubic = expected_w_cubic(t, 100, 70);
    const double reno = expected_w_est(t);
    EXPECT_NEAR(segments(cc.cwnd()), std::max(cubic, reno), check.tolerance)
        << "t = " << t << " W_cubic = " << cubic << " W_est = " << reno;
    if (check.t == 1.5 * k) {
      // At 1.5K (t = 6.3 s) the Reno-friendly region has taken over
      // (W_est 106 > W_cubic 104, §4.3); at the other points the curve leads.
      EXPECT_GT(reno, cubic);
    } else if (check.t > 0) {
      EXPECT_GT(cubic, reno);
    }
  }
  EXPECT_NEAR(k, 4.2171633, 1e-6);
}

TEST(Cubic, ConcaveThenPlateauThenConvex) {
  Cubic cc(config());
  Driver d{cc, Duration::millis(100)};
  lose_at_hundred(cc, d.now);
  auto growth_over = [&](int rounds) {
    const std::uint32_t before = cc.cwnd();
    for (int i = 0; i < rounds; ++i) d.run_round();
    return segments(cc.cwnd() - before);
  };
  const double early = growth_over(10);  // t 0 → 1 s: concave, fast
  for (int i = 0; i < 27; ++i) d.run_round();
  const double plateau = growth_over(10);  // around t = K: nearly flat
  for (int i = 0; i < 30; ++i) d.run_round();
  const double late = growth_over(10);  // t ≈ 7.7 s: convex, fast again
  EXPECT_GT(early, 10.0);
  EXPECT_LT(plateau, 2.0);
  EXPECT_GT(late, 10.0);
  EXPECT_GT(segments(cc.cwnd()), 100.0);
}

TEST(Cubic, TargetIsCappedAtOneAndAHalfWindows) {
  Cubic cc(config());
  Driver d{cc, Duration::millis(100)};
  lose_at_hundred(cc, d.now);
  d.run_round();
  // Far along the curve, W_cubic(t + RTT) is huge; one window of ACKs adds
  // at most half a window (§4.2's upper bound).
  d.now += Duration::seconds(60);
  const double before = segments(cc.cwnd());
  d.run_round();
  EXPECT_LE(segments(cc.cwnd()), 1.5 * before + 1);
  EXPECT_GE(segments(cc.cwnd()), 1.5 * before - 1);
}

TEST(Cubic, RenoFriendlyRegionWinsAtSmallRtt) {
  // At RTT 1 ms the cubic curve hardly moves in 40 round trips (40 ms),
  // while W_est grows α_cubic = 0.53 segments per round trip (§4.3).
  Cubic cc(config());
  Driver d{cc, Duration::millis(1)};
  lose_at_hundred(cc, d.now);
  for (int i = 0; i < 40; ++i) d.run_round();
  const double w_est = cc.w_est();
  EXPECT_NEAR(w_est, 70 + 40 * Cubic::kAlpha, 0.5);
  EXPECT_NEAR(segments(cc.cwnd()), w_est, 1.0);
  EXPECT_LT(cc.w_cubic((d.now - *cc.epoch()).as_seconds()), 71.0);
  // Once W_est reaches cwnd_prior (100), it grows like Reno: 1 per round trip.
  for (int i = 0; i < 20; ++i) d.run_round();
  ASSERT_GE(cc.w_est(), 100.0);
  const double at = cc.w_est();
  for (int i = 0; i < 10; ++i) d.run_round();
  EXPECT_NEAR(cc.w_est() - at, 10.0, 0.5);
}

TEST(Cubic, FastConvergenceLowersWmax) {
  for (const bool fast : {true, false}) {
    Cubic cc(config(fast));
    Driver d{cc, Duration::millis(100)};
    lose_at_hundred(cc, d.now);
    for (int i = 0; i < 10; ++i) d.run_round();
    const double cwnd = segments(cc.cwnd());
    ASSERT_LT(cwnd, 100.0);
    cc.on_loss(d.now, cc.cwnd());
    // §4.7: a loss below the last W_max: W_max = cwnd · (1 + β) / 2.
    EXPECT_NEAR(cc.w_max(), fast ? cwnd * 0.85 : cwnd, 1e-9);
    EXPECT_EQ(cc.ssthresh(), static_cast<std::uint32_t>(std::floor(cc.cwnd() * 0.7)));
  }
}

TEST(Cubic, LossSsthreshIsAtLeastTwoSegments) {
  Cubic cc(config());
  cc.set_cwnd(2 * kSmss);
  cc.on_loss(Instant::zero(), 2 * kSmss);  // 0.7 · 2000 = 1400 < 2000
  EXPECT_EQ(cc.ssthresh(), 2 * kSmss);
}

// §4.6 with cwnd as the base (the sender keeps cwnd within what it uses):
// a window the peer's receive window held at 10 segments while cwnd was
// 20 comes down from 20, not from the 10 in flight.
TEST(Cubic, LossSsthreshIsBetaTimesCwnd) {
  Cubic cc(config());
  cc.set_cwnd(20 * kSmss);
  cc.on_loss(Instant::zero(), 10 * kSmss);
  EXPECT_EQ(cc.ssthresh(), 14 * kSmss);
}

TEST(Cubic, UndoRestoresThePreLossState) {
  Cubic cc(config());
  Driver d{cc, Duration::millis(100)};
  lose_at_hundred(cc, d.now);
  for (int i = 0; i < 20; ++i) d.run_round();
  const std::uint32_t cwnd = cc.cwnd();
  const std::uint32_t ssthresh = cc.ssthresh();
  const double w_max = cc.w_max();
  const double k = cc.k();
  const double w_est = cc.w_est();
  const auto epoch = cc.epoch();

  cc.on_loss(d.now, cwnd);  // spurious: reordering, found out by D-SACK
  EXPECT_EQ(cc.ssthresh(), static_cast<std::uint32_t>(std::floor(cwnd * 0.7)));
  cc.on_recovery_end(d.now);
  EXPECT_LT(cc.cwnd(), cwnd);
  d.run_round();
  EXPECT_NE(cc.epoch(), epoch);
  cc.undo();
  EXPECT_EQ(cc.cwnd(), cwnd);
  EXPECT_EQ(cc.ssthresh(), ssthresh);
  EXPECT_DOUBLE_EQ(cc.w_max(), w_max);
  EXPECT_DOUBLE_EQ(cc.k(), k);
  EXPECT_DOUBLE_EQ(cc.w_est(), w_est);
  EXPECT_EQ(cc.epoch(), epoch);
  // And the curve goes on as if nothing happened.
  Cubic twin(config());
  Driver e{twin, Duration::millis(100)};
  lose_at_hundred(twin, e.now);
  for (int i = 0; i < 20; ++i) e.run_round();
  e.now = d.now;
  e.round = d.round;
  d.run_round();
  e.run_round();
  EXPECT_EQ(cc.cwnd(), twin.cwnd());
}

TEST(Cubic, TimeoutGivesTheLossWindowThenKZero) {
  Cubic cc(config());
  Driver d{cc, Duration::millis(100)};
  cc.set_cwnd(100 * kSmss);
  cc.on_rto(d.now, 100 * kSmss);
  EXPECT_EQ(cc.ssthresh(), 70 * kSmss);  // §4.8: β_cubic, as §4.6
  EXPECT_EQ(cc.cwnd(), kSmss);
  cc.on_rto(d.now, kSmss);  // the same segment again: ssthresh stays
  EXPECT_EQ(cc.ssthresh(), 70 * kSmss);
  // Slow start with L = 1.
  cc.on_ack(d.ack(2 * kSmss));
  EXPECT_EQ(cc.cwnd(), 2 * kSmss);
  while (cc.in_slow_start()) cc.on_ack(d.ack(kSmss));
  EXPECT_EQ(cc.cwnd(), 70 * kSmss);
  d.now += d.rtt;
  cc.on_ack(d.ack(kSmss));
  // §4.8: the first avoidance after a timeout: W_max = cwnd_epoch, K = 0,
  // W_est = cwnd_epoch; the curve starts flat and convex.
  EXPECT_DOUBLE_EQ(cc.cwnd_epoch(), 70.0);
  EXPECT_DOUBLE_EQ(cc.w_max(), 70.0);
  EXPECT_DOUBLE_EQ(cc.k(), 0.0);
  EXPECT_NEAR(cc.w_est(), 70.0 + Cubic::kAlpha / 70.0, 1e-9);
}

TEST(Cubic, UndoOfASpuriousTimeout) {
  Cubic cc(config());
  Driver d{cc, Duration::millis(100)};
  lose_at_hundred(cc, d.now);
  for (int i = 0; i < 5; ++i) d.run_round();
  const double w_max = cc.w_max();
  const double k = cc.k();
  const auto epoch = cc.epoch();
  const std::uint32_t flight = cc.cwnd();
  cc.on_rto(d.now, flight);
  cc.undo();
  // RFC 4015: ssthresh <- pipe_prev = max(FlightSize, ssthresh); cwnd is
  // the sender's to set, and slow start climbs back.
  EXPECT_EQ(cc.ssthresh(), flight);
  EXPECT_EQ(cc.cwnd(), kSmss);
  EXPECT_DOUBLE_EQ(cc.w_max(), w_max);
  EXPECT_DOUBLE_EQ(cc.k(), k);
  EXPECT_EQ(cc.epoch(), epoch);
  cc.on_ack(d.ack(2 * kSmss));
  EXPECT_EQ(cc.cwnd(), 3 * kSmss);  // L = 2 again
}

TEST(Cubic, AppLimitedAcksNeitherGrowNorAge) {
  Cubic a(config());
  Cubic b(config());
  Driver da{a, Duration::millis(100)};
  Driver db{b, Duration::millis(100)};
  lose_at_hundred(a, da.now);
  lose_at_hundred(b, db.now);
  for (int i = 0; i < 5; ++i) {
    da.run_round();
    db.run_round();
  }
  // b is application-limited for 3 seconds: no growth, and t stands still
  // (RFC 9438 §5.8), so afterwards it continues where it left off.
  const std::uint32_t before = b.cwnd();
  for (int i = 0; i < 30; ++i) {
    b.on_ack(db.ack(kSmss, true));
    db.now += db.rtt;
  }
  EXPECT_EQ(b.cwnd(), before);
  EXPECT_EQ(*b.epoch() - *a.epoch(), Duration::seconds(3));
  for (int i = 0; i < 5; ++i) {
    da.run_round();
    db.run_round();
  }
  EXPECT_NEAR(segments(b.cwnd()), segments(a.cwnd()), 1.0);

  // In slow start too.
  Cubic ss(config());
  Driver ds{ss, Duration::millis(100)};
  ss.on_ack(ds.ack(kSmss, true));
  EXPECT_EQ(ss.cwnd(), 4 * kSmss);
}

TEST(Cubic, HyStartExitLeavesWmaxUndefinedSoKIsZero) {
  CubicConfig c = config();
  c.hystart = true;
  Cubic cc(c);
  Driver d{cc, Duration::millis(50)};
  auto round = [&](Duration rtt) {
    d.rtt = rtt;
    for (int i = 0; i < 8; ++i) cc.on_ack(d.ack(kSmss));
    d.now += rtt;
    ++d.round;
  };
  round(Duration::millis(50));
  for (int i = 0; i < 5; ++i) round(Duration::millis(60));  // CSS, 5 rounds
  EXPECT_TRUE(cc.in_slow_start());
  const std::uint32_t cwnd = cc.cwnd();
  round(Duration::millis(60));  // CSS_ROUNDS done
  EXPECT_EQ(cc.ssthresh(), cwnd);
  EXPECT_FALSE(cc.in_slow_start());
  // §4.10: W_max = cwnd at the start of avoidance, K = 0, cwnd_prior = cwnd.
  EXPECT_DOUBLE_EQ(cc.w_max(), segments(cwnd));
  EXPECT_DOUBLE_EQ(cc.k(), 0.0);
  EXPECT_DOUBLE_EQ(cc.cwnd_prior(), segments(cwnd));
}

TEST(Cubic, IdleRestartCapsTheWindowAndEndsTheEpoch) {
  Cubic cc(config());
  Driver d{cc, Duration::millis(100)};
  lose_at_hundred(cc, d.now);
  d.run_round();
  cc.on_idle_restart(d.now);
  EXPECT_EQ(cc.cwnd(), 4 * kSmss);
  EXPECT_FALSE(cc.epoch().has_value());
  EXPECT_TRUE(cc.in_slow_start());
}

TEST(Cubic, WindowSaturatesAtTheMaximum) {
  Cubic cc(config());
  Driver d{cc, Duration::millis(100)};
  lose_at_hundred(cc, d.now);
  d.run_round();
  cc.set_cwnd(CongestionControl::kMaxCwnd - kSmss);
  d.now += Duration::seconds(1000);
  for (int i = 0; i < 100; ++i) cc.on_ack(d.ack(kSmss));
  EXPECT_EQ(cc.cwnd(), CongestionControl::kMaxCwnd);
}

TEST(Cubic, Deterministic) {
  auto run = [] {
    Cubic cc(config());
    Driver d{cc, Duration::millis(37)};
    lose_at_hundred(cc, d.now);
    std::vector<std::uint32_t> windows;
    for (int i = 0; i < 200; ++i) {
      d.run_round();
      windows.push_back(cc.cwnd());
    }
    return windows;
  };
  EXPECT_EQ(run(), run());
}

}  // namespace
}  // namespace ws::tcp
