// Switch: learning, flooding (seed 001: broadcast or unknown destination),
// unicast forwarding, filtering, ageing, the table bound, output queue
// bounds — first driven directly, then inside a Simulation with a capture.
#include "sim/switch.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "link/pcap.hpp"
#include "sim/simulation.hpp"
#include "test_nodes.hpp"

namespace ws::sim {
namespace {

using testing::at_ms;
using testing::frame_seq;
using testing::mac;
using testing::make_frame;
using testing::TestNode;

// Hands the switch a fresh frame holding `bytes` (it may keep the frame).
void deliver(Switch& sw, Instant now, std::size_t port, const std::vector<std::uint8_t>& bytes) {
  Frame f(bytes);
  sw.deliver(now, port, f);
}

// The ports a frame was sent out of by one deliver().
std::vector<std::size_t> out_ports(Switch& sw) {
  std::vector<OutFrame> out;
  sw.drain(out);
  std::vector<std::size_t> ports;
  for (const auto& f : out) ports.push_back(f.port);
  return ports;
}

using Ports = std::vector<std::size_t>;

TEST(SwitchForwarding, UnknownUnicastIsFloodedAndTheSourceLearned) {
  Switch sw("sw", 4);
  const auto frame = make_frame(mac(2), mac(1), 1);
  deliver(sw, at_ms(0), 0, frame);
  std::vector<OutFrame> out;
  sw.drain(out);
  ASSERT_EQ(out.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(out[i].port, i + 1);   // every port but the ingress, in order
    EXPECT_EQ(out[i].frame, frame);  // unchanged
  }
  EXPECT_EQ(sw.lookup(mac(1), at_ms(0)), 0u);
  EXPECT_EQ(sw.lookup(mac(2), at_ms(0)), std::nullopt);
  EXPECT_EQ(sw.stats().unknown_flooded, 1u);
  EXPECT_EQ(sw.stats().learned, 1u);
}

TEST(SwitchForwarding, BroadcastIsFloodedEvenWhenTheSenderIsKnown) {
  Switch sw("sw", 4);
  deliver(sw, at_ms(0), 2, make_frame(mac(1), mac(3), 1));  // learn mac 3 on port 2
  out_ports(sw);
  deliver(sw, at_ms(1), 2, make_frame(MacAddress::broadcast(), mac(3), 2));
  EXPECT_EQ(out_ports(sw), (Ports{0, 1, 3}));
  EXPECT_EQ(sw.stats().flooded, 1u);
}

TEST(SwitchForwarding, MulticastIsFloodedAndAMulticastSourceIsNotLearned) {
  Switch sw("sw", 3);
  const MacAddress group({0x01, 0x00, 0x5e, 0x00, 0x00, 0x01});
  deliver(sw, at_ms(0), 1, make_frame(group, mac(1), 1));
  EXPECT_EQ(out_ports(sw), (Ports{0, 2}));
  deliver(sw, at_ms(0), 1, make_frame(mac(1), group, 2));  // bogus source
  EXPECT_EQ(sw.lookup(group, at_ms(0)), std::nullopt);
  EXPECT_TRUE(out_ports(sw).empty());  // mac 1 is on port 1: filtered
  EXPECT_EQ(sw.stats().filtered, 1u);
  EXPECT_EQ(sw.table_size(), 1u);
}

TEST(SwitchForwarding, KnownUnicastGoesOutOfExactlyOnePort) {
  Switch sw("sw", 4);
  deliver(sw, at_ms(0), 0, make_frame(mac(2), mac(1), 1));  // A -> B, flooded
  EXPECT_EQ(out_ports(sw), (Ports{1, 2, 3}));
  deliver(sw, at_ms(1), 3, make_frame(mac(1), mac(2), 2));  // B replies: A is known
  EXPECT_EQ(out_ports(sw), (Ports{0}));
  deliver(sw, at_ms(2), 0, make_frame(mac(2), mac(1), 3));  // now B is known too
  EXPECT_EQ(out_ports(sw), (Ports{3}));
  EXPECT_EQ(sw.stats().forwarded, 2u);
  EXPECT_EQ(sw.stats().unknown_flooded, 1u);
  EXPECT_EQ(sw.port_stats(3).tx_frames, 2u);
  EXPECT_EQ(sw.port_stats(3).rx_frames, 1u);
}

TEST(SwitchForwarding, NeverSendsBackOutTheIngressPort) {
  Switch sw("sw", 3);
  // Two stations behind port 0 (a hub or another switch there).
  deliver(sw, at_ms(0), 0, make_frame(MacAddress::broadcast(), mac(1), 1));
  deliver(sw, at_ms(0), 0, make_frame(MacAddress::broadcast(), mac(2), 2));
  out_ports(sw);
  deliver(sw, at_ms(1), 0, make_frame(mac(2), mac(1), 3));
  EXPECT_TRUE(out_ports(sw).empty());
  EXPECT_EQ(sw.stats().filtered, 1u);
}

TEST(SwitchForwarding, AStationThatMovesIsFollowed) {
  Switch sw("sw", 3);
  deliver(sw, at_ms(0), 0, make_frame(MacAddress::broadcast(), mac(1), 1));
  deliver(sw, at_ms(1), 2, make_frame(MacAddress::broadcast(), mac(1), 2));
  out_ports(sw);
  EXPECT_EQ(sw.lookup(mac(1), at_ms(1)), 2u);
  EXPECT_EQ(sw.stats().moved, 1u);
  deliver(sw, at_ms(2), 1, make_frame(mac(1), mac(9), 3));
  EXPECT_EQ(out_ports(sw), (Ports{2}));
}

TEST(SwitchForwarding, RuntsAreDroppedAndCounted) {
  Switch sw("sw", 2);
  const std::vector<std::uint8_t> runt(13, 0xff);
  deliver(sw, at_ms(0), 0, runt);
  EXPECT_TRUE(out_ports(sw).empty());
  EXPECT_EQ(sw.stats().runts, 1u);
  EXPECT_EQ(sw.table_size(), 0u);
}

TEST(SwitchAgeing, EntriesAreForgottenAfterTheAgeingTime) {
  Switch sw(SwitchConfig{.name = "sw", .ports = 3, .aging = Duration::seconds(10)});
  EXPECT_EQ(sw.config().aging, Duration::seconds(10));
  EXPECT_EQ(sw.poll_at(), Instant::never());
  deliver(sw, at_ms(0), 0, make_frame(MacAddress::broadcast(), mac(1), 1));
  out_ports(sw);
  EXPECT_EQ(sw.poll_at(), at_ms(10'000));
  EXPECT_EQ(sw.lookup(mac(1), at_ms(9'999)), 0u);
  EXPECT_EQ(sw.lookup(mac(1), at_ms(10'000)), std::nullopt);
  // Unicast to it at the expiry instant is unknown again: flooded.
  deliver(sw, at_ms(10'000), 1, make_frame(mac(1), mac(2), 2));
  EXPECT_EQ(out_ports(sw), (Ports{0, 2}));
  EXPECT_EQ(sw.stats().aged_out, 1u);
  EXPECT_EQ(sw.stats().unknown_flooded, 1u);
}

TEST(SwitchAgeing, TrafficRefreshesAnEntryAndPollExpiresInOrder) {
  Switch sw(SwitchConfig{.name = "sw", .ports = 3, .aging = Duration::seconds(10)});
  deliver(sw, at_ms(0), 0, make_frame(MacAddress::broadcast(), mac(1), 1));
  deliver(sw, at_ms(1000), 1, make_frame(MacAddress::broadcast(), mac(2), 2));
  deliver(sw, at_ms(5000), 0, make_frame(MacAddress::broadcast(), mac(1), 3));  // refresh
  out_ports(sw);
  EXPECT_EQ(sw.poll_at(), at_ms(11'000));  // mac 2 is now the oldest
  sw.poll(at_ms(11'000));
  EXPECT_EQ(sw.table_size(), 1u);
  EXPECT_EQ(sw.lookup(mac(1), at_ms(11'000)), 0u);
  EXPECT_EQ(sw.poll_at(), at_ms(15'000));
  sw.poll(at_ms(15'000));
  EXPECT_EQ(sw.table_size(), 0u);
  EXPECT_EQ(sw.poll_at(), Instant::never());
  EXPECT_EQ(sw.stats().aged_out, 2u);
}

TEST(SwitchTable, IsBoundedAndEvictsTheLeastRecentlySeen) {
  Switch sw(SwitchConfig{.name = "sw", .ports = 8, .table_limit = 4});
  for (std::uint8_t i = 1; i <= 6; ++i) {
    deliver(sw, at_ms(i), i % 8, make_frame(MacAddress::broadcast(), mac(i), i));
  }
  out_ports(sw);
  EXPECT_EQ(sw.table_size(), 4u);
  EXPECT_EQ(sw.stats().evicted, 2u);
  EXPECT_EQ(sw.stats().learned, 6u);
  EXPECT_EQ(sw.lookup(mac(1), at_ms(6)), std::nullopt);
  EXPECT_EQ(sw.lookup(mac(2), at_ms(6)), std::nullopt);
  EXPECT_EQ(sw.lookup(mac(6), at_ms(6)), 6u);
  // An evicted station is unknown again: frames to it are flooded.
  deliver(sw, at_ms(7), 6, make_frame(mac(1), mac(6), 7));
  EXPECT_EQ(out_ports(sw).size(), 7u);
}

TEST(SwitchTable, OutputQueuesAreBoundedPerPort) {
  Switch sw(SwitchConfig{.name = "sw", .ports = 3, .port_queue_limit = 3});
  for (std::uint32_t i = 0; i < 5; ++i) {
    deliver(sw, at_ms(0), 0, make_frame(MacAddress::broadcast(), mac(1), i));
  }
  auto ports = out_ports(sw);
  EXPECT_EQ(std::count(ports.begin(), ports.end(), 1u), 3);
  EXPECT_EQ(std::count(ports.begin(), ports.end(), 2u), 3);
  EXPECT_EQ(sw.port_stats(1).queue_drops, 2u);
  EXPECT_EQ(sw.port_stats(2).queue_drops, 2u);
  // Draining empties the queues.
  deliver(sw, at_ms(1), 0, make_frame(MacAddress::broadcast(), mac(1), 9));
  EXPECT_EQ(out_ports(sw), (Ports{1, 2}));
}

// Three hosts on one switch, as in seed 001: A talks to B; C sees only the
// first (flooded) frame.
class SwitchedLan : public ::testing::Test {
 protected:
  SwitchedLan()
      : sim(3),
        sw(sim.add_node<Switch>(
            SwitchConfig{.name = "sw", .ports = 4, .aging = Duration::seconds(60)})),
        a(sim.add_node<TestNode>("a")),
        b(sim.add_node<TestNode>("b")),
        c(sim.add_node<TestNode>("c")) {
    const LinkConfig cable = LinkConfig::with_delay(Duration::micros(100));
    sim.connect(a, 0, sw, 0, cable);
    sim.connect(b, 0, sw, 1, cable);
    sim.connect(c, 0, sw, 2, cable);
  }
  void send_at(Instant t, TestNode& from, MacAddress dst, MacAddress src, std::uint32_t seq) {
    sim.schedule(t, [this, &from, dst, src, seq] {
      from.send(0, make_frame(dst, src, seq));
      sim.kick(from);
    });
  }

  Simulation sim;
  Switch& sw;
  TestNode& a;
  TestNode& b;
  TestNode& c;
};

TEST_F(SwitchedLan, OnlyTheFirstFrameIsFloodedAndCaptured) {
  PcapWriter port_c = PcapWriter::in_memory();
  PcapWriter port_a = PcapWriter::in_memory();
  sim.add_capture(sw, 2, port_c);
  sim.add_capture(sw, 0, port_a);
  send_at(at_ms(1), a, mac(2), mac(1), 1);  // B unknown: flooded
  send_at(at_ms(2), b, mac(1), mac(2), 2);  // A known: port 0 only
  send_at(at_ms(3), a, mac(2), mac(1), 3);  // B known: port 1 only
  sim.run_until(at_ms(10));
  ASSERT_EQ(b.rx.size(), 2u);
  ASSERT_EQ(a.rx.size(), 1u);
  ASSERT_EQ(c.rx.size(), 1u);
  EXPECT_EQ(frame_seq(c.rx[0].bytes), 1u);
  EXPECT_EQ(b.rx[0].at, at_ms(1) + Duration::micros(200));  // two cables, no switch delay
  // Port 3 has no cable: the flood's copy for it is dropped by the simulator.
  EXPECT_EQ(sim.stats().unconnected_drops, 1u);

  auto cap_c = parse_pcap(port_c.memory());
  ASSERT_TRUE(cap_c.ok());
  ASSERT_EQ(cap_c->size(), 1u);  // the switch sent one frame out of port 2
  EXPECT_EQ((*cap_c)[0].at, at_ms(1) + Duration::micros(100));
  EXPECT_EQ((*cap_c)[0].frame, make_frame(mac(2), mac(1), 1));

  auto cap_a = parse_pcap(port_a.memory());
  ASSERT_TRUE(cap_a.ok());
  ASSERT_EQ(cap_a->size(), 3u);  // received 1 and 3 from A, sent 2 to A
  EXPECT_EQ(frame_seq((*cap_a)[0].frame), 1u);
  EXPECT_EQ(frame_seq((*cap_a)[1].frame), 2u);
  EXPECT_EQ(frame_seq((*cap_a)[2].frame), 3u);
  EXPECT_EQ((*cap_a)[1].at, at_ms(2) + Duration::micros(100));
}

TEST_F(SwitchedLan, EntriesAgeOutInVirtualTimeAndFloodingResumes) {
  send_at(at_ms(0), a, mac(2), mac(1), 1);
  send_at(at_ms(1), b, mac(1), mac(2), 2);
  sim.run_until(at_ms(10));
  EXPECT_EQ(sw.table_size(), 2u);
  // Nothing else happens: the switch's ageing wake-ups are the last events.
  EXPECT_TRUE(sim.run_until_idle(Instant::never()));
  EXPECT_EQ(sw.table_size(), 0u);
  EXPECT_EQ(sw.stats().aged_out, 2u);
  EXPECT_EQ(sim.now(), at_ms(1) + Duration::micros(100) + Duration::seconds(60));
  const std::size_t c_before = c.rx.size();
  send_at(sim.now() + Duration::seconds(1), a, mac(2), mac(1), 3);  // B forgotten: flood
  sim.run_until_idle(Instant::never());
  EXPECT_EQ(c.rx.size(), c_before + 1);
}

}  // namespace
}  // namespace ws::sim
