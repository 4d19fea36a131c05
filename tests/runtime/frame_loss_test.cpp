// The real wire's drop filter (runtime/frame_loss.hpp): seeded, each
// direction on its own, at the rate asked for. No privileges needed.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "runtime/frame_loss.hpp"

namespace ws::runtime {
namespace {

std::vector<bool> inbound(FrameLoss& f, int n) {
  std::vector<bool> v;
  for (int i = 0; i < n; ++i) v.push_back(f.drop_inbound());
  return v;
}

TEST(FrameLoss, SameSeedSameDrops) {
  FrameLoss a(0.05, 7), b(0.05, 7), c(0.05, 8);
  const auto da = inbound(a, 10000), db = inbound(b, 10000), dc = inbound(c, 10000);
  EXPECT_EQ(da, db);
  EXPECT_NE(da, dc);
}

TEST(FrameLoss, DirectionsAreIndependentOfTheirInterleaving) {
  // The n-th inbound frame meets the same fate whether or not outbound
  // frames came between (real time interleaves them differently each run).
  FrameLoss quiet(0.1, 3), busy(0.1, 3);
  std::vector<bool> q, b;
  for (int i = 0; i < 5000; ++i) {
    q.push_back(quiet.drop_inbound());
    for (int k = 0; k < i % 3; ++k) (void)busy.drop_outbound();
    b.push_back(busy.drop_inbound());
  }
  EXPECT_EQ(q, b);
  // And the two directions do not drop the same frames.
  FrameLoss f(0.5, 3);
  std::vector<bool> in, out;
  for (int i = 0; i < 1000; ++i) {
    in.push_back(f.drop_inbound());
    out.push_back(f.drop_outbound());
  }
  EXPECT_NE(in, out);
}

TEST(FrameLoss, RateWithinBoundsOver100000Frames) {
  for (double p : {0.001, 0.02, 0.3}) {
    FrameLoss f(p, 1);
    constexpr int kFrames = 100000;
    for (int i = 0; i < kFrames; ++i) {
      (void)f.drop_inbound();
      (void)f.drop_outbound();
    }
    const FrameLossStats& s = f.stats();
    EXPECT_EQ(s.in_seen, static_cast<std::uint64_t>(kFrames));
    EXPECT_EQ(s.out_seen, static_cast<std::uint64_t>(kFrames));
    // Binomial: five standard deviations either side.
    const double sd = std::sqrt(kFrames * p * (1 - p));
    for (std::uint64_t dropped : {s.in_dropped, s.out_dropped}) {
      EXPECT_NEAR(static_cast<double>(dropped), kFrames * p, 5 * sd) << "p=" << p;
    }
  }
}

TEST(FrameLoss, ZeroDropsNothing) {
  FrameLoss f(0, 1);
  for (int i = 0; i < 1000; ++i) {
    EXPECT_FALSE(f.drop_inbound());
    EXPECT_FALSE(f.drop_outbound());
  }
  EXPECT_EQ(f.stats().in_dropped + f.stats().out_dropped, 0u);
}

TEST(FrameLoss, RateIsValidated) {
  EXPECT_FALSE(FrameLoss::check_rate(0).has_value());
  EXPECT_FALSE(FrameLoss::check_rate(0.999).has_value());
  for (double bad : {-0.1, 1.0, 2.0, std::nan("")}) {
    ASSERT_TRUE(FrameLoss::check_rate(bad).has_value()) << bad;
    EXPECT_NE(FrameLoss::check_rate(bad)->find("0 <= P < 1"), std::string::npos);
    EXPECT_THROW(FrameLoss(bad, 1), std::invalid_argument);
  }
}

TEST(FrameLoss, SummaryCountsBothDirections) {
  FrameLoss f(0.5, 2);
  for (int i = 0; i < 100; ++i) (void)f.drop_inbound();
  for (int i = 0; i < 50; ++i) (void)f.drop_outbound();
  const std::string s = f.summary();
  EXPECT_NE(s.find(fmt::format("dropped {} of 100 frames from the TAP", f.stats().in_dropped)), std::string::npos) << s;
  EXPECT_NE(s.find(fmt::format("{} of 50 to it", f.stats().out_dropped)), std::string::npos) << s;
}

}  // namespace
}  // namespace ws::runtime
