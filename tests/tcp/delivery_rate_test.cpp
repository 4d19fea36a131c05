// Delivery-rate estimation (tcp/delivery_rate.hpp, after
// draft-cheng-iccrg-delivery-rate-estimation): a sample is the data
// delivered since the newest delivered segment left, over the longer of
// its send and ACK intervals; application-limited marking; samples shorter
// than the minimum RTT carry no rate.
#include <gtest/gtest.h>

#include "tcp/delivery_rate.hpp"

namespace ws::tcp {
namespace {

const Instant t0 = Instant::zero() + Duration::seconds(1);

TEST(DeliveryRateTest, AFlightSentAtOnceIsMeasuredByItsAckInterval) {
  DeliveryRate r;
  std::vector<DeliverySnapshot> snaps;
  for (int i = 0; i < 10; ++i) snaps.push_back(r.on_send(t0, /*idle=*/i == 0));
  r.begin_ack();
  for (int i = 0; i < 10; ++i) r.on_delivered(snaps[i], t0, static_cast<std::uint64_t>(i + 1), 1000, t0 + Duration::millis(100));
  const auto s = r.end_ack(Duration::millis(100));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->delivered, 10'000u);
  EXPECT_EQ(s->prior_delivered, 0u);
  EXPECT_EQ(s->interval, Duration::millis(100));
  EXPECT_EQ(s->rate(), 100'000u);
  EXPECT_EQ(r.delivered(), 10'000u);
}

TEST(DeliveryRateTest, TheSendIntervalBoundsTheRateWhenAcksComeCompressed) {
  DeliveryRate r;
  // Segment A at t0, B 50 ms later; both ACKed at once at t0 + 150 ms.
  const auto a = r.on_send(t0, true);
  r.begin_ack();
  r.on_delivered(a, t0, 1, 1000, t0 + Duration::millis(100));
  (void)r.end_ack(Duration{});
  const auto b = r.on_send(t0 + Duration::millis(50), false);
  const auto c = r.on_send(t0 + Duration::millis(200), false);
  r.begin_ack();
  r.on_delivered(b, t0 + Duration::millis(50), 2, 1000, t0 + Duration::millis(210));
  r.on_delivered(c, t0 + Duration::millis(200), 3, 1000, t0 + Duration::millis(210));
  const auto s = r.end_ack(Duration{});
  ASSERT_TRUE(s);
  // The newest, c: sent 200 ms after... its snapshot: delivered 1000 at
  // t0+100 ms, first_sent_time t0 (A's send): send interval 200 ms, ACK
  // interval 110 ms; 2000 bytes over 200 ms.
  EXPECT_EQ(s->prior_delivered, 1000u);
  EXPECT_EQ(s->delivered, 2000u);
  EXPECT_EQ(s->interval, Duration::millis(200));
  EXPECT_EQ(s->rate(), 10'000u);
}

TEST(DeliveryRateTest, ApplicationLimitedUntilTheDataSentMeanwhileIsDelivered) {
  DeliveryRate r;
  const auto a = r.on_send(t0, true);
  EXPECT_FALSE(a.app_limited);
  r.mark_app_limited(/*pipe=*/1000);  // nothing more to send: 1000 bytes in flight
  EXPECT_TRUE(r.app_limited());
  const auto b = r.on_send(t0 + Duration::millis(10), false);
  EXPECT_TRUE(b.app_limited);
  r.begin_ack();
  r.on_delivered(a, t0, 1, 1000, t0 + Duration::millis(100));
  auto s = r.end_ack(Duration{});
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->app_limited);  // A left before the mark
  EXPECT_TRUE(r.app_limited());  // delivered 1000 = the mark: not past it yet
  r.begin_ack();
  r.on_delivered(b, t0 + Duration::millis(10), 2, 1000, t0 + Duration::millis(110));
  s = r.end_ack(Duration{});
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->app_limited);
  EXPECT_FALSE(r.app_limited());  // past the mark: over
}

TEST(DeliveryRateTest, AnIntervalShorterThanTheMinimumRttGivesNoRate) {
  DeliveryRate r;
  const auto a = r.on_send(t0, true);
  r.begin_ack();
  r.on_delivered(a, t0, 1, 1000, t0 + Duration::millis(40));
  const auto s = r.end_ack(Duration::millis(50));
  ASSERT_TRUE(s);  // the round-trip bookkeeping still gets it
  EXPECT_EQ(s->interval, Duration{});
  EXPECT_EQ(s->rate(), 0u);
  r.begin_ack();
  EXPECT_FALSE(r.end_ack(Duration{}));  // an ACK that delivered nothing
}

}  // namespace
}  // namespace ws::tcp
