// CoDel (RFC 8289) alone — no signal below target or with a near-empty
// queue, the first after an interval above target, the control law's
// spacing interval/sqrt(count), leaving and re-entering the dropping state
// — and as a Link's AQM: ECN-capable frames marked CE (checksum still
// valid), others dropped, the tail-drop limit still the hard bound.
#include "sim/codel.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "base/rng.hpp"
#include "sim/link.hpp"
#include "wire/ethernet.hpp"
#include "wire/ipv4.hpp"

namespace ws::sim {
namespace {

constexpr std::size_t kDeep = 100'000;  // a backlog well above one MTU

// Feeds `codel` one departure every `step` from `from` to `to` (excluded)
// with a fixed sojourn and backlog; returns the instants it signalled.
std::vector<Instant> run(Codel& codel, Instant from, Instant to, Duration step, Duration sojourn,
                         std::size_t backlog = kDeep) {
  std::vector<Instant> signals;
  for (Instant t = from; t < to; t += step) {
    if (codel.on_dequeue(t, sojourn, backlog)) signals.push_back(t);
  }
  return signals;
}

const Instant kStart = Instant::zero() + Duration::seconds(1);

TEST(Codel, NoSignalBelowTarget) {
  Codel c;
  EXPECT_TRUE(run(c, kStart, kStart + Duration::seconds(10), Duration::micros(100), Duration::micros(4999)).empty());
  EXPECT_FALSE(c.dropping());
}

TEST(Codel, NoSignalWhenAtMostOneMtuIsQueued) {
  // A slow link holds one packet longer than target: not a standing queue.
  Codel c;
  EXPECT_TRUE(
      run(c, kStart, kStart + Duration::seconds(10), Duration::millis(1), Duration::millis(50), 1514).empty());
  EXPECT_FALSE(run(c, kStart + Duration::seconds(10), kStart + Duration::seconds(11), Duration::millis(1),
                   Duration::millis(50), 1515)
                   .empty());
}

TEST(Codel, FirstSignalOnceAboveTargetForAnInterval) {
  Codel c;
  const auto s = run(c, kStart, kStart + Duration::millis(150), Duration::micros(100), Duration::millis(6));
  ASSERT_FALSE(s.empty());
  // Above target since kStart: the first departure at or after kStart + 100 ms.
  EXPECT_EQ(s.front(), kStart + Duration::millis(100));
  EXPECT_TRUE(c.dropping());
  EXPECT_EQ(c.count(), 1u);
  // A dip below target restarts the clock: the interval must pass again.
  Codel d;
  run(d, kStart, kStart + Duration::millis(90), Duration::micros(100), Duration::millis(6));
  EXPECT_FALSE(d.on_dequeue(kStart + Duration::millis(90), Duration::millis(4), kDeep));
  const auto later =
      run(d, kStart + Duration::millis(91), kStart + Duration::millis(300), Duration::micros(100), Duration::millis(6));
  ASSERT_FALSE(later.empty());
  EXPECT_EQ(later.front(), kStart + Duration::millis(191));
}

TEST(Codel, ControlLawSpacesSignalsByIntervalOverSqrtCount) {
  Codel c;
  const Duration step = Duration::micros(10);
  const auto s = run(c, kStart, kStart + Duration::seconds(3), step, Duration::millis(20));
  ASSERT_GE(s.size(), 10u);
  // Signal k+1 comes interval/sqrt(k) after signal k (k = count after the
  // k-th), to within one departure.
  for (std::size_t k = 1; k < 10; ++k) {
    const double want_ns = 100e6 / std::sqrt(static_cast<double>(k));
    const auto gap = static_cast<double>((s[k] - s[k - 1]).total_nanos());
    EXPECT_NEAR(gap, want_ns, static_cast<double>(step.total_nanos())) << "after signal " << k;
  }
  // And they keep getting closer while the queue stays.
  EXPECT_LT(s[s.size() - 1] - s[s.size() - 2], s[1] - s[0]);
  EXPECT_EQ(c.control_law(kStart, 4), kStart + Duration::millis(50));
}

TEST(Codel, LeavesTheDroppingStateBelowTargetAndResumesItsRateSoonAfter) {
  const Duration step = Duration::micros(100);
  Codel c;
  Instant t = kStart;
  run(c, t, t + Duration::seconds(1), step, Duration::millis(20));
  ASSERT_TRUE(c.dropping());
  const std::uint32_t reached = c.count();
  ASSERT_GT(reached, 5u);
  // Below target: out of the dropping state, and quiet.
  t += Duration::seconds(1);
  EXPECT_TRUE(run(c, t, t + Duration::millis(50), step, Duration::millis(1)).empty());
  EXPECT_FALSE(c.dropping());
  // Above again soon after (within 16 intervals): after an interval the
  // dropping state resumes at the rate it had reached, not from count 1.
  t += Duration::millis(50);
  const auto again = run(c, t, t + Duration::millis(101), step, Duration::millis(20));
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again.front(), t + Duration::millis(100));
  EXPECT_EQ(c.count(), reached - 1);
  // Long after (more than 16 intervals): from count 1.
  t += Duration::millis(101);
  run(c, t, t + Duration::seconds(2), step, Duration::millis(1));
  t += Duration::seconds(2);
  ASSERT_EQ(run(c, t, t + Duration::millis(101), step, Duration::millis(20)).size(), 1u);
  EXPECT_EQ(c.count(), 1u);
}

// --- as a link's AQM ------------------------------------------------------------------

// An Ethernet frame carrying a 1500-byte IPv4 datagram with ECN codepoint `cp`.
std::vector<std::uint8_t> ip_frame(std::uint8_t cp, std::uint16_t ident) {
  std::vector<std::uint8_t> f(14 + 1500, 0xab);
  EthernetHeader{MacAddress({2, 0, 0, 0, 0, 2}), MacAddress({2, 0, 0, 0, 0, 1}), 0x0800}.emit(f);
  Ipv4Header h;
  h.ecn = cp;
  h.ident = ident;
  h.protocol = 253;
  h.src = Ipv4Address(192, 0, 2, 1);
  h.dst = Ipv4Address(192, 0, 2, 2);
  h.payload_len = 1480;
  h.emit(MutBytes(f.data() + 14, 20));
  return f;
}

struct Offered {
  LinkStats stats;
  std::vector<std::uint8_t> codepoints;  // of the frames that arrived, in order
  bool checksums_ok = true;
};

// `n` full frames offered every `gap` to a 10 Mbit/s link (1.2112 ms per
// frame) with CoDel in front of a queue of `queue` bytes.
Offered offer_series(std::uint8_t cp, int n, Duration gap, std::size_t queue = 1 << 20) {
  LinkConfig c;
  c.rate_bps = 10'000'000;
  c.queue_limit_bytes = queue;
  c.aqm = Aqm::kCodel;
  Link link(LinkEnd{}, LinkEnd{}, c, LinkConfig{});
  Rng rng(1);
  Offered o;
  std::vector<Link::Arrival> out;
  for (int i = 0; i < n; ++i) {
    out.clear();
    (void)link.offer(Dir::kAtoB, Instant::zero() + gap * i,
                     Frame(ip_frame(cp, static_cast<std::uint16_t>(i))), rng, out);
    for (const auto& a : out) {
      link.arrived(Dir::kAtoB);
      auto h = Ipv4Header::parse(a.frame.bytes().subspan(14));
      if (!h) {
        o.checksums_ok = false;
        continue;
      }
      o.codepoints.push_back(h->ecn);
    }
  }
  o.stats = link.stats(Dir::kAtoB);
  return o;
}

TEST(CodelLink, NoMarksWhileTheLinkKeepsUp) {
  const Offered o = offer_series(0b10, 2000, Duration::micros(1300));
  EXPECT_EQ(o.stats.ce_marks, 0u);
  EXPECT_EQ(o.stats.aqm_drops, 0u);
  EXPECT_EQ(o.codepoints.size(), 2000u);
}

TEST(CodelLink, MarksEcnCapableFramesInsteadOfDropping) {
  // 1 ms apart onto a line that needs 1.21 ms each: a standing queue.
  for (std::uint8_t cp : {std::uint8_t{0b10}, std::uint8_t{0b01}}) {
    const Offered o = offer_series(cp, 2000, Duration::millis(1));
    EXPECT_GT(o.stats.ce_marks, 5u);
    EXPECT_EQ(o.stats.aqm_drops, 0u);
    EXPECT_EQ(o.stats.queue_drops, 0u);
    EXPECT_TRUE(o.checksums_ok) << "the header checksum follows the rewritten ECN bits";
    // Every frame arrives (some still in flight at the end), the marked ones CE.
    const auto ce = static_cast<std::uint64_t>(std::count(o.codepoints.begin(), o.codepoints.end(), 0b11));
    EXPECT_EQ(ce, o.stats.ce_marks);
    EXPECT_EQ(o.codepoints.size(), 2000u);
  }
}

TEST(CodelLink, DropsFramesThatAreNotEcnCapable) {
  const Offered o = offer_series(0b00, 2000, Duration::millis(1));
  EXPECT_GT(o.stats.aqm_drops, 5u);
  EXPECT_EQ(o.stats.ce_marks, 0u);
  EXPECT_EQ(o.codepoints.size() + o.stats.aqm_drops, 2000u);
  EXPECT_EQ(std::count(o.codepoints.begin(), o.codepoints.end(), 0b11), 0);
}

TEST(CodelLink, TailDropStaysTheHardBound) {
  // Back to back: CoDel needs 100 ms to act, a 16-frame queue fills first.
  const Offered o = offer_series(0b10, 200, Duration::zero(), 16 * 1514);
  EXPECT_EQ(o.stats.queue_drops, 200u - 17u);  // one on the line, 16 waiting
  EXPECT_EQ(o.stats.ce_marks, 0u);
}

TEST(CodelLink, MarkCeRewritesOnlyEcnCapableIpv4) {
  auto ect = ip_frame(0b10, 7);
  ASSERT_TRUE(Link::mark_ce(ect));
  auto h = Ipv4Header::parse(Bytes(ect).subspan(14));
  ASSERT_TRUE(h);
  EXPECT_EQ(h->ecn, 0b11);
  auto not_ect = ip_frame(0b00, 7);
  const auto before = not_ect;
  EXPECT_FALSE(Link::mark_ce(not_ect));
  EXPECT_EQ(not_ect, before);
  std::vector<std::uint8_t> arp(60, 0);
  arp[12] = 0x08;
  arp[13] = 0x06;
  EXPECT_FALSE(Link::mark_ce(arp));
}

}  // namespace
}  // namespace ws::sim
