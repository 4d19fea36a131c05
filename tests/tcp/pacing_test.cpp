// Pacing (tcp/pacing.hpp) packet by packet: the departure times the
// Pacer gives, and the spacing of a paced flight's data segments on the
// wire against 1/pacing-rate per segment — for a window-based controller
// paced at 2·cwnd/SRTT and for BBR at its own rate.
#include <gtest/gtest.h>

#include "connection_harness.hpp"
#include "tcp/pacing.hpp"

namespace ws::tcp {
namespace {

using namespace ws::tcp::testing;

TEST(PacerTest, WindowRateIsTwiceCwndPerSrttInSlowStartAndOnePointTwoAfter) {
  EXPECT_EQ(Pacer::window_rate(10'000, 1'000'000, Duration::millis(100)), 200'000u);
  EXPECT_EQ(Pacer::window_rate(10'000, 15'000, Duration::millis(100)), 120'000u);
  EXPECT_EQ(Pacer::window_rate(10'000, 15'000, Duration{}), 0u);  // no RTT yet: not paced
}

TEST(PacerTest, SegmentsLeaveOneSegmentTimeApart) {
  Pacer p;
  p.set_rate(100'000, 1000);  // 10 ms per 1000-byte segment; below the pair rate
  const Instant t0 = Instant::zero() + Duration::seconds(1);
  ASSERT_TRUE(p.may_send(t0));
  p.on_sent(t0, 1000);
  EXPECT_EQ(p.next_departure(), t0 + Duration::millis(10));
  // The horizon: a millisecond early at most.
  EXPECT_FALSE(p.may_send(t0 + Duration::millis(8)));
  EXPECT_TRUE(p.may_send(t0 + Duration::millis(9)));
  EXPECT_EQ(p.wake_at(), t0 + Duration::millis(9));
  p.on_sent(t0 + Duration::millis(9), 1000);
  EXPECT_EQ(p.next_departure(), t0 + Duration::millis(20));  // the slot, not the early departure
  // After idle the slot is in the past: no credit saved up.
  p.on_sent(t0 + Duration::seconds(5), 1000);
  EXPECT_EQ(p.next_departure(), t0 + Duration::seconds(5) + Duration::millis(10));
}

TEST(PacerTest, FromOnePointTwoMbitSegmentsGoInPairsAndFastRatesInMillisecondBursts) {
  Pacer p;
  p.set_rate(200'000, 1000);  // 5 ms per segment: pairs
  const Instant t0 = Instant::zero() + Duration::seconds(1);
  p.on_sent(t0, 1000);
  EXPECT_TRUE(p.may_send(t0));  // the second of the pair
  p.on_sent(t0, 1000);
  EXPECT_FALSE(p.may_send(t0 + Duration::millis(4)));
  EXPECT_TRUE(p.may_send(t0 + Duration::millis(5)));
  // A burst is what leaves at one instant: a millisecond's worth at
  // 10 MB/s (10 segments, and the one whose slot the horizon reaches),
  // at most 64 KiB at 100 MB/s.
  auto burst = [&](std::uint64_t rate) {
    Pacer q;
    q.set_rate(rate, 1000);
    int n = 0;
    while (q.may_send(t0) && n < 1000) {
      q.on_sent(t0, 1000);
      ++n;
    }
    return n;
  };
  EXPECT_EQ(burst(10'000'000), 11);
  EXPECT_EQ(burst(100'000'000), 66);
}

TEST(PacingTest, OnlyRateBasedControllersArePacedByDefault) {
  EXPECT_EQ(ConnectionConfig{}.pacing, Pacing::kRateBased);
  EXPECT_EQ(parse_pacing("all"), Pacing::kAll);
  EXPECT_EQ(parse_pacing("rate"), Pacing::kRateBased);
  EXPECT_EQ(parse_pacing("off"), Pacing::kOff);
  EXPECT_EQ(parse_pacing("on"), std::nullopt);
}

class PacedFlight : public ConnectionTest {
 protected:
  // Segments of 1000 bytes, SRTT 100 ms after the handshake.
  void open(CcKind cc, Pacing pacing) {
    ConnectionConfig c;
    c.sack = true;
    c.nodelay = true;
    c.cc = cc;
    c.pacing = pacing;
    establish_sack(c, /*paced=*/true);
  }
  // Every gap between consecutive data segments is 1000/rate within 10 %.
  void expect_spacing(const std::vector<Sent>& out, double rate) {
    const double want = 1000.0 / rate;
    ASSERT_GE(out.size(), 3u) << trace();
    for (std::size_t i = 1; i < out.size(); ++i) {
      ASSERT_EQ(out[i].data.size(), 1000u);
      const double gap = (out[i].at - out[i - 1].at).as_seconds();
      EXPECT_NEAR(gap, want, want * 0.10) << "segment " << i << trace();
    }
  }
  void send(std::size_t n) { conn->send(now, std::vector<std::uint8_t>(n, 'p')); }
};

TEST_F(PacedFlight, CubicUnderPacingAllSpacesItsInitialWindowAtTwiceCwndPerSrtt) {
  open(CcKind::Cubic, Pacing::kAll);
  send(4000);  // the RFC 5681 initial window: 4 segments of 1000
  advance(Duration::millis(60));
  const auto out = take();
  ASSERT_EQ(out.size(), 4u) << trace();
  // 2 × 4000 bytes / 100 ms = 80,000 bytes/s: 12.5 ms per segment.
  EXPECT_EQ(conn->sender().pacer().rate(), 80'000u);
  expect_spacing(out, 80'000);
  EXPECT_GE(conn->stats().pacing_waits, 3u);
}

TEST_F(PacedFlight, CubicIsNotPacedByDefault) {
  open(CcKind::Cubic, Pacing::kRateBased);
  send(4000);
  const auto out = take();
  ASSERT_EQ(out.size(), 4u) << trace();  // all at once
  EXPECT_EQ(out.back().at, out.front().at);
  EXPECT_EQ(conn->sender().pacer().rate(), 0u);
}

TEST_F(PacedFlight, BbrSpacesAFlightAtItsPacingRate) {
  open(CcKind::Bbr, Pacing::kRateBased);
  send(20'000);
  advance(Duration::millis(100));
  auto first = take();
  ASSERT_GE(first.size(), 4u) << trace();
  // ACK the first two segments 100 ms after they left: BBR's first
  // bandwidth sample sets its rate (Startup: 2/ln 2 times the sample).
  in(ack_with(1001 + 2000, {}));
  const std::uint64_t rate = conn->sender().pacer().rate();
  ASSERT_TRUE(conn->sender().controller()->pacing_rate());
  EXPECT_EQ(rate, *conn->sender().controller()->pacing_rate());
  ASSERT_GT(rate, 0u);
  ASSERT_LT(rate, Pacer::kPairRate);  // single segments: each gap is one segment's time
  advance(Duration::millis(60));
  auto out = take();
  ASSERT_EQ(conn->sender().pacer().rate(), rate) << "no ACK came: the rate held";
  // (The first of these may leave at once, when its slot had passed.)
  if (out.size() > 1 && out[0].at == now - Duration::millis(60)) out.erase(out.begin());
  expect_spacing(out, static_cast<double>(rate));
}

}  // namespace
}  // namespace ws::tcp
