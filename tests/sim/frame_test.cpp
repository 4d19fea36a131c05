// Frame: the simulator moves a frame from hop to hop and copies it only
// for a duplicate fault or a switch flood (sim/frame.hpp). A frame sent
// from a pool keeps its PacketBuffer — the same address — from the sender
// to the receiver, and its buffer goes back to the pool when it is dropped.
#include "sim/frame.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "base/packet_buffer.hpp"
#include "sim/link.hpp"
#include "sim/simulation.hpp"
#include "sim/switch.hpp"
#include "sim/topology.hpp"
#include "test_nodes.hpp"

namespace ws::sim {
namespace {

using testing::at_ms;
using testing::mac;
using testing::make_frame;

// A frame in a buffer of `pool`, as a host's stack hands it over.
Frame pooled(BufferPool& pool, const std::vector<std::uint8_t>& bytes) {
  PacketRef p = pool.acquire();
  EXPECT_TRUE(p);
  EXPECT_TRUE(p->append(bytes));
  return Frame(std::move(p));
}

TEST(SimFrame, FromBytesOwnsAnUnpooledCopy) {
  const auto bytes = make_frame(mac(2), mac(1), 7);
  Frame f(bytes);
  EXPECT_EQ(f, bytes);
  EXPECT_EQ(f.size(), bytes.size());
  EXPECT_NE(f.bytes().data(), bytes.data());
  EXPECT_EQ(f.buffer()->headroom(), 0u);
  f.mut_bytes()[20] ^= 1;
  EXPECT_FALSE(f == bytes);
  const Bytes view = f;  // reads as its bytes
  EXPECT_EQ(view.data(), f.bytes().data());
}

TEST(SimFrame, FromAPacketRefTakesTheBufferAndGivesItBack) {
  BufferPool pool(2048, 4);
  const auto bytes = make_frame(mac(2), mac(1), 1);
  {
    Frame f = pooled(pool, bytes);
    EXPECT_EQ(pool.outstanding(), 1u);
    const PacketBuffer* buf = f.buffer();
    Frame moved = std::move(f);
    EXPECT_EQ(moved.buffer(), buf);  // moved, not copied
    EXPECT_EQ(moved, bytes);
    EXPECT_EQ(f.size(), 0u);  // NOLINT(bugprone-use-after-move): a moved-from frame is empty
    EXPECT_TRUE(f.bytes().empty());
    EXPECT_EQ(pool.outstanding(), 1u);
  }
  EXPECT_EQ(pool.outstanding(), 0u);  // destroyed: back in the pool
  EXPECT_EQ(pool.allocated(), 1u);
}

TEST(SimFrame, CloneIsAnUnpooledCopy) {
  BufferPool pool(2048, 4);
  const auto bytes = make_frame(mac(2), mac(1), 2);
  const Frame f = pooled(pool, bytes);
  const Frame c = f.clone();
  EXPECT_EQ(c, bytes);
  EXPECT_NE(c.buffer(), f.buffer());
  EXPECT_EQ(pool.outstanding(), 1u);  // the copy takes nothing from the pool
  EXPECT_EQ(pool.allocated(), 1u);
}

TEST(SimFrame, SwitchMovesAUnicastFrameToItsPort) {
  BufferPool pool(2048, 8);
  Switch sw("sw", 4);
  Frame learn_b = pooled(pool, make_frame(mac(1), mac(2), 1));
  sw.deliver(at_ms(0), 3, learn_b);  // mac 2 is on port 3 (flooded)
  std::vector<OutFrame> out;
  sw.drain(out);
  out.clear();
  ASSERT_EQ(pool.outstanding(), 0u);

  const auto bytes = make_frame(mac(2), mac(1), 2);
  Frame f = pooled(pool, bytes);
  const PacketBuffer* buf = f.buffer();
  sw.deliver(at_ms(1), 0, f);
  sw.drain(out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].port, 3u);
  EXPECT_EQ(out[0].frame.buffer(), buf);  // the very buffer the sender filled
  EXPECT_EQ(out[0].frame, bytes);
  EXPECT_EQ(pool.outstanding(), 1u);
  EXPECT_EQ(pool.allocated(), 1u);
}

TEST(SimFrame, SwitchFloodCopiesForAllPortsButTheLast) {
  BufferPool pool(2048, 8);
  Switch sw("sw", 4);
  const auto bytes = make_frame(MacAddress::broadcast(), mac(1), 3);
  Frame f = pooled(pool, bytes);
  const PacketBuffer* buf = f.buffer();
  sw.deliver(at_ms(0), 1, f);
  std::vector<OutFrame> out;
  sw.drain(out);
  ASSERT_EQ(out.size(), 3u);
  std::vector<const PacketBuffer*> seen;
  for (const OutFrame& o : out) {
    EXPECT_EQ(o.frame, bytes);
    seen.push_back(o.frame.buffer());
  }
  EXPECT_EQ(out[0].port, 0u);
  EXPECT_EQ(out[1].port, 2u);
  EXPECT_EQ(out[2].port, 3u);
  EXPECT_NE(seen[0], buf);  // copies
  EXPECT_NE(seen[1], buf);
  EXPECT_NE(seen[0], seen[1]);
  EXPECT_EQ(seen[2], buf);  // the last port took the original
  EXPECT_EQ(pool.outstanding(), 1u);
  EXPECT_EQ(pool.allocated(), 1u);
}

TEST(SimFrame, LinkMovesAFrameAndCopiesOnlyADuplicate) {
  BufferPool pool(2048, 8);
  LinkConfig c;
  c.delay = Duration::millis(1);
  Link link(LinkEnd{}, LinkEnd{}, c, LinkConfig{});
  Rng rng(1);
  std::vector<Link::Arrival> out;
  const auto bytes = make_frame(mac(2), mac(1), 4);
  Frame f = pooled(pool, bytes);
  const PacketBuffer* buf = f.buffer();
  ASSERT_EQ(link.offer(Dir::kAtoB, at_ms(0), std::move(f), rng, out), LinkVerdict::kInFlight);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].frame.buffer(), buf);

  c.duplicate = 1.0;
  link.set_config(Dir::kAtoB, c);
  out.clear();
  f = pooled(pool, bytes);
  buf = f.buffer();
  ASSERT_EQ(link.offer(Dir::kAtoB, at_ms(1), std::move(f), rng, out), LinkVerdict::kInFlight);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].frame, bytes);
  EXPECT_EQ(out[1].frame, bytes);
  EXPECT_NE(out[0].frame.buffer(), buf);  // the copy
  EXPECT_EQ(out[1].frame.buffer(), buf);  // the original
  EXPECT_EQ(link.stats(Dir::kAtoB).duplicated, 1u);

  c.duplicate = 0.0;
  c.loss = 1.0;
  link.set_config(Dir::kAtoB, c);
  out.clear();
  ASSERT_EQ(pool.outstanding(), 0u);
  ASSERT_EQ(link.offer(Dir::kAtoB, at_ms(2), pooled(pool, bytes), rng, out), LinkVerdict::kLost);
  EXPECT_EQ(pool.outstanding(), 0u);  // a lost frame goes back to its pool
}

// Sends frames from its own pool (as a host does) and keeps the frames it
// receives, so a test can see which buffer arrived.
class PoolNode final : public Node {
 public:
  explicit PoolNode(std::string name) : name_(std::move(name)) {}
  const std::string& name() const override { return name_; }
  std::size_t port_count() const override { return 1; }
  void deliver(Instant, std::size_t, Frame& frame) override { kept.push_back(std::move(frame)); }
  void poll(Instant) override {}
  Instant poll_at() const override { return Instant::never(); }
  void drain(std::vector<OutFrame>& out) override {
    for (Frame& f : outbox) out.push_back(OutFrame{0, std::move(f)});
    outbox.clear();
  }

  BufferPool pool{2048, 16};
  std::vector<Frame> outbox;
  std::vector<Frame> kept;  // declared after pool: destroyed first

 private:
  std::string name_;
};

TEST(SimFrame, AUnicastFrameCrossesLinksAndASwitchInItsSendersBuffer) {
  Simulation sim(1);
  auto& a = sim.add_node<PoolNode>("a");
  auto& b = sim.add_node<PoolNode>("b");
  auto& sw = sim.add_node<Switch>("sw", 3);
  const LinkConfig link = LinkConfig::with_delay(Duration::millis(1));
  sim.connect(a, 0, sw, 0, link);
  sim.connect(b, 0, sw, 1, link);

  b.outbox.push_back(pooled(b.pool, make_frame(MacAddress::broadcast(), mac(2), 1)));
  sim.kick(b);  // the switch learns mac 2 on port 1
  sim.run_for(Duration::millis(10));
  ASSERT_EQ(a.kept.size(), 1u);
  a.kept.clear();
  EXPECT_EQ(b.pool.outstanding(), 0u);

  const auto bytes = make_frame(mac(2), mac(1), 2);
  a.outbox.push_back(pooled(a.pool, bytes));
  const PacketBuffer* buf = a.outbox.back().buffer();
  sim.kick(a);
  sim.run_for(Duration::micros(1500));  // on the second link
  EXPECT_EQ(a.pool.outstanding(), 1u);
  sim.run_for(Duration::millis(10));
  ASSERT_EQ(b.kept.size(), 1u);
  EXPECT_EQ(b.kept[0].buffer(), buf);  // host → link → switch → link → host, never copied
  EXPECT_EQ(b.kept[0], bytes);
  EXPECT_EQ(a.pool.allocated(), 1u);
  b.kept.clear();
  EXPECT_EQ(a.pool.outstanding(), 0u);
  EXPECT_EQ(sw.stats().forwarded, 1u);
}

TEST(SimFrame, HostBuffersComeBackAndFramesInFlightDieBeforeTheirHosts) {
  // BufferPool asserts (Debug, ASan builds) that no buffer outlives it: a
  // Simulation destroyed with frames in flight must destroy them first.
  Simulation sim(4);
  auto net = build_lan(sim, LinkConfig::with_delay(Duration::millis(5)));
  sim.run_for(Duration::millis(50));  // the gratuitous ARPs
  sim.schedule(at_ms(100), [&] {
    (void)net.client.host().send_ping(sim.now(), kLanServerAddr, 1, 1, 56);
    sim.kick(net.client);
  });
  sim.run_until(at_ms(102));  // the request is on the client's link
  EXPECT_GE(net.client.host().buffer_pool().outstanding(), 1u);
  sim.run_for(Duration::seconds(1));
  EXPECT_EQ(net.client.host().take_ping_replies().size(), 1u);
  EXPECT_EQ(net.client.host().buffer_pool().outstanding(), 0u);
  EXPECT_EQ(net.server.host().buffer_pool().outstanding(), 0u);

  for (int i = 0; i < 4; ++i) {
    (void)net.client.host().send_ping(sim.now(), kLanServerAddr, 1,
                                      static_cast<std::uint16_t>(2 + i), 56);
  }
  sim.kick(net.client);
  sim.run_for(Duration::millis(7));  // requests and replies on the wires
  EXPECT_GE(net.client.host().buffer_pool().outstanding() +
                net.server.host().buffer_pool().outstanding(),
            1u);
  EXPECT_GT(sim.pending_events(), 0u);
}  // ~Simulation with frames in flight: no BufferPool assert

}  // namespace
}  // namespace ws::sim
