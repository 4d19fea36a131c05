// The multiflow engine (apps/multiflow.hpp): N flows through one
// bottleneck. These check that its figures are consistent with each other
// and with the link's own counters, not how well TCP performs.
#include <gtest/gtest.h>

#include <numeric>

#include "apps/multiflow.hpp"

namespace ws::apps {
namespace {

MultiflowConfig four_flows() {
  MultiflowConfig c;
  c.flows = 4;
  c.rate_bps = 10'000'000;
  c.delay = Duration::millis(20);
  c.queue_bytes = 32768;
  c.duration = Duration::seconds(2);
  c.seed = 1;
  return c;
}

TEST(Multiflow, FiguresAreConsistent) {
  const MultiflowConfig c = four_flows();
  const MultiflowResult r = run_multiflow(c);
  ASSERT_EQ(r.flows.size(), 4u);
  EXPECT_DOUBLE_EQ(r.seconds, 2.0);
  std::uint64_t sum = 0;
  double goodput_sum = 0;
  std::vector<double> goodputs;
  for (const FlowResult& f : r.flows) {
    EXPECT_EQ(f.error, "");
    EXPECT_GT(f.received_bytes, 0u) << "every flow moved data";
    EXPECT_DOUBLE_EQ(f.goodput, static_cast<double>(f.received_bytes) / 2.0);
    sum += f.received_bytes;
    goodput_sum += f.goodput;
    goodputs.push_back(f.goodput);
  }
  EXPECT_EQ(r.aggregate_bytes, sum);
  EXPECT_NEAR(r.aggregate_goodput, goodput_sum, 1e-6 * goodput_sum);

  // The payload crossed the bottleneck inside frames: more frame bytes
  // than payload, and no more than the line could carry in 2 s.
  EXPECT_GT(r.bottleneck_bytes, r.aggregate_bytes);
  EXPECT_LE(r.bottleneck_bytes, c.rate_bps / 8 * 2);
  EXPECT_GT(r.utilisation, 0.0);
  EXPECT_LE(r.utilisation, 1.0);
  EXPECT_DOUBLE_EQ(r.utilisation, static_cast<double>(r.bottleneck_bytes) * 8 / (1e7 * 2));

  EXPECT_GE(r.jain, 1.0 / 4 - 1e-12);
  EXPECT_LE(r.jain, 1.0 + 1e-12);
  EXPECT_DOUBLE_EQ(r.jain, jain_index(goodputs));

  // Bulk senders with buffers larger than a 32 KiB FIFO overflow it.
  EXPECT_GT(r.frames_offered, 0u);
  EXPECT_GT(r.queue_drops, 0u);
  EXPECT_LT(r.queue_drops, r.frames_offered);
  EXPECT_DOUBLE_EQ(r.drop_rate, static_cast<double>(r.queue_drops) / static_cast<double>(r.frames_offered));
  EXPECT_GT(r.retransmitted_segments, 0u) << "tail drops are repaired by retransmissions";
  EXPECT_EQ(r.buffer, default_buffer(c));
}

TEST(Multiflow, SameSeedSameRun) {
  MultiflowConfig c = four_flows();
  c.duration = Duration::seconds(1);
  const MultiflowResult a = run_multiflow(c);
  const MultiflowResult b = run_multiflow(c);
  ASSERT_EQ(a.flows.size(), b.flows.size());
  for (std::size_t i = 0; i < a.flows.size(); ++i) EXPECT_EQ(a.flows[i].received_bytes, b.flows[i].received_bytes);
  EXPECT_EQ(a.queue_drops, b.queue_drops);
  EXPECT_EQ(a.bottleneck_bytes, b.bottleneck_bytes);
}

TEST(Multiflow, OneFlowIsFairToItself) {
  MultiflowConfig c = four_flows();
  c.flows = 1;
  c.duration = Duration::seconds(1);
  const MultiflowResult r = run_multiflow(c);
  ASSERT_EQ(r.flows.size(), 1u);
  EXPECT_GT(r.aggregate_bytes, 0u);
  EXPECT_DOUBLE_EQ(r.jain, 1.0);
}

TEST(Multiflow, JainIndex) {
  EXPECT_DOUBLE_EQ(jain_index({5, 5, 5, 5}), 1.0);
  EXPECT_DOUBLE_EQ(jain_index({8, 0, 0, 0}), 0.25);
  EXPECT_DOUBLE_EQ(jain_index({1, 3}), 16.0 / 20.0);
  EXPECT_DOUBLE_EQ(jain_index({}), 0.0);
  EXPECT_DOUBLE_EQ(jain_index({0, 0}), 0.0);
}

TEST(Multiflow, BoundsAreChecked) {
  MultiflowConfig c = four_flows();
  EXPECT_FALSE(validate(c).has_value());
  auto bad = [](MultiflowConfig x) { return validate(x).value_or(""); };
  c.flows = 0;
  EXPECT_NE(bad(c).find("--flows"), std::string::npos);
  c.flows = kMaxFlows + 1;
  EXPECT_NE(bad(c).find("--flows"), std::string::npos);
  c = four_flows();
  c.queue_bytes = 100;
  EXPECT_NE(bad(c).find("--queue"), std::string::npos);
  c = four_flows();
  c.duration = Duration::seconds(kMaxSeconds + 1);
  EXPECT_NE(bad(c).find("--seconds"), std::string::npos);
  c = four_flows();
  c.rate_bps = kMaxRateBps + 1;
  EXPECT_NE(bad(c).find("--rate"), std::string::npos);
  c = four_flows();
  c.codel.target = Duration::zero();
  EXPECT_NE(bad(c).find("--codel-target"), std::string::npos);
  c = four_flows();
  c.codel.interval = c.codel.target;
  EXPECT_NE(bad(c).find("--codel-interval"), std::string::npos);
  c = four_flows();
  c.buffer = 512;
  EXPECT_NE(bad(c).find("--buffer"), std::string::npos);
  EXPECT_THROW(run_multiflow(c), std::invalid_argument);
}

TEST(Multiflow, DefaultBufferCoversThePathWithinTheBudget) {
  MultiflowConfig c = four_flows();
  c.rate_bps = 200'000'000;
  c.delay = Duration::millis(50);
  c.queue_bytes = 65536;
  EXPECT_EQ(default_buffer(c), 200'000'000 / 8 / 10 + 65536u);  // 2.5 MB BDP + the queue
  c.flows = 1024;
  EXPECT_EQ(default_buffer(c), kBufferBudget / 1024);
  c.rate_bps = 1'000'000;
  c.delay = Duration::millis(1);
  c.queue_bytes = kMinQueueBytes;
  EXPECT_EQ(default_buffer(c), 64u * 1024);  // 250 + 1514 bytes: the floor
}

// Losses at a tail-drop bottleneck are real: no reordering, no lost ACKs
// (the return path is idle), so nothing may be undone as spurious (RFC
// 4015). Eifel once took the ACK of data below the first retransmitted
// segment — data never resent, echoing an old timestamp — for the
// original's, and undid every recovery: 64 CUBIC flows then drove the
// queue to 7 % drops.
TEST(Multiflow, CongestionLossesAreNeverUndone) {
  MultiflowConfig c = four_flows();
  c.flows = 16;
  c.cc = tcp::CcKind::Cubic;
  c.duration = Duration::seconds(20);
  const MultiflowResult r = run_multiflow(c);
  EXPECT_GT(r.queue_drops, 0u);
  EXPECT_EQ(r.cc_undos, 0u);
}

// ECN end to end (RFC 3168 with CoDel, RFC 8289, at the bottleneck): the
// hosts negotiate it, data leaves ECT(0), the router's queue marks CE
// instead of dropping, the server echoes ECE, the senders reduce — and the
// queue is kept short with marks rather than losses.
MultiflowConfig codel_path() {
  MultiflowConfig c = four_flows();
  c.cc = tcp::CcKind::Cubic;
  c.queue_bytes = 200'000;  // 160 ms at 10 Mbit/s: room for CoDel to act before the tail drops
  c.duration = Duration::seconds(10);
  return c;
}

TEST(Multiflow, CodelWithEcnMarksInsteadOfDropping) {
  MultiflowConfig c = codel_path();
  c.aqm = sim::Aqm::kCodel;
  c.ecn = true;
  const MultiflowResult r = run_multiflow(c);
  MultiflowConfig tail = codel_path();
  const MultiflowResult t = run_multiflow(tail);

  EXPECT_EQ(r.ecn_connections, c.flows) << "every client negotiated ECN";
  EXPECT_GT(r.ce_marks, 10u);
  EXPECT_EQ(r.aqm_drops, 0u) << "every frame CoDel picked was ECN-capable: marked, not dropped";
  // Each mark reached the server as CE (but those still in flight at the end).
  EXPECT_LE(r.ecn_ce_received, r.ce_marks);
  EXPECT_GE(r.ecn_ce_received + c.flows, r.ce_marks);
  EXPECT_GT(r.ecn_ece_received, r.ecn_ce_received) << "ECE repeated until CWR";
  EXPECT_GT(r.ecn_reductions, 0u);
  EXPECT_LE(r.ecn_reductions, r.ecn_ce_received);
  // Few drops if any (the first slow starts may overflow the FIFO before
  // CoDel has watched for an interval) where the tail-drop queue loses many.
  EXPECT_GT(t.queue_drops, 0u);
  EXPECT_LT(r.queue_drops * 5, t.queue_drops) << r.queue_drops << " vs " << t.queue_drops;
  EXPECT_LT(r.retransmitted_segments * 5, t.retransmitted_segments);
  EXPECT_GT(r.utilisation, 0.9);
  EXPECT_EQ(t.ce_marks, 0u);
}

// A FIFO that holds less than CoDel's target of line time (30000 bytes:
// 2.4 ms at 100 Mbit/s) never lets a sojourn reach 5 ms; a lower target
// (1 ms, interval 20 ms) lets CoDel mark there.
TEST(Multiflow, CodelTargetBelowTheFifosDelay) {
  MultiflowConfig c = codel_path();
  c.rate_bps = 100'000'000;
  c.delay = Duration::millis(10);
  c.queue_bytes = 30000;
  c.duration = Duration::seconds(3);
  c.aqm = sim::Aqm::kCodel;
  c.ecn = true;
  const MultiflowResult standard = run_multiflow(c);
  EXPECT_EQ(standard.ce_marks, 0u);
  EXPECT_GT(standard.queue_drops, 0u);
  c.codel.target = Duration::millis(1);
  c.codel.interval = Duration::millis(20);
  const MultiflowResult r = run_multiflow(c);
  EXPECT_GT(r.ce_marks, 0u);
  EXPECT_EQ(r.aqm_drops, 0u);
}

TEST(Multiflow, CodelWithoutEcnDropsAndEcnWithoutAqmMarksNothing) {
  MultiflowConfig c = codel_path();
  c.aqm = sim::Aqm::kCodel;
  const MultiflowResult drops = run_multiflow(c);
  EXPECT_EQ(drops.ecn_connections, 0u) << "nobody asked (the default only accepts)";
  EXPECT_GT(drops.aqm_drops, 0u);
  EXPECT_EQ(drops.ce_marks, 0u);
  EXPECT_DOUBLE_EQ(drops.drop_rate, static_cast<double>(drops.queue_drops + drops.aqm_drops) /
                                        static_cast<double>(drops.frames_offered));
  c = codel_path();
  c.ecn = true;
  const MultiflowResult ecn = run_multiflow(c);
  EXPECT_EQ(ecn.ecn_connections, c.flows);
  EXPECT_EQ(ecn.ce_marks, 0u);
  EXPECT_EQ(ecn.ecn_ce_received, 0u);
  EXPECT_EQ(ecn.ecn_reductions, 0u);
}

}  // namespace
}  // namespace ws::apps

namespace ws::apps {
namespace {

// --mix: each client runs its own controller; the results say which. Two
// CUBIC and two BBR flows all move data, and BBR v1 — loss does not slow
// it — takes more than its half of a shallow tail-drop FIFO.
TEST(Multiflow, MixedControllersEachRunTheirOwn) {
  MultiflowConfig c;
  c.flows = 4;
  c.rate_bps = 10'000'000;
  c.delay = Duration::millis(20);
  c.queue_bytes = 16 * 1514;
  c.duration = Duration::seconds(5);
  c.flow_cc = {tcp::CcKind::Cubic, tcp::CcKind::Cubic, tcp::CcKind::Bbr, tcp::CcKind::Bbr};
  ASSERT_EQ(validate(c), std::nullopt);
  const MultiflowResult r = run_multiflow(c);
  ASSERT_EQ(r.flows.size(), 4u);
  double bbr = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(r.flows[i].cc, c.flow_cc[i]);
    EXPECT_GT(r.flows[i].received_bytes, 0u) << i;
    EXPECT_TRUE(r.flows[i].error.empty()) << r.flows[i].error;
    if (r.flows[i].cc == tcp::CcKind::Bbr) bbr += r.flows[i].goodput;
  }
  EXPECT_GT(bbr, r.aggregate_goodput / 2);
  MultiflowConfig wrong = c;
  wrong.flows = 5;
  EXPECT_NE(validate(wrong), std::nullopt);  // five flows, four controllers
}

}  // namespace
}  // namespace ws::apps
