// Whole hosts on the simulated network: switches, a router, faulty links,
// captures. These are the end-to-end checks of the layer below TCP.
#include <gtest/gtest.h>

#include "link/pcap.hpp"
#include "sim/topology.hpp"
#include "wire/describe.hpp"

namespace ws {
namespace {

using sim::Simulation;

std::vector<std::string> decode(const PcapWriter& w) {
  std::vector<std::string> out;
  auto recs = parse_pcap(w.memory());
  EXPECT_TRUE(recs.ok());
  if (recs) {
    for (const auto& r : *recs) out.push_back(describe_frame(r.frame));
  }
  return out;
}

std::string dump(const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) s += "  " + l + "\n";
  return s;
}

// Pings `count` times, one per second; returns the replies.
std::vector<PingReply> ping(Simulation& s, sim::HostNode& from, Ipv4Address to, int count,
                            std::size_t size = 56) {
  for (int i = 0; i < count; ++i) {
    s.schedule(s.now() + Duration::seconds(1) * i + Duration::millis(100), [&s, &from, to, i, size] {
      (void)from.host().send_ping(s.now(), to, 1, static_cast<std::uint16_t>(i + 1), size);
      s.kick(from);
    });
  }
  s.run_for(Duration::seconds(count + 3));
  return from.host().take_ping_replies();
}

TEST(SimNetwork, PingOnOneSwitch) {
  Simulation s(1);
  auto lan = sim::build_lan(s, sim::LinkConfig::with_delay(Duration::millis(1)));
  PcapWriter cap = PcapWriter::in_memory();
  s.add_capture(lan.client, 0, cap);
  auto replies = ping(s, lan.client, sim::kLanServerAddr, 3);
  ASSERT_EQ(replies.size(), 3u) << dump(decode(cap));
  // Four 1 ms links per round trip (client-sw-server and back); the first
  // also waited for ARP.
  EXPECT_EQ(replies[0].rtt, Duration::millis(8));
  EXPECT_EQ(replies[1].rtt, Duration::millis(4));
  EXPECT_EQ(replies[0].ttl, 64);
  const auto lines = decode(cap);
  EXPECT_NE(std::find(lines.begin(), lines.end(), "ARP, Request who-has 192.0.2.20 tell 192.0.2.10"), lines.end())
      << dump(lines);
  EXPECT_GE(lan.sw.stats().learned, 2u);
}

TEST(SimNetwork, PingAcrossTheRouterArpsForTheGateway) {
  Simulation s(2);
  auto net = sim::build_routed(s, sim::LinkConfig::with_delay(Duration::millis(1)));
  PcapWriter cap = PcapWriter::in_memory();
  s.add_capture(net.client, 0, cap);
  auto replies = ping(s, net.client, sim::kRoutedServerAddr, 3);
  ASSERT_EQ(replies.size(), 3u) << dump(decode(cap));
  EXPECT_EQ(replies[0].ttl, 63);
  EXPECT_EQ(replies[1].rtt, Duration::millis(8)) << "four links each way once ARP is done";
  const auto lines = decode(cap);
  EXPECT_NE(std::find(lines.begin(), lines.end(), "ARP, Request who-has 192.0.2.1 tell 192.0.2.10"), lines.end())
      << dump(lines);
  for (const auto& l : lines) {
    EXPECT_EQ(l.find("who-has 198.51.100.20"), std::string::npos) << "the client never ARPs for the far host";
  }
  EXPECT_EQ(net.router.host().stats().ip_forwarded, 6u);
}

TEST(SimNetwork, FragmentedPingAcrossTheRouter) {
  Simulation s(3);
  auto net = sim::build_routed(s, sim::LinkConfig::with_delay(Duration::millis(1)));
  auto replies = ping(s, net.client, sim::kRoutedServerAddr, 2, 5000);
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_EQ(replies[0].bytes, 5008u);
  EXPECT_EQ(net.server.host().stats().ip_fragments_sent, 8u) << "4 fragments per reply";
}

TEST(SimNetwork, LossDropsSomePingsNotAll) {
  Simulation s(7);
  sim::LinkConfig link = sim::LinkConfig::with_delay(Duration::millis(1));
  link.loss = 0.2;
  auto net = sim::build_routed(s, link);
  auto replies = ping(s, net.client, sim::kRoutedServerAddr, 20);
  EXPECT_GT(replies.size(), 0u);
  EXPECT_LT(replies.size(), 20u);
}

std::vector<std::uint8_t> capture_run(std::uint64_t seed) {
  Simulation s(seed);
  sim::LinkConfig link = sim::LinkConfig::with_delay(Duration::millis(2));
  link.jitter = Duration::millis(3);
  link.loss = 0.1;
  link.duplicate = 0.05;
  link.corrupt = 0.05;
  auto net = sim::build_routed(s, link);
  PcapWriter cap = PcapWriter::in_memory();
  s.add_capture(net.client, 0, cap);
  s.add_capture(net.server, 0, cap);
  (void)ping(s, net.client, sim::kRoutedServerAddr, 10, 2000);
  return cap.memory();
}

TEST(SimNetwork, SameSeedSameCaptureOtherSeedOtherCapture) {
  const auto a = capture_run(11);
  const auto b = capture_run(11);
  const auto c = capture_run(12);
  EXPECT_GT(a.size(), 1000u);
  EXPECT_EQ(a, b) << "a seed replays byte for byte";
  EXPECT_NE(a, c);
}

TEST(SimNetwork, CapturesDecodeInTshark) {
  // Written here, checked by tests/scripts/tshark_check.sh (see CMakeLists).
  Simulation s(5);
  auto net = sim::build_routed(s, sim::LinkConfig::with_delay(Duration::millis(1)));
  auto w = PcapWriter::open(std::string(WS_TEST_OUTPUT) + "/sim_routed.pcap");
  ASSERT_TRUE(w.ok());
  s.add_capture(net.client, 0, *w);
  s.add_capture(net.router, 1, *w);
  auto replies = ping(s, net.client, sim::kRoutedServerAddr, 3, 3000);
  EXPECT_EQ(replies.size(), 3u);
  // A TTL-expired probe and a ping to nowhere add ICMP errors to the capture.
  (void)net.client.host().send_ping(s.now(), sim::kRoutedServerAddr, 2, 1, 56, std::uint8_t{1});
  (void)net.client.host().send_ping(s.now(), Ipv4Address(203, 0, 113, 9), 2, 2);
  s.kick(net.client);
  s.run_for(Duration::seconds(1));
  EXPECT_EQ(net.client.host().take_ping_errors().size(), 2u);
}

}  // namespace
}  // namespace ws
