// Host::datagram_queued: a datagram that has not left the host yet is
// found in the ARP queue of its next hop and in the transmit queue, and
// no longer once the driver has taken it.
#include <gtest/gtest.h>

#include <algorithm>
#include <string_view>

#include "harness.hpp"

namespace ws {
namespace {

using testing::CableNet;
using testing::dump;

const Ipv4Address kA(192, 0, 2, 10);
const Ipv4Address kB(192, 0, 2, 20);
const Ipv4Address kC(192, 0, 2, 30);
constexpr std::uint8_t kProto = 253;  // RFC 3692: for experimentation

struct QueuedTest : ::testing::Test {
  QueuedTest() : a(net.add_host("a", 1)), b(net.add_host("b", 2)) {
    net.cable(a, "02:00:00:00:00:0a", b, "02:00:00:00:00:0b");
    a.add_address(net.now, 0, Ipv4Cidr(kA, 24));
    b.add_address(net.now, 0, Ipv4Cidr(kB, 24));
    net.pump();
    net.log.clear();
  }
  void send(std::string_view text) {
    const Bytes payload(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
    ASSERT_TRUE(a.send_ipv4(net.now, kA, kB, kProto, payload));
  }
  // Whether a datagram a → b whose payload starts with `text` is queued in a.
  bool queued(std::string_view text, Ipv4Address src = kA, Ipv4Address dst = kB,
              std::uint8_t proto = kProto) {
    return a.datagram_queued(src, dst, proto, [&](Bytes payload) {
      return payload.size() >= text.size() &&
             std::equal(text.begin(), text.end(), payload.begin(), [](char c, std::uint8_t byte) {
               return static_cast<std::uint8_t>(c) == byte;
             });
    });
  }
  CableNet net;
  Host& a;
  Host& b;
};

TEST_F(QueuedTest, FoundWhileWaitingForArpThenGoneOnceSent) {
  send("first");
  // b is not resolved yet: the datagram waits in the ARP queue, only the
  // request is in the transmit queue.
  ASSERT_EQ(a.pending_transmit(), 1u);
  EXPECT_TRUE(queued("first"));
  EXPECT_FALSE(queued("other")) << "the match decides";
  EXPECT_FALSE(queued("first", kC)) << "another source";
  EXPECT_FALSE(queued("first", kA, kC)) << "another destination";
  EXPECT_FALSE(queued("first", kA, kB, 254)) << "another protocol";
  net.pump();
  // The request, the reply, the datagram (and b's protocol unreachable).
  ASSERT_GE(net.log.size(), 3u) << dump(net.log);
  EXPECT_EQ(net.log[2], "a: IP 192.0.2.10 > 192.0.2.20: proto 253 length 5");
  EXPECT_FALSE(queued("first")) << "it has left";
}

TEST_F(QueuedTest, FoundInTheTransmitQueueUntilTheDriverTakesIt) {
  send("first");
  net.pump();  // b resolved
  send("second");
  ASSERT_EQ(a.pending_transmit(), 1u);
  EXPECT_TRUE(queued("second"));
  EXPECT_FALSE(queued("first"));
  net.pump();
  EXPECT_FALSE(queued("second"));
}

TEST_F(QueuedTest, OnlyAFirstFragmentIsShownToTheMatch) {
  send("first");
  net.pump();  // b resolved
  const std::vector<std::uint8_t> big(3000, 'x');
  ASSERT_TRUE(a.send_ipv4(net.now, kA, kB, kProto, big));
  ASSERT_EQ(a.pending_transmit(), 3u) << "three fragments at MTU 1500";
  int calls = 0;
  std::size_t seen = 0;
  EXPECT_FALSE(a.datagram_queued(kA, kB, kProto, [&](Bytes payload) {
    ++calls;
    seen = payload.size();
    return false;
  }));
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(seen, 1480u) << "the first fragment's part of the payload";
}

}  // namespace
}  // namespace ws
