// The SACK scoreboard (RFC 6675 §4): ranges merged, SND.UNA advancing
// over them, IsLost() by ranges and by bytes, and the holes between.
#include <gtest/gtest.h>

#include "tcp/scoreboard.hpp"

namespace ws::tcp {
namespace {

TEST(SackScoreboard, MergesAndCountsOnlyNewBytes) {
  SackScoreboard sb;
  EXPECT_EQ(sb.add(SeqNum(2000), SeqNum(3000)), 1000u);
  EXPECT_EQ(sb.add(SeqNum(4000), SeqNum(5000)), 1000u);
  EXPECT_EQ(sb.add(SeqNum(2500), SeqNum(4500)), 1000u);  // fills 3000-4000 and joins both
  ASSERT_EQ(sb.ranges().size(), 1u);
  EXPECT_EQ(sb.ranges()[0].begin, SeqNum(2000));
  EXPECT_EQ(sb.ranges()[0].end, SeqNum(5000));
  EXPECT_EQ(sb.add(SeqNum(2000), SeqNum(5000)), 0u);  // nothing new
  EXPECT_EQ(sb.sacked_bytes(), 3000u);
  EXPECT_EQ(*sb.high_end(), SeqNum(5000));
}

TEST(SackScoreboard, AdvanceDropsWhatTheCumulativeAckCovers) {
  SackScoreboard sb;
  sb.add(SeqNum(2000), SeqNum(3000));
  sb.add(SeqNum(4000), SeqNum(5000));
  sb.advance(SeqNum(2500));
  ASSERT_EQ(sb.ranges().size(), 2u);
  EXPECT_EQ(sb.ranges()[0].begin, SeqNum(2500));
  sb.advance(SeqNum(4000));
  ASSERT_EQ(sb.ranges().size(), 1u);
  EXPECT_EQ(sb.sacked_bytes(), 1000u);
  sb.advance(SeqNum(6000));
  EXPECT_TRUE(sb.empty());
}

TEST(SackScoreboard, IsLostByRangesOrByBytes) {
  // RFC 6675 §4 IsLost(): DupThresh (3) discontiguous SACKed ranges above,
  // or more than (DupThresh − 1)·SMSS bytes above.
  const std::uint32_t smss = 1000;
  SackScoreboard sb;
  sb.add(SeqNum(2000), SeqNum(3000));
  sb.add(SeqNum(4000), SeqNum(5000));
  EXPECT_FALSE(sb.is_lost(SeqNum(1000), smss, 3));  // 2 ranges, 2000 bytes
  sb.add(SeqNum(6000), SeqNum(6100));
  EXPECT_TRUE(sb.is_lost(SeqNum(1000), smss, 3));   // 3 ranges
  EXPECT_FALSE(sb.is_lost(SeqNum(3000), smss, 3));  // above it: 2 ranges, 1100 bytes
  SackScoreboard bytes;
  bytes.add(SeqNum(2000), SeqNum(4001));  // one range of 2001 bytes > 2·SMSS
  EXPECT_TRUE(bytes.is_lost(SeqNum(1000), smss, 3));
}

TEST(SackScoreboard, HolesBetweenRangesUpToALimit) {
  SackScoreboard sb;
  sb.add(SeqNum(2000), SeqNum(3000));
  sb.add(SeqNum(4000), SeqNum(5000));
  auto h = sb.next_hole(SeqNum(1000), SeqNum(5000));
  ASSERT_TRUE(h);
  EXPECT_EQ(h->begin, SeqNum(1000));
  EXPECT_EQ(h->len, 1000u);
  h = sb.next_hole(SeqNum(2500), SeqNum(5000));  // starts inside a range: the next hole
  ASSERT_TRUE(h);
  EXPECT_EQ(h->begin, SeqNum(3000));
  EXPECT_EQ(h->len, 1000u);
  EXPECT_FALSE(sb.next_hole(SeqNum(4000), SeqNum(5000)));
  h = sb.next_hole(SeqNum(4000), SeqNum(7000));  // beyond the last range, to the limit
  ASSERT_TRUE(h);
  EXPECT_EQ(h->begin, SeqNum(5000));
  EXPECT_EQ(h->len, 2000u);
}

TEST(SackScoreboard, BoundedNumberOfRanges) {
  SackScoreboard sb;
  for (std::uint32_t i = 0; i < SackScoreboard::kMaxRanges + 10; ++i) {
    sb.add(SeqNum(10000 + i * 100), SeqNum(10000 + i * 100 + 50));
  }
  EXPECT_EQ(sb.ranges().size(), SackScoreboard::kMaxRanges);
  // A block joining existing ranges is still taken.
  EXPECT_EQ(sb.add(SeqNum(10050), SeqNum(10100)), 50u);
}

}  // namespace
}  // namespace ws::tcp
