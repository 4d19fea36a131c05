#include <gtest/gtest.h>

#include "wire/seq_num.hpp"

namespace ws {
namespace {

TEST(SeqNum, ComparisonsAreWrapAware) {
  const SeqNum near_max(0xfffffff0u);
  const SeqNum wrapped = near_max + 0x20;  // 0x10 after the wrap
  EXPECT_EQ(wrapped.raw(), 0x10u);
  EXPECT_TRUE(near_max.before(wrapped));
  EXPECT_TRUE(wrapped.after(near_max));
  EXPECT_FALSE(wrapped.before(near_max));
  EXPECT_EQ(wrapped - near_max, 0x20);
  EXPECT_EQ(near_max - wrapped, -0x20);
  EXPECT_TRUE(near_max.before_eq(near_max));
  EXPECT_TRUE(near_max.after_eq(near_max));
  EXPECT_FALSE(near_max.before(near_max));
}

TEST(SeqNum, InWindowAcrossTheWrap) {
  const SeqNum start(0xfffffff0u);
  EXPECT_TRUE(start.in_window(start, 1));
  EXPECT_FALSE(start.in_window(start, 0));
  EXPECT_TRUE(SeqNum(5).in_window(start, 0x20));
  EXPECT_FALSE(SeqNum(0x10).in_window(start, 0x20));
  EXPECT_FALSE(SeqNum(0xffffffefu).in_window(start, 0x20));
}

}  // namespace
}  // namespace ws
