#include <gtest/gtest.h>

#include "tcp/cc_factory.hpp"

namespace ws::tcp {
namespace {

TEST(CcFactory, ParsesNames) {
  EXPECT_EQ(parse_cc("reno"), CcKind::Reno);
  EXPECT_EQ(parse_cc("newreno"), CcKind::Reno);
  EXPECT_EQ(parse_cc("cubic"), CcKind::Cubic);
  EXPECT_EQ(parse_cc("CUBIC"), std::nullopt);
  EXPECT_EQ(parse_cc("bbr"), CcKind::Bbr);
  EXPECT_EQ(parse_cc("bbr2"), std::nullopt);
  EXPECT_EQ(parse_cc(""), std::nullopt);
  for (const CcKind kind : {CcKind::Reno, CcKind::Cubic, CcKind::Bbr})
    EXPECT_EQ(parse_cc(to_string(kind)), kind);
}

TEST(CcFactory, MakesTheController) {
  const auto reno = make_cc(CcKind::Reno, 1000, InitialWindow::kRfc5681);
  ASSERT_NE(reno, nullptr);
  EXPECT_EQ(reno->name(), "newreno");
  EXPECT_EQ(reno->cwnd(), 4000u);
  const auto cubic = make_cc(CcKind::Cubic, 1460, InitialWindow::kIw10);
  ASSERT_NE(cubic, nullptr);
  EXPECT_EQ(cubic->name(), "cubic");
  EXPECT_EQ(cubic->cwnd(), 14600u);
  EXPECT_EQ(to_string(CcKind::Cubic), "cubic");
  EXPECT_EQ(to_string(CcKind::Reno), "newreno");
}

}  // namespace
}  // namespace ws::tcp
