// RACK-TLP (RFC 8985) packet by packet: the reordering window before a
// loss is declared (§6.2 steps 4–5), a wider window once reordering was
// seen (step 3), a lost retransmission found without a timeout, and tail
// loss probes (§7): resending the last segment or sending new data, and
// the window reduction when a probe repaired a loss (§7.4) but not when a
// D-SACK says the original had arrived.
#include <gtest/gtest.h>

#include "connection_harness.hpp"

namespace ws::tcp {
namespace {

using namespace ws::tcp::testing;

class RackTlp : public ConnectionTest {
 protected:
  // Established with SACK, peer MSS 1000, after a handshake of 100 ms:
  // SRTT = min_RTT = 100 ms, RTTVAR 50 ms, RTO 300 ms (RFC 6298 §2.2).
  void open(bool iw10 = false) {
    ConnectionConfig c;
    c.sack = true;
    c.nodelay = true;
    c.iw10 = iw10;
    establish_sack(c);
    t0 = now;
  }
  void send(std::size_t n) { conn->send(now, std::vector<std::uint8_t>(n, 'r')); }
  static bool has_seq(const std::vector<Sent>& out, std::uint32_t seq) {
    for (const auto& s : out) {
      if (s.seg.seq == SeqNum(seq) && !s.data.empty()) return true;
    }
    return false;
  }
  Instant t0;
};

TEST_F(RackTlp, OneSackWaitsAQuarterOfMinRttBeforeTheLoss) {
  open();
  send(2000);  // 1001 and 2001 at t0
  ASSERT_EQ(take().size(), 2u);
  advance(Duration::millis(100));
  in(ack_with(1001, {{2001, 3001}}));
  // §6.2: one segment SACKed, no reordering seen: RACK.reo_wnd = min_RTT/4.
  // 1001 is lost at t0 + RACK.rtt (100 ms) + 25 ms, not now.
  EXPECT_TRUE(take().empty()) << trace();
  EXPECT_EQ(conn->timers().deadline(TimerKind::kReorder), t0 + Duration::millis(125));
  advance(Duration::millis(24));
  EXPECT_TRUE(take().empty()) << trace();
  advance(Duration::millis(1));
  const auto out = take();
  ASSERT_EQ(out.size(), 1u) << trace();
  EXPECT_EQ(out[0].seg.seq, SeqNum(1001));
  EXPECT_EQ(conn->stats().rack_retransmits, 1u);
  EXPECT_EQ(conn->stats().sack_recoveries, 1u);
  EXPECT_EQ(conn->stats().rto_expiries, 0u);
}

TEST_F(RackTlp, ReorderingSeenKeepsTheWindowWithThreeSacks) {
  open(/*iw10=*/true);
  send(10000);  // ten segments, 1001..11001, at t0
  ASSERT_EQ(take().size(), 10u);
  advance(Duration::millis(100));
  // 2001 arrives before 1001: the first ACK SACKs it, the next covers both.
  in(ack_with(1001, {{2001, 3001}}));
  in(ack_with(3001, {}));
  EXPECT_TRUE(conn->sender().rack().reordering_seen());  // §6.2 step 3
  take();
  // 3001 is missing and the next three are SACKed. Without reordering
  // seen the window would be zero now (DupThresh SACKed); with it, it stays
  // min_RTT/4.
  in(ack_with(3001, {{4001, 5001}}));
  in(ack_with(3001, {{4001, 6001}}));
  in(ack_with(3001, {{4001, 7001}}));
  EXPECT_FALSE(has_seq(take(), 3001)) << trace();
  EXPECT_EQ(conn->timers().deadline(TimerKind::kReorder), t0 + Duration::millis(125));
  advance(Duration::millis(25));
  EXPECT_TRUE(has_seq(take(), 3001)) << trace();
}

TEST_F(RackTlp, ALostRetransmissionIsFoundWithoutATimeout) {
  open();
  send(10000);
  ASSERT_EQ(take().size(), 4u);  // the initial window: 1001..5001
  advance(Duration::millis(100));
  // Each SACK takes a segment out of the pipe: one new segment each time
  // (RFC 6675 §5 (C), what RFC 3042's limited transmit does).
  in(ack_with(1001, {{2001, 3001}}));
  in(ack_with(1001, {{2001, 4001}}));
  EXPECT_EQ(take().size(), 2u) << trace();  // 5001, 6001
  in(ack_with(1001, {{2001, 5001}}));
  // Three SACKed: 1001 is lost at once (§6.2: no reordering window); PRR
  // lets it out.
  auto out = take();
  ASSERT_EQ(out.size(), 1u) << trace();
  EXPECT_EQ(out[0].seg.seq, SeqNum(1001));
  // One RTT later 5001 is SACKed and PRR sends new data, 7001 — after the
  // retransmission.
  advance(Duration::millis(100));
  in(ack_with(1001, {{5001, 6001}, {2001, 5001}}));
  out = take();
  ASSERT_EQ(out.size(), 1u) << trace();
  EXPECT_EQ(out[0].seg.seq, SeqNum(7001));
  // 7001 is SACKed but 1001 is still missing: the retransmission, sent
  // before 7001 and more than RACK.rtt ago, was lost too (§6.2 step 5
  // compares transmission times, so it covers retransmissions).
  advance(Duration::millis(100));
  in(ack_with(1001, {{7001, 8001}, {2001, 7001}}));
  out = take();
  ASSERT_FALSE(out.empty()) << trace();
  EXPECT_EQ(out[0].seg.seq, SeqNum(1001));
  EXPECT_EQ(conn->stats().rack_retransmits, 2u);
  EXPECT_EQ(conn->stats().rto_expiries, 0u);
}

TEST_F(RackTlp, ProbeResendsTheLastSegmentAndRackFindsTheRest) {
  open();
  send(3000);  // 1001, 2001, 3001 at t0
  ASSERT_EQ(take().size(), 3u);
  advance(Duration::millis(100));
  in(ack_with(2001, {}));  // 2001 and 3001 are lost: nothing more will come
  take();
  // §7.2: PTO = 2·SRTT = 200 ms (two segments out), before the RTO.
  EXPECT_EQ(conn->timers().deadline(TimerKind::kLossProbe), now + Duration::millis(200));
  EXPECT_GT(conn->timers().deadline(TimerKind::kRetransmit), now + Duration::millis(200));
  advance(Duration::millis(200));
  auto out = take();
  ASSERT_EQ(out.size(), 1u) << trace();
  EXPECT_EQ(out[0].seg.seq, SeqNum(3001));  // §7.3: no new data: the last segment
  EXPECT_EQ(conn->stats().tlp_probes, 1u);
  EXPECT_EQ(conn->stats().tlp_retransmits, 1u);
  // Its ACK SACKs it: RACK now sees 2001, sent long before, as lost.
  advance(Duration::millis(100));
  in(ack_with(2001, {{3001, 4001}}));
  out = take();
  ASSERT_EQ(out.size(), 1u) << trace();
  EXPECT_EQ(out[0].seg.seq, SeqNum(2001));
  in(ack_with(4001, {}));
  EXPECT_EQ(conn->stats().rto_expiries, 0u);
  EXPECT_EQ(conn->stats().sack_recoveries, 1u);
  EXPECT_EQ(conn->stats().tlp_recoveries, 0u);  // the recovery made the one reduction
}

TEST_F(RackTlp, ProbeThatRepairsALossReducesTheWindowOnce) {
  open();
  send(2000);
  ASSERT_EQ(take().size(), 2u);
  advance(Duration::millis(100));
  in(ack_with(2001, {}));  // 2001 is lost
  take();
  const std::uint32_t cwnd = conn->cwnd();
  // One segment out: PTO = 2·SRTT + 200 ms (the peer may delay its ACK),
  // later than the RTO (250 ms: SRTT 100, RTTVAR 37.5) — the probe takes
  // the RTO's time, and the RTO runs again after it.
  const Instant probe_at = conn->timers().deadline(TimerKind::kLossProbe);
  EXPECT_EQ(probe_at, now + Duration::millis(250));
  EXPECT_GT(conn->timers().deadline(TimerKind::kRetransmit), probe_at);
  advance(probe_at - now);
  auto out = take();
  ASSERT_EQ(out.size(), 1u) << trace();
  EXPECT_EQ(out[0].seg.seq, SeqNum(2001));
  EXPECT_EQ(conn->stats().rto_expiries, 0u);
  advance(Duration::millis(100));
  in(ack_with(3001, {}));  // no D-SACK: the original was lost, the probe repaired it
  EXPECT_EQ(conn->stats().tlp_recoveries, 1u);
  EXPECT_LT(conn->cwnd(), cwnd);
  EXPECT_EQ(conn->stats().rto_expiries, 0u);
}

TEST_F(RackTlp, ProbeAnsweredWithADsackKeepsTheWindow) {
  open();
  send(2000);
  ASSERT_EQ(take().size(), 2u);
  advance(Duration::millis(100));
  in(ack_with(2001, {}));
  take();
  const std::uint32_t cwnd = conn->cwnd();
  advance(conn->timers().deadline(TimerKind::kLossProbe) - now);
  ASSERT_EQ(take().size(), 1u) << trace();
  advance(Duration::millis(100));
  // RFC 2883: the peer had 2001 already (only its ACK was lost).
  in(ack_with(3001, {{2001, 3001}}));
  EXPECT_EQ(conn->stats().tlp_recoveries, 0u);
  EXPECT_EQ(conn->cwnd(), cwnd);
}

TEST_F(RackTlp, ProbeSendsNewDataWhenThereIsSome) {
  open();
  send(6000);  // the initial window (4 segments) goes; 2000 bytes wait for cwnd
  ASSERT_EQ(take().size(), 4u);
  // Every segment is lost: no ACK at all. PTO = 2·SRTT = 200 ms < RTO (300 ms).
  advance(Duration::millis(200));
  const auto out = take();
  ASSERT_EQ(out.size(), 1u) << trace();
  EXPECT_EQ(out[0].seg.seq, SeqNum(5001));  // §7.3: new data, beyond cwnd
  EXPECT_EQ(out[0].data.size(), 1000u);
  EXPECT_EQ(conn->stats().tlp_probes, 1u);
  EXPECT_EQ(conn->stats().tlp_retransmits, 0u);
  EXPECT_EQ(conn->stats().rto_expiries, 0u);
}

}  // namespace
}  // namespace ws::tcp
