// Spurious retransmission detection and undo, packet by packet: Eifel with
// timestamps (RFC 3522 §3.2), D-SACK (RFC 3708 §3), F-RTO after a timeout
// (RFC 5682 §3), and the response of RFC 4015 §3 (the window from before
// the reduction comes back and nothing more is resent).
#include <gtest/gtest.h>

#include "connection_harness.hpp"

namespace ws::tcp {
namespace {

using namespace ws::tcp::testing;

class Undo : public ConnectionTest {
 protected:
  // Established with SACK (and timestamps if `ts`), peer MSS 1000 (988
  // bytes of data per segment with timestamps), after a 100 ms handshake.
  void open(bool ts) {
    ConnectionConfig c;
    c.sack = true;
    c.timestamps = ts;
    c.nodelay = true;
    establish_sack(c);
  }
  void send(std::size_t n) { conn->send(now, std::vector<std::uint8_t>(n, 'u')); }
  // A fast recovery for the first of four segments of `mss` bytes: the
  // other three are SACKed one RTT later; returns the first's original.
  Sent recover_first(std::uint32_t mss) {
    send(4 * mss);
    auto first = take();
    EXPECT_EQ(first.size(), 4u) << trace();
    advance(Duration::millis(100));
    const std::uint32_t b = 1001 + mss;
    in(ack_with(1001, {{b, b + mss}}));
    in(ack_with(1001, {{b, b + 2 * mss}}));
    in(ack_with(1001, {{b, b + 3 * mss}}));
    auto out = take();
    EXPECT_FALSE(out.empty());
    if (!out.empty()) retransmission = out[0];
    EXPECT_EQ(conn->stats().sack_recoveries, 1u) << trace();
    EXPECT_EQ(conn->stats().rack_retransmits, 1u);
    return first.empty() ? Sent{} : first[0];
  }
  Sent retransmission;
};

TEST_F(Undo, EifelTheOriginalsTimestampEchoedUndoesTheRecovery) {
  open(/*ts=*/true);
  const std::uint32_t before = conn->cwnd();
  const Sent original = recover_first(988);
  EXPECT_LT(conn->cwnd(), before);  // PRR is bringing it down
  advance(Duration::millis(20));
  // The original 1001 was only late: the ACK covering it echoes its
  // timestamp, older than the retransmission's (RFC 3522 §3.2).
  Seg a = ack_with(1001 + 4 * 988, {});
  a.s.options.timestamps = TcpTimestamps{600, original.seg.options.timestamps->tsval};
  in(a);
  EXPECT_EQ(conn->stats().spurious_recoveries, 1u) << trace();
  EXPECT_EQ(conn->stats().cc_undos, 1u);
  EXPECT_GE(conn->cwnd(), before);  // RFC 4015 §3.2: the window from before the loss
}

TEST_F(Undo, EifelTheRetransmissionsEchoMeansNoUndo) {
  open(/*ts=*/true);
  recover_first(988);
  advance(Duration::millis(120));
  // The echo is the retransmission's own: it was needed.
  Seg a = ack_with(1001 + 4 * 988, {});
  ASSERT_EQ(retransmission.seg.seq, SeqNum(1001));
  a.s.options.timestamps = TcpTimestamps{700, retransmission.seg.options.timestamps->tsval};
  in(a);
  EXPECT_EQ(conn->stats().spurious_recoveries, 0u) << trace();
  EXPECT_EQ(conn->stats().cc_undos, 0u);
}

TEST_F(Undo, DsackOfTheOnlyRetransmissionUndoesTheRecovery) {
  open(/*ts=*/false);
  const std::uint32_t before = conn->cwnd();
  recover_first(1000);
  advance(Duration::millis(100));
  in(ack_with(5001, {}));                // the original arrived after all
  in(ack_with(5001, {{1001, 2001}}));    // RFC 2883: and the retransmission was a duplicate
  EXPECT_EQ(conn->stats().spurious_recoveries, 1u) << trace();
  EXPECT_EQ(conn->stats().cc_undos, 1u);
  EXPECT_GE(conn->cwnd(), before);
}

TEST_F(Undo, FrtoNewDataAcknowledgedMeansTheTimeoutWasSpurious) {
  open(/*ts=*/false);
  send(10000);
  ASSERT_EQ(take().size(), 4u);  // 1001..5001; the rest waits for cwnd
  // A delay spike: no ACK until the timeout (a tail loss probe goes first).
  advance(Duration::millis(300));
  ASSERT_EQ(conn->stats().tlp_probes, 1u) << trace();
  take();
  advance(conn->timers().deadline(TimerKind::kRetransmit) - now);
  ASSERT_EQ(conn->stats().rto_expiries, 1u) << trace();
  auto out = take();
  // RFC 5682 §3 step 1: only the first segment is resent.
  ASSERT_EQ(out.size(), 1u) << trace();
  EXPECT_EQ(out[0].seg.seq, SeqNum(1001));
  // Step 2: the first ACK moves SND.UNA (the original 1001 arrived):
  // two new segments instead of more retransmissions.
  in(ack_with(2001, {}));
  out = take();
  ASSERT_EQ(out.size(), 2u) << trace();
  EXPECT_GE(out[0].seg.seq.raw(), 6001u);
  // Step 3: the next ACK acknowledges data never resent: spurious.
  in(ack_with(3001, {}));
  EXPECT_EQ(conn->stats().spurious_rtos, 1u) << trace();
  EXPECT_EQ(conn->stats().cc_undos, 1u);
  in(ack_with(6001, {}));
  for (const auto& s : take()) {
    EXPECT_FALSE(s.seg.seq.raw() >= 2001 && s.seg.seq.raw() < 6001) << "resent after the undo: " << s.seg.seq.raw();
  }
  EXPECT_EQ(conn->stats().rto_retransmits, 1u);
}

TEST_F(Undo, FrtoADuplicateAckFirstMeansRealLoss) {
  open(/*ts=*/false);
  send(10000);
  ASSERT_EQ(take().size(), 4u);
  advance(Duration::millis(300));
  take();
  advance(conn->timers().deadline(TimerKind::kRetransmit) - now);
  ASSERT_EQ(take().size(), 1u) << trace();
  // Step 2a: a duplicate ACK (it SACKs the probe): the timeout was real;
  // conventional recovery resends the rest.
  in(ack_with(1001, {{5001, 6001}}));
  EXPECT_EQ(conn->stats().spurious_rtos, 0u);
  in(ack_with(2001, {{5001, 6001}}));
  const auto out = take();
  ASSERT_FALSE(out.empty()) << trace();
  EXPECT_EQ(out[0].seg.seq, SeqNum(2001));
  EXPECT_EQ(conn->stats().cc_undos, 0u);
}

}  // namespace
}  // namespace ws::tcp
