// Determinism (docs/principles.md "Time is a value"): the same seed replays a faulty
// network byte for byte — compared as in-memory pcap files — and another
// seed gives a different run.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "link/pcap.hpp"
#include "sim/simulation.hpp"
#include "sim/switch.hpp"
#include "test_nodes.hpp"

namespace ws::sim {
namespace {

using testing::mac;
using testing::make_frame;
using testing::TestNode;

struct Captures {
  std::vector<std::uint8_t> switch_port;
  std::vector<std::uint8_t> host_b;
  std::uint64_t events = 0;
  LinkStats faults;  // summed over both links, both directions
};

// Two hosts behind a switch; every fault is on; B echoes what it gets.
Captures run_lan(std::uint64_t seed) {
  Simulation sim(seed);
  auto& sw = sim.add_node<Switch>("sw", 2);
  auto& a = sim.add_node<TestNode>("a");
  auto& b = sim.add_node<TestNode>("b");
  b.echo = true;
  LinkConfig faulty;
  faulty.delay = Duration::millis(2);
  faulty.jitter = Duration::micros(700);
  faulty.loss = 0.05;
  faulty.duplicate = 0.03;
  faulty.reorder = 0.05;
  faulty.corrupt = 0.03;
  faulty.rate_bps = 10'000'000;
  faulty.queue_limit_bytes = 4000;
  sim.connect(a, 0, sw, 0, faulty);
  sim.connect(b, 0, sw, 1, faulty);

  PcapWriter at_switch = PcapWriter::in_memory();
  PcapWriter at_b = PcapWriter::in_memory();
  sim.add_capture(sw, 0, at_switch);
  sim.add_capture(b, 0, at_b);
  for (std::uint32_t i = 0; i < 400; ++i) {
    // Bursts of four: enough to fill the rate-limited queue now and then.
    sim.schedule(Instant::zero() + Duration::micros(250) * (i / 4 * 4), [&, i] {
      a.send(0, make_frame(mac(2), mac(1), i, 60 + (i * 37) % 1400));
      sim.kick(a);
    });
  }
  EXPECT_TRUE(sim.run_until_idle(Instant::zero() + Duration::seconds(1000)));
  Captures c{at_switch.memory(), at_b.memory(), sim.stats().events, {}};
  for (std::size_t i = 0; i < sim.link_count(); ++i) {
    for (Dir d : {Dir::kAtoB, Dir::kBtoA}) {
      const LinkStats& s = sim.link(i).stats(d);
      c.faults.lost += s.lost;
      c.faults.duplicated += s.duplicated;
      c.faults.reordered += s.reordered;
      c.faults.corrupted += s.corrupted;
      c.faults.queue_drops += s.queue_drops;
    }
  }
  return c;
}

TEST(Determinism, SameSeedGivesIdenticalCaptures) {
  const Captures first = run_lan(42);
  const Captures second = run_lan(42);
  ASSERT_GT(first.switch_port.size(), 24u + 400 * 16);  // more than headers: frames were recorded
  EXPECT_EQ(first.switch_port, second.switch_port);
  EXPECT_EQ(first.host_b, second.host_b);
  EXPECT_EQ(first.events, second.events);
  // Every kind of fault happened, so the replay covered all random draws.
  EXPECT_GT(first.faults.lost, 0u);
  EXPECT_GT(first.faults.duplicated, 0u);
  EXPECT_GT(first.faults.reordered, 0u);
  EXPECT_GT(first.faults.corrupted, 0u);
  EXPECT_GT(first.faults.queue_drops, 0u);
}

TEST(Determinism, AnotherSeedGivesADifferentCapture) {
  const Captures first = run_lan(42);
  const Captures other = run_lan(43);
  EXPECT_NE(first.switch_port, other.switch_port);
  EXPECT_NE(first.host_b, other.host_b);
}

TEST(Determinism, CapturesHoldWhatWasOnTheWire) {
  // Received frames are recorded after corruption: B's capture of what it
  // received matches, byte for byte, what B's node was given.
  Simulation sim(9);
  auto& a = sim.add_node<TestNode>("a");
  auto& b = sim.add_node<TestNode>("b");
  LinkConfig c;
  c.corrupt = 0.5;
  sim.connect(a, 0, b, 0, c);
  PcapWriter sent = PcapWriter::in_memory();
  PcapWriter received = PcapWriter::in_memory();
  sim.add_capture(a, 0, sent, CaptureDir::kSent);
  sim.add_capture(b, 0, received, CaptureDir::kReceived);
  for (std::uint32_t i = 0; i < 50; ++i) a.send(0, make_frame(mac(2), mac(1), i));
  sim.kick(a);
  sim.run_until_idle(Instant::never());
  auto s = parse_pcap(sent.memory());
  auto r = parse_pcap(received.memory());
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(s->size(), 50u);
  ASSERT_EQ(r->size(), 50u);
  int differing = 0;
  for (std::size_t i = 0; i < 50; ++i) {
    EXPECT_EQ((*s)[i].frame, make_frame(mac(2), mac(1), static_cast<std::uint32_t>(i)));
    EXPECT_EQ((*r)[i].frame, b.rx[i].bytes);
    differing += (*r)[i].frame != (*s)[i].frame;
  }
  EXPECT_EQ(static_cast<std::uint64_t>(differing), sim.link_at(a, 0)->stats(Dir::kAtoB).corrupted);
  EXPECT_GT(differing, 10);
}

}  // namespace
}  // namespace ws::sim
