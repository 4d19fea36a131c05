// Simulation: the event queue, the virtual clock, node wake-ups, kick,
// and topology errors.
#include "sim/simulation.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "test_nodes.hpp"

namespace ws::sim {
namespace {

using testing::at_ms;
using testing::mac;
using testing::make_frame;
using testing::TestNode;

TEST(SimulationClock, StartsAtZeroAndIsIdle) {
  Simulation sim(1);
  EXPECT_EQ(sim.now(), Instant::zero());
  EXPECT_EQ(sim.next_event_at(), Instant::never());
  EXPECT_FALSE(sim.step());
  EXPECT_TRUE(sim.run_until_idle(Instant::never()));
  EXPECT_EQ(sim.now(), Instant::zero());
}

TEST(SimulationClock, EventsRunInTimeOrderWithFifoTies) {
  Simulation sim(1);
  std::vector<std::string> log;
  auto note = [&](std::string what) {
    return [&log, &sim, what] {
      log.push_back(what + "@" + std::to_string(sim.now().nanos() / 1'000'000));
    };
  };
  sim.schedule(at_ms(3), note("c"));
  sim.schedule(at_ms(1), note("a1"));
  sim.schedule(at_ms(2), note("b"));
  sim.schedule(at_ms(1), note("a2"));
  sim.schedule(at_ms(1), note("a3"));
  sim.run_until(at_ms(10));
  EXPECT_EQ(log, (std::vector<std::string>{"a1@1", "a2@1", "a3@1", "b@2", "c@3"}));
  EXPECT_EQ(sim.now(), at_ms(10));
  EXPECT_EQ(sim.stats().events, 5u);
}

TEST(SimulationClock, ManyTiesRunInInsertionOrder) {
  // A heap is not stable by itself: with thousands of events on a few
  // instants, only the insertion sequence keeps ties in order.
  Simulation sim(1);
  Rng pick(99);
  struct Ran {
    Instant at;
    int id;
  };
  std::vector<Ran> expected, ran;
  for (int id = 0; id < 3000; ++id) {
    const Instant t = at_ms(static_cast<std::int64_t>(pick.below(8)));
    expected.push_back(Ran{t, id});
    sim.schedule(t, [&ran, &sim, id] { ran.push_back(Ran{sim.now(), id}); });
  }
  std::stable_sort(expected.begin(), expected.end(),
                   [](const Ran& x, const Ran& y) { return x.at < y.at; });
  sim.run_until_idle(Instant::never());
  ASSERT_EQ(ran.size(), expected.size());
  for (std::size_t i = 0; i < ran.size(); ++i) {
    ASSERT_EQ(ran[i].id, expected[i].id) << "position " << i;
    ASSERT_EQ(ran[i].at, expected[i].at);
  }
}

TEST(SimulationClock, EventsScheduledForNowOrThePastRunAfterQueuedOnes) {
  Simulation sim(1);
  std::vector<std::string> log;
  sim.schedule(at_ms(5), [&] {
    log.push_back("first");
    sim.schedule(at_ms(5),
                 [&] { log.push_back("same-instant@" + std::to_string(sim.now().nanos())); });
    sim.schedule(at_ms(1), [&] { log.push_back("past@" + std::to_string(sim.now().nanos())); });
  });
  sim.schedule(at_ms(5), [&] { log.push_back("second"); });
  sim.run_until_idle(Instant::never());
  EXPECT_EQ(log,
            (std::vector<std::string>{"first", "second", "same-instant@5000000", "past@5000000"}));
  EXPECT_EQ(sim.now(), at_ms(5));  // the clock never ran backwards
}

TEST(SimulationClock, RunUntilStopsAtTheBoundAndKeepsLaterEvents) {
  Simulation sim(1);
  int ran = 0;
  sim.schedule(at_ms(5000), [&] { ++ran; });
  sim.run_until(at_ms(2000));
  EXPECT_EQ(ran, 0);
  EXPECT_EQ(sim.now(), at_ms(2000));
  EXPECT_EQ(sim.pending_events(), 1u);
  EXPECT_EQ(sim.next_event_at(), at_ms(5000));
  sim.run_for(Duration::millis(2999));
  EXPECT_EQ(ran, 0);
  sim.run_for(Duration::millis(1));  // an event exactly at the bound runs
  EXPECT_EQ(ran, 1);
  EXPECT_EQ(sim.now(), at_ms(5000));
}

TEST(SimulationClock, RunUntilNeverRunsEverythingAndKeepsTheClock) {
  Simulation sim(1);
  sim.run_until(Instant::never());  // nothing to run
  EXPECT_EQ(sim.now(), Instant::zero());
  int ran = 0;
  sim.schedule(at_ms(3), [&] { ++ran; });
  sim.run_until(Instant::never());
  EXPECT_EQ(ran, 1);
  EXPECT_EQ(sim.now(), at_ms(3));
}

TEST(SimulationClock, StepRunsExactlyOneEvent) {
  Simulation sim(1);
  int ran = 0;
  sim.schedule(at_ms(1), [&] { ++ran; });
  sim.schedule(at_ms(1), [&] { ++ran; });
  EXPECT_TRUE(sim.step());
  EXPECT_EQ(ran, 1);
  EXPECT_EQ(sim.now(), at_ms(1));
  EXPECT_TRUE(sim.step());
  EXPECT_EQ(ran, 2);
  EXPECT_FALSE(sim.step());
}

TEST(SimulationClock, RunningFromInsideAnEventIsRefused) {
  Simulation sim(1);
  bool threw = false;
  sim.schedule(at_ms(1), [&] {
    try {
      sim.run_for(Duration::millis(1));
    } catch (const std::logic_error&) {
      threw = true;
    }
  });
  sim.schedule(at_ms(5), [] {});
  sim.run_until(at_ms(2));
  EXPECT_TRUE(threw);
  EXPECT_EQ(sim.pending_events(), 1u);                // the 5 ms event did not run early
  EXPECT_TRUE(sim.run_until_idle(Instant::never()));  // the guard was released
}

TEST(SimulationClock, RunUntilIdleReportsWhetherItWentIdle) {
  Simulation sim(1);
  sim.schedule(at_ms(10), [] {});
  sim.schedule(at_ms(50), [] {});
  EXPECT_FALSE(sim.run_until_idle(at_ms(20)));
  EXPECT_EQ(sim.now(), at_ms(20));
  EXPECT_TRUE(sim.run_until_idle(at_ms(100)));
  EXPECT_EQ(sim.now(), at_ms(50));  // the last event, not the limit
}

TEST(SimulationNodes, WakeupsFollowPollAt) {
  Simulation sim(1);
  auto& n = sim.add_node<TestNode>("n");
  n.timers = {at_ms(3000), at_ms(1000)};
  sim.kick(n);
  EXPECT_TRUE(sim.run_until_idle(Instant::never()));
  EXPECT_EQ(n.polls, (std::vector<Instant>{at_ms(1000), at_ms(3000)}));
  EXPECT_EQ(sim.now(), at_ms(3000));
}

TEST(SimulationNodes, AddNodeArmsItsFirstWakeup) {
  Simulation sim(1);
  auto owned = std::make_unique<TestNode>("n");
  owned->timers = {at_ms(7)};
  Node& n = sim.add_node(std::move(owned));
  EXPECT_EQ(sim.next_event_at(), at_ms(7));
  EXPECT_EQ(sim.find_node("n"), &n);
  EXPECT_EQ(sim.find_node("nope"), nullptr);
  EXPECT_EQ(sim.node_count(), 1u);
}

TEST(SimulationNodes, SupersededWakeupsAreIgnored) {
  Simulation sim(1);
  auto& n = sim.add_node<TestNode>("n");
  n.timers = {at_ms(5000)};
  sim.kick(n);
  // Pull the deadline earlier: the 5 s wake-up becomes stale.
  sim.schedule(at_ms(1000), [&] {
    n.timers = {at_ms(2000)};
    sim.kick(n);
  });
  // Push it later: the pending 3 s wake-up fires early, re-arms, no poll.
  sim.schedule(at_ms(2500), [&] {
    n.timers = {at_ms(3000)};
    sim.kick(n);
  });
  sim.schedule(at_ms(2600), [&] {
    n.timers = {at_ms(10000)};
    sim.kick(n);
  });
  EXPECT_TRUE(sim.run_until_idle(Instant::never()));
  EXPECT_EQ(n.polls, (std::vector<Instant>{at_ms(2000), at_ms(10000)}));
  EXPECT_EQ(sim.stats().early_wakeups, 1u);
  EXPECT_GE(sim.stats().stale_wakeups, 1u);
}

TEST(SimulationNodes, RepeatedKicksNeverQueueDuplicateWakeups) {
  Simulation sim(1);
  auto& n = sim.add_node<TestNode>("n");
  n.timers = {at_ms(100'000)};
  for (int i = 0; i < 10'000; ++i) sim.kick(n);
  EXPECT_EQ(sim.pending_events(), 1u);
  // A deadline pulled earlier on every kick: each earlier wake-up
  // supersedes the previous one, and the heap is compacted.
  for (int i = 0; i < 10'000; ++i) {
    n.timers = {at_ms(100'000) - Duration::nanos(i + 1)};
    sim.kick(n);
  }
  EXPECT_EQ(sim.pending_events(), 1u);
  EXPECT_GE(sim.stats().compactions, 1u);
  EXPECT_TRUE(sim.run_until_idle(Instant::never()));
  EXPECT_EQ(n.polls.size(), 1u);
  EXPECT_EQ(sim.stats().polls, 1u);
}

TEST(SimulationNodes, IdleNodeCancelsItsWakeup) {
  Simulation sim(1);
  auto& n = sim.add_node<TestNode>("n");
  n.timers = {at_ms(5000)};
  sim.kick(n);
  n.timers.clear();
  sim.kick(n);
  EXPECT_EQ(sim.pending_events(), 0u);
  EXPECT_TRUE(sim.run_until_idle(Instant::never()));
  EXPECT_EQ(sim.now(), Instant::zero());
  EXPECT_TRUE(n.polls.empty());
}

// poll_at() that never advances: the simulator must not livelock.
class StuckNode : public TestNode {
 public:
  using TestNode::TestNode;
  Instant poll_at() const override { return Instant::zero(); }
};

TEST(SimulationNodes, NodeThatStaysDueIsThrottledNotLivelocked) {
  Simulation sim(1);
  std::vector<std::string> warnings;
  sim.logger().set_sink([&](LogLevel, std::string_view m) { warnings.emplace_back(m); });
  auto& n = sim.add_node<StuckNode>("stuck");
  sim.run_until(Instant::zero() + Duration::nanos(2));
  EXPECT_EQ(sim.stats().stuck_polls, 3u);  // at 0, 1 and 2 ns
  ASSERT_EQ(warnings.size(), 3u);
  EXPECT_NE(warnings[0].find("stuck: still due"), std::string::npos);
  EXPECT_EQ(n.polls.size(), 3 * Simulation::kMaxPollsPerInstant);
}

TEST(SimulationNodes, KickSendsFramesAcrossALink) {
  Simulation sim(1);
  auto& a = sim.add_node<TestNode>("a");
  auto& b = sim.add_node<TestNode>("b");
  b.echo = true;
  sim.connect(a, 0, b, 0, LinkConfig::with_delay(Duration::millis(10)));
  sim.schedule(at_ms(1000), [&] {
    a.send(0, make_frame(mac(2), mac(1), 7));
    sim.kick(a);
  });
  sim.run_until_idle(Instant::never());
  ASSERT_EQ(b.rx.size(), 1u);
  EXPECT_EQ(b.rx[0].at, at_ms(1010));
  EXPECT_EQ(b.rx[0].bytes, make_frame(mac(2), mac(1), 7));
  ASSERT_EQ(a.rx.size(), 1u);
  EXPECT_EQ(a.rx[0].at, at_ms(1020));  // echoed straight back, no kick needed
  EXPECT_EQ(a.rx[0].bytes, make_frame(mac(1), mac(2), 7));
  EXPECT_EQ(sim.stats().deliveries, 2u);
}

TEST(SimulationNodes, FramesForUnconnectedPortsAreDroppedAndCounted) {
  Simulation sim(1);
  auto& a = sim.add_node<TestNode>("a", 2);
  auto& b = sim.add_node<TestNode>("b");
  sim.connect(a, 0, b, 0);
  a.send(1, make_frame(mac(2), mac(1), 1));  // port exists, no cable
  a.send(9, make_frame(mac(2), mac(1), 2));  // no such port
  a.send(0, make_frame(mac(2), mac(1), 3));
  sim.kick(a);
  sim.run_until_idle(Instant::never());
  EXPECT_EQ(sim.stats().unconnected_drops, 2u);
  ASSERT_EQ(b.rx.size(), 1u);
  EXPECT_EQ(testing::frame_seq(b.rx[0].bytes), 3u);
}

TEST(SimulationTopology, ConnectRejectsBadEnds) {
  Simulation sim(1);
  auto& a = sim.add_node<TestNode>("a", 2);
  auto& b = sim.add_node<TestNode>("b");
  TestNode stranger("stranger");
  EXPECT_THROW(sim.connect(a, 2, b, 0), std::invalid_argument);
  EXPECT_THROW(sim.connect(a, 0, stranger, 0), std::invalid_argument);
  EXPECT_THROW(sim.connect(a, 0, a, 0), std::invalid_argument);
  EXPECT_EQ(sim.free_port(a), 0u);
  Link& l = sim.connect(a, 0, b, 0);
  EXPECT_THROW(sim.connect(a, 0, a, 1), std::invalid_argument);  // a.0 is taken
  EXPECT_EQ(sim.link_at(a, 0), &l);
  EXPECT_EQ(sim.link_at(b, 0), &l);
  EXPECT_EQ(sim.link_at(a, 1), nullptr);
  EXPECT_EQ(sim.free_port(a), 1u);
  EXPECT_EQ(sim.free_port(b), std::nullopt);
  EXPECT_EQ(l.end_a().node, &a);
  EXPECT_EQ(l.end_b().node, &b);
  EXPECT_EQ(l.dir_from(b, 0), Dir::kBtoA);
  PcapWriter w = PcapWriter::in_memory();
  EXPECT_THROW(sim.add_capture(a, 2, w), std::invalid_argument);
  EXPECT_THROW(sim.kick(stranger), std::invalid_argument);
}

TEST(SimulationTopology, AddNodeRejectsNull) {
  Simulation sim(1);
  EXPECT_THROW(sim.add_node(nullptr), std::invalid_argument);
}

// A node that gains ports after it was added, as a host gains interfaces.
class GrowingNode : public TestNode {
 public:
  using TestNode::TestNode;
  std::size_t port_count() const override { return ports; }
  std::size_t ports = 0;
};

TEST(SimulationTopology, PortsAddedAfterAddNodeCanBeConnected) {
  Simulation sim(1);
  auto& g = sim.add_node<GrowingNode>("g");
  auto& b = sim.add_node<TestNode>("b");
  EXPECT_EQ(sim.free_port(g), std::nullopt);
  EXPECT_THROW(sim.connect(g, 0, b, 0), std::invalid_argument);
  g.ports = 2;
  EXPECT_EQ(sim.free_port(g), 0u);
  sim.connect(g, 1, b, 0);
  EXPECT_EQ(sim.free_port(g), 0u);
  g.send(1, make_frame(mac(2), mac(1), 5));
  sim.kick(g);
  sim.run_until_idle(Instant::never());
  ASSERT_EQ(b.rx.size(), 1u);
  g.ports = 3;  // a port that was never connected or captured: unconnected
  g.send(2, make_frame(mac(2), mac(1), 6));
  sim.kick(g);
  EXPECT_EQ(sim.stats().unconnected_drops, 1u);
}

TEST(SimulationTopology, TwoPortsOfOneNodeCanBeCabled) {
  Simulation sim(1);
  auto& n = sim.add_node<TestNode>("loop", 2);
  sim.connect(n, 0, n, 1);
  n.send(0, make_frame(mac(2), mac(1), 1));
  sim.kick(n);
  sim.run_until_idle(Instant::never());
  ASSERT_EQ(n.rx.size(), 1u);
  EXPECT_EQ(n.rx[0].port, 1u);
}

}  // namespace
}  // namespace ws::sim
