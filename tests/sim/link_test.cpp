// Link: delay, jitter, faults at their configured rates (fixed seeds),
// serialization at a rate with a bounded queue, MTU, and the in-flight bound.
#include "sim/link.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <vector>

#include "sim/simulation.hpp"
#include "test_nodes.hpp"

namespace ws::sim {
namespace {

using testing::at_ms;
using testing::at_us;
using testing::frame_seq;
using testing::mac;
using testing::make_frame;
using testing::TestNode;

// Two test nodes, a -> b configured by the test, b -> a perfect.
class LinkPair {
 public:
  explicit LinkPair(const LinkConfig& ab, std::uint64_t seed = 1)
      : sim(seed),
        a(sim.add_node<TestNode>("a")),
        b(sim.add_node<TestNode>("b")),
        link(sim.connect(a, 0, b, 0, ab, LinkConfig{})) {}

  // Frame i of `count` leaves a at start + i * spacing; all at once when
  // spacing is zero (one kick).
  void send_series(int count, Duration spacing, std::size_t payload = 46,
                   Instant start = Instant::zero()) {
    for (int i = 0; i < count; ++i) {
      sim.schedule(start + spacing * i, [this, i, payload] {
        a.send(0, make_frame(mac(2), mac(1), static_cast<std::uint32_t>(i), payload));
        sent_at.push_back(sim.now());
        sim.kick(a);
      });
    }
  }
  void run() { ASSERT_TRUE(sim.run_until_idle(Instant::never())); }
  const LinkStats& ab() const { return link.stats(Dir::kAtoB); }

  Simulation sim;
  TestNode& a;
  TestNode& b;
  Link& link;
  std::vector<Instant> sent_at;
};

// |observed - p*n| within 5 standard deviations of a binomial(n, p).
void expect_rate(std::uint64_t observed, int n, double p) {
  const double mean = p * n;
  const double sigma = std::sqrt(n * p * (1 - p));
  EXPECT_NEAR(static_cast<double>(observed), mean, 5 * sigma) << "p=" << p << " n=" << n;
}

TEST(LinkTiming, DelayIsExactPerDirection) {
  Simulation sim(1);
  auto& a = sim.add_node<TestNode>("a");
  auto& b = sim.add_node<TestNode>("b");
  b.echo = true;
  sim.connect(a, 0, b, 0, LinkConfig::with_delay(Duration::millis(3)),
              LinkConfig::with_delay(Duration::millis(7)));
  a.send(0, make_frame(mac(2), mac(1), 1));
  sim.kick(a);
  sim.run_until_idle(Instant::never());
  ASSERT_EQ(b.rx.size(), 1u);
  EXPECT_EQ(b.rx[0].at, at_ms(3));
  ASSERT_EQ(a.rx.size(), 1u);
  EXPECT_EQ(a.rx[0].at, at_ms(10));
}

TEST(LinkTiming, JitterIsUniformWithinBounds) {
  LinkConfig c;
  c.delay = Duration::millis(5);
  c.jitter = Duration::millis(2);
  LinkPair p(c);
  const int n = 4000;
  p.send_series(n, Duration::millis(10));  // spacing > jitter: no clamping
  p.run();
  ASSERT_EQ(p.b.rx.size(), static_cast<std::size_t>(n));
  Duration lo = Duration::max(), hi = Duration::zero();
  double sum_ms = 0;
  for (const auto& rx : p.b.rx) {
    const Duration lat = rx.at - p.sent_at[frame_seq(rx.bytes)];
    ASSERT_GE(lat, Duration::millis(5));
    ASSERT_LE(lat, Duration::millis(7));
    lo = std::min(lo, lat);
    hi = std::max(hi, lat);
    sum_ms += static_cast<double>(lat.total_nanos()) / 1e6;
  }
  EXPECT_LT(lo, Duration::millis(5) + Duration::micros(50));
  EXPECT_GT(hi, Duration::millis(7) - Duration::micros(50));
  EXPECT_NEAR(sum_ms / n, 6.0, 0.05);  // uniform on [5, 7] ms: sigma of the mean ~ 0.009
}

TEST(LinkTiming, JitterAloneNeverReorders) {
  LinkConfig c;
  c.delay = Duration::millis(5);
  c.jitter = Duration::millis(2);
  LinkPair p(c);
  const int n = 5000;
  p.send_series(n, Duration::micros(50));  // spacing << jitter
  p.run();
  ASSERT_EQ(p.b.rx.size(), static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    ASSERT_EQ(frame_seq(p.b.rx[i].bytes), static_cast<std::uint32_t>(i));
    const Duration lat = p.b.rx[i].at - p.sent_at[i];
    ASSERT_GE(lat, Duration::millis(5));
    ASSERT_LE(lat, Duration::millis(7));  // the clamp never exceeds the bound
  }
  EXPECT_EQ(p.ab().reordered, 0u);
}

TEST(LinkFaults, LossRateMatches) {
  LinkConfig c;
  c.loss = 0.1;
  LinkPair p(c, 11);
  const int n = 20000;
  p.send_series(n, Duration::micros(10));
  p.run();
  expect_rate(p.ab().lost, n, 0.1);
  EXPECT_EQ(p.ab().sent, static_cast<std::uint64_t>(n));
  EXPECT_EQ(p.ab().lost + p.b.rx.size(), static_cast<std::uint64_t>(n));
  EXPECT_EQ(p.ab().delivered, p.b.rx.size());
}

TEST(LinkFaults, DuplicateRateMatchesAndCopiesAreAdjacent) {
  LinkConfig c;
  c.duplicate = 0.05;
  c.delay = Duration::millis(1);
  LinkPair p(c, 12);
  const int n = 20000;
  p.send_series(n, Duration::micros(10));
  p.run();
  const std::uint64_t extra = p.b.rx.size() - n;
  EXPECT_EQ(extra, p.ab().duplicated);
  expect_rate(extra, n, 0.05);
  std::uint64_t adjacent_copies = 0;
  for (std::size_t i = 1; i < p.b.rx.size(); ++i) {
    if (p.b.rx[i].bytes == p.b.rx[i - 1].bytes) {
      EXPECT_EQ(p.b.rx[i].at, p.b.rx[i - 1].at);
      ++adjacent_copies;
    }
  }
  EXPECT_EQ(adjacent_copies, extra);
}

TEST(LinkFaults, ReorderRateMatchesAndHeldFramesAreOvertaken) {
  LinkConfig c;
  c.reorder = 0.1;
  c.reorder_delay = Duration::millis(1);
  c.delay = Duration::millis(2);
  LinkPair p(c, 13);
  const int n = 20000;
  p.send_series(n, Duration::micros(100));  // 10 frames sent during one reorder_delay
  p.run();
  ASSERT_EQ(p.b.rx.size(), static_cast<std::size_t>(n));
  expect_rate(p.ab().reordered, n, 0.1);
  std::uint64_t late = 0;
  std::uint32_t highest = 0;
  for (const auto& rx : p.b.rx) {
    const std::uint32_t s = frame_seq(rx.bytes);
    if (s < highest) ++late;
    highest = std::max(highest, s);
  }
  // Every held frame is overtaken, unless it was among the very last ones
  // or all ten successors were held too.
  EXPECT_LE(late, p.ab().reordered);
  EXPECT_GE(late + 3, p.ab().reordered);
}

TEST(LinkFaults, CorruptionFlipsOneBitByDefault) {
  LinkConfig c;
  c.corrupt = 0.05;
  LinkPair p(c, 14);
  const int n = 5000;
  p.send_series(n, Duration::micros(10), 100);
  p.run();
  ASSERT_EQ(p.b.rx.size(), static_cast<std::size_t>(n));
  std::uint64_t corrupted = 0;
  for (int i = 0; i < n; ++i) {
    const auto sent = make_frame(mac(2), mac(1), static_cast<std::uint32_t>(i), 100);
    const auto& got = p.b.rx[i].bytes;
    int bits = 0;
    for (std::size_t k = 0; k < got.size(); ++k) bits += std::popcount<unsigned>(got[k] ^ sent[k]);
    ASSERT_LE(bits, 1) << "frame " << i << ": one bit, which the Internet checksum always catches";
    // Never in the Ethernet header, which no checksum covers (a flipped
    // source MAC misleads a learning switch).
    for (std::size_t k = 0; k < 14; ++k) ASSERT_EQ(got[k], sent[k]) << "frame " << i << " byte " << k;
    corrupted += static_cast<std::uint64_t>(bits);
  }
  EXPECT_EQ(corrupted, p.ab().corrupted);
  expect_rate(corrupted, n, 0.05);
}

TEST(LinkFaults, CorruptionFlipsOneToThreeBitsAtTheConfiguredRate) {
  LinkConfig c;
  c.corrupt = 0.02;
  c.corrupt_max_bits = 3;
  LinkPair p(c, 14);
  const int n = 20000;
  p.send_series(n, Duration::micros(10), 100);
  p.run();
  ASSERT_EQ(p.b.rx.size(), static_cast<std::size_t>(n));
  std::uint64_t by_bits[4] = {0, 0, 0, 0};
  for (int i = 0; i < n; ++i) {
    const auto sent = make_frame(mac(2), mac(1), static_cast<std::uint32_t>(i), 100);
    const auto& got = p.b.rx[i].bytes;  // no loss or reordering: same position
    ASSERT_EQ(got.size(), sent.size());
    int bits = 0;
    for (std::size_t k = 0; k < got.size(); ++k) bits += std::popcount<unsigned>(got[k] ^ sent[k]);
    ASSERT_LE(bits, 3) << "frame " << i;
    ++by_bits[bits];
  }
  const std::uint64_t corrupted = by_bits[1] + by_bits[2] + by_bits[3];
  EXPECT_EQ(corrupted, p.ab().corrupted);
  expect_rate(corrupted, n, 0.02);
  EXPECT_GT(by_bits[1], 0u);
  EXPECT_GT(by_bits[2], 0u);
  EXPECT_GT(by_bits[3], 0u);
}

TEST(LinkFaults, ConfigChangeTakesEffectForLaterFrames) {
  LinkPair p(LinkConfig{});
  p.send_series(10, Duration::millis(1));
  LinkConfig cut;
  cut.loss = 1.0;
  p.sim.schedule(at_us(4500), [&] { p.link.set_config(Dir::kAtoB, cut); });
  p.run();
  EXPECT_EQ(p.b.rx.size(), 5u);  // frames sent at 0..4 ms
  EXPECT_EQ(p.ab().lost, 5u);
}

TEST(LinkRate, SerializationTime) {
  EXPECT_EQ(serialization_time(1500, 0), Duration::zero());
  EXPECT_EQ(serialization_time(1500, 1'000'000'000), Duration::nanos(12'000));
  EXPECT_EQ(serialization_time(125, 1'000'000), Duration::millis(1));
  EXPECT_EQ(serialization_time(1, 3), Duration::nanos(2'666'666'667));  // rounded up
  EXPECT_EQ(serialization_time(65536, 1), Duration::seconds(524'288));  // no overflow
}

TEST(LinkRate, FramesAreSerializedBackToBack) {
  LinkConfig c;
  c.rate_bps = 1'000'000;  // 125-byte frames take 1 ms each
  c.delay = Duration::millis(2);
  LinkPair p(c);
  p.send_series(5, Duration::zero(), 111);
  p.sim.run_until(Instant::zero());
  EXPECT_EQ(p.link.queued_bytes(Dir::kAtoB, p.sim.now()), 4 * 125u);  // one is on the line
  p.sim.run_until(at_us(2500));                                       // frames 0..2 have started
  EXPECT_EQ(p.link.queued_bytes(Dir::kAtoB, p.sim.now()), 2 * 125u);
  p.run();
  ASSERT_EQ(p.b.rx.size(), 5u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(p.b.rx[i].at, at_ms(3 + i)) << i;  // 1 ms serialization each + 2 ms delay
    EXPECT_EQ(frame_seq(p.b.rx[i].bytes), static_cast<std::uint32_t>(i));
  }
  EXPECT_EQ(p.link.queued_bytes(Dir::kAtoB, p.sim.now()), 0u);
}

TEST(LinkRate, QueueTailDropsWhenFull) {
  LinkConfig c;
  c.rate_bps = 1'000'000;
  c.queue_limit_bytes = 3 * 125;
  LinkPair p(c);
  p.send_series(10, Duration::zero(), 111);
  // Once the queue has drained the link accepts frames again.
  p.sim.schedule(at_ms(20), [&] {
    p.a.send(0, make_frame(mac(2), mac(1), 99, 111));
    p.sim.kick(p.a);
  });
  p.run();
  EXPECT_EQ(p.ab().queue_drops, 6u);  // 1 on the line + 3 queued accepted
  ASSERT_EQ(p.b.rx.size(), 5u);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(frame_seq(p.b.rx[i].bytes), static_cast<std::uint32_t>(i));
  EXPECT_EQ(frame_seq(p.b.rx[4].bytes), 99u);
  EXPECT_EQ(p.b.rx[4].at, at_ms(21));
}

TEST(LinkRate, SlowLinkPacesASteadyStream) {
  LinkConfig c;
  c.rate_bps = 8'000'000;  // 1000-byte frames: 1 ms each
  c.queue_limit_bytes = 10'000;
  LinkPair p(c);
  p.send_series(100, Duration::micros(500), 1000 - 14);  // offered at twice the rate
  p.run();
  // The queue holds 10 frames; the line carries one per ms while two arrive.
  EXPECT_GT(p.ab().queue_drops, 30u);
  EXPECT_EQ(p.ab().queue_drops + p.b.rx.size(), 100u);
  for (std::size_t i = 1; i < p.b.rx.size(); ++i) {
    EXPECT_GE(p.b.rx[i].at - p.b.rx[i - 1].at, Duration::millis(1));
  }
}

TEST(LinkLimits, MtuBoundsTheEthernetPayload) {
  LinkConfig c;
  c.mtu = 100;
  LinkPair p(c);
  p.a.send(0, make_frame(mac(2), mac(1), 1, 100));  // 114-byte frame: fits
  p.a.send(0, make_frame(mac(2), mac(1), 2, 101));
  p.a.send(0, std::vector<std::uint8_t>(10, 0xab));  // runt
  p.sim.kick(p.a);
  p.run();
  ASSERT_EQ(p.b.rx.size(), 1u);
  EXPECT_EQ(frame_seq(p.b.rx[0].bytes), 1u);
  EXPECT_EQ(p.ab().mtu_drops, 1u);
  EXPECT_EQ(p.ab().runt_drops, 1u);
  EXPECT_EQ(p.ab().sent, 3u);
}

TEST(LinkLimits, DefaultMtuIs1500) {
  LinkPair p(LinkConfig{});
  p.a.send(0, make_frame(mac(2), mac(1), 1, 1500));
  p.a.send(0, make_frame(mac(2), mac(1), 2, 1501));
  p.sim.kick(p.a);
  p.run();
  ASSERT_EQ(p.b.rx.size(), 1u);
  EXPECT_EQ(p.b.rx[0].bytes.size(), 1514u);
  EXPECT_EQ(p.ab().mtu_drops, 1u);
}

TEST(LinkLimits, InFlightFramesAreBounded) {
  LinkConfig c;
  c.delay = Duration::millis(1);
  c.in_flight_limit = 10;
  LinkPair p(c);
  p.send_series(20, Duration::zero());
  p.sim.run_until(Instant::zero());
  EXPECT_EQ(p.link.in_flight(Dir::kAtoB), 10u);
  p.run();
  EXPECT_EQ(p.b.rx.size(), 10u);
  EXPECT_EQ(p.ab().in_flight_drops, 10u);
  EXPECT_EQ(p.link.in_flight(Dir::kAtoB), 0u);
}

TEST(LinkStandalone, OfferReportsVerdictsAndArrivals) {
  LinkConfig c;
  c.delay = Duration::millis(1);
  c.mtu = 50;
  Link link(LinkEnd{}, LinkEnd{}, c, LinkConfig{});
  Rng rng(5);
  std::vector<Link::Arrival> out;
  EXPECT_EQ(link.offer(Dir::kAtoB, at_ms(10), Frame(make_frame(mac(2), mac(1), 1)), rng, out),
            LinkVerdict::kInFlight);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].at, at_ms(11));
  out.clear();
  EXPECT_EQ(
      link.offer(Dir::kAtoB, at_ms(10), Frame(make_frame(mac(2), mac(1), 1, 51)), rng, out),
      LinkVerdict::kMtuDrop);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(
      link.offer(Dir::kBtoA, at_ms(10), Frame(make_frame(mac(2), mac(1), 1, 51)), rng, out),
      LinkVerdict::kInFlight);  // the other direction has the default MTU
  EXPECT_EQ(out.at(0).at, at_ms(10));
  EXPECT_EQ(to_string(LinkVerdict::kQueueDrop), "queue full");
}

}  // namespace
}  // namespace ws::sim
