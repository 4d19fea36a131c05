// Reading "fragmentation needed" (RFC 1191): the next-hop MTU, the
// plateaus for old routers (§5, §7 table 7-1), the floor of 552 bytes
// below which a sender stops setting DF, and messages that contradict
// themselves.
#include <gtest/gtest.h>

#include "ip/path_mtu.hpp"

namespace ws {
namespace {

TEST(PathMtu, NextHopMtuIsTheReport) {
  auto r = read_frag_needed(1280, 1500);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->mtu, 1280);
  EXPECT_FALSE(r->below_minimum);
  EXPECT_EQ(read_frag_needed(kMinPathMtu, 1500)->mtu, kMinPathMtu);
  EXPECT_FALSE(read_frag_needed(kMinPathMtu, 1500)->below_minimum);
}

TEST(PathMtu, AMessageWhoseDatagramFittedIsIgnored) {
  EXPECT_FALSE(read_frag_needed(1500, 1500)) << "a 1500-byte datagram fits an MTU of 1500";
  EXPECT_FALSE(read_frag_needed(9000, 1500));
  EXPECT_TRUE(read_frag_needed(1499, 1500));
}

TEST(PathMtu, BelowTheFloorIsTheFloorWithoutDf) {
  for (std::uint16_t mtu : {std::uint16_t{1}, std::uint16_t{68}, std::uint16_t{296}, std::uint16_t{551}}) {
    auto r = read_frag_needed(mtu, 1500);
    ASSERT_TRUE(r) << mtu;
    EXPECT_EQ(r->mtu, kMinPathMtu) << mtu;
    EXPECT_TRUE(r->below_minimum) << mtu;
  }
}

TEST(PathMtu, OldStyleMessagesUseThePlateauBelowTheDatagram) {
  // RFC 1191 §5: MTU field 0.
  EXPECT_EQ(read_frag_needed(0, 1500)->mtu, 1492);
  EXPECT_EQ(read_frag_needed(0, 1492)->mtu, 1006);
  EXPECT_EQ(read_frag_needed(0, 1006)->mtu, kMinPathMtu) << "508 is below the floor";
  EXPECT_TRUE(read_frag_needed(0, 1006)->below_minimum);
  EXPECT_FALSE(read_frag_needed(0, 68)) << "no plateau below 68";
}

TEST(PathMtu, Plateaus) {
  EXPECT_EQ(plateau_below(65536), 65535);
  EXPECT_EQ(plateau_below(65535), 32000);
  EXPECT_EQ(plateau_below(1493), 1492);
  EXPECT_EQ(plateau_below(69), 68);
  EXPECT_FALSE(plateau_below(68));
  EXPECT_FALSE(plateau_below(0));
}

}  // namespace
}  // namespace ws
