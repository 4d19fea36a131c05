// SACK (RFC 2018, RFC 2883) and timestamps (RFC 7323) packet by packet:
// negotiation in both roles, the receiver's blocks and D-SACK, PAWS, the
// timestamp echo, and the sender's RFC 6675 recovery with PRR (RFC 6937):
// only the holes are resent, within PRR's allowance, and after a timeout
// SACKed data is not sent again.
#include <gtest/gtest.h>

#include "connection_harness.hpp"

namespace ws::tcp {
namespace {

using namespace ws::tcp::testing;

std::vector<std::uint8_t> payload_of(std::size_t n) { return std::vector<std::uint8_t>(n, 's'); }

ConnectionConfig sack_ts(bool sack = true, bool ts = true) {
  ConnectionConfig c;
  c.sack = sack;
  c.timestamps = ts;
  c.nodelay = true;
  return c;
}

class Sack : public ConnectionTest {
 protected:
  // Established with SACK (and timestamps if `ts`), peer MSS 1000 (with
  // timestamps, segments carry 1000 − 12 = 988 bytes of data).
  // The handshake takes 100 ms: RTT and min_RTT are 100 ms from the start.
  void open(bool ts = false) { establish_sack(sack_ts(true, ts)); }
};

TEST_F(Sack, ActiveOpenOffersBothAndUsesThemWhenAnswered) {
  make(sack_ts());
  conn->open_active(now);
  const Sent syn = one();
  EXPECT_TRUE(syn.seg.options.sack_permitted);
  ASSERT_TRUE(syn.seg.options.timestamps);
  EXPECT_EQ(syn.seg.options.timestamps->tsecr, 0u);  // RFC 7323 §3.2: nothing to echo yet
  Seg synack(8000, TcpFlags::kSyn);
  synack.ack(1001).mss(1460);
  synack.s.options.sack_permitted = true;
  synack.s.options.timestamps = TcpTimestamps{777, syn.seg.options.timestamps->tsval};
  in(synack);
  EXPECT_TRUE(conn->sack_enabled());
  EXPECT_TRUE(conn->timestamps_enabled());
  const Sent ack = one();
  ASSERT_TRUE(ack.seg.options.timestamps);
  EXPECT_EQ(ack.seg.options.timestamps->tsecr, 777u);  // TS.Recent echoed
  EXPECT_EQ(conn->effective_mss(), 1460 - 12);         // RFC 6691: the option's room comes off the data
}

TEST_F(Sack, NotAnsweredMeansNotUsed) {
  make(sack_ts());
  conn->open_active(now);
  take();
  in(Seg(8000, TcpFlags::kSyn).ack(1001).mss(1460));
  EXPECT_FALSE(conn->sack_enabled());
  EXPECT_FALSE(conn->timestamps_enabled());
  const Sent ack = one();
  EXPECT_FALSE(ack.seg.options.timestamps);
  EXPECT_EQ(conn->effective_mss(), 1460);
}

TEST_F(Sack, PassiveOpenAnswersOnlyAnOffer) {
  make(sack_ts());
  Seg syn(8000, TcpFlags::kSyn);
  syn.mss(1460);
  syn.s.options.sack_permitted = true;
  syn.s.options.timestamps = TcpTimestamps{4242, 0};
  conn->open_passive(now, syn);
  const Sent synack = one();
  EXPECT_TRUE(synack.seg.options.sack_permitted);
  ASSERT_TRUE(synack.seg.options.timestamps);
  EXPECT_EQ(synack.seg.options.timestamps->tsecr, 4242u);
  make(sack_ts());
  conn->open_passive(now, Seg(8000, TcpFlags::kSyn).mss(1460));
  const Sent plain = one();
  EXPECT_FALSE(plain.seg.options.sack_permitted);
  EXPECT_FALSE(plain.seg.options.timestamps);
}

TEST_F(Sack, ReceiverBlocksNewestFirstAndDsackFirstOfAll) {
  open();
  // Two out-of-order segments: RFC 2018 §4 — the block holding the most
  // recent segment comes first.
  in(Seg(8101, TcpFlags::kAck).ack(1001).data(std::string(100, 'a')));
  Sent a = one();
  ASSERT_EQ(a.seg.options.sack_count, 1u);
  in(Seg(8301, TcpFlags::kAck).ack(1001).data(std::string(100, 'b')));
  a = one();
  ASSERT_EQ(a.seg.options.sack_count, 2u);
  EXPECT_EQ(a.seg.options.sack_blocks[0], (SackBlock{SeqNum(8301), SeqNum(8401)}));
  EXPECT_EQ(a.seg.options.sack_blocks[1], (SackBlock{SeqNum(8101), SeqNum(8201)}));
  // The first held segment again: RFC 2883 §4 — a D-SACK block first.
  in(Seg(8101, TcpFlags::kAck).ack(1001).data(std::string(100, 'a')));
  a = one();
  ASSERT_GE(a.seg.options.sack_count, 2u);
  EXPECT_EQ(a.seg.options.sack_blocks[0], (SackBlock{SeqNum(8101), SeqNum(8201)}));
  EXPECT_EQ(conn->stats().dsack_blocks_sent, 1u);
  // Data below RCV.NXT: a D-SACK for it, reported once.
  in(Seg(8001, TcpFlags::kAck).ack(1001).data(std::string(100, 'x')));  // fills the first gap
  take();
  in(Seg(8001, TcpFlags::kAck).ack(1001).data(std::string(100, 'x')));  // the same again
  a = one();
  ASSERT_GE(a.seg.options.sack_count, 1u);
  EXPECT_EQ(a.seg.options.sack_blocks[0], (SackBlock{SeqNum(8001), SeqNum(8101)}));
  EXPECT_EQ(conn->stats().dsack_blocks_sent, 2u);
}

TEST_F(Sack, PawsDropsAnOldTimestamp) {
  open(true);
  Seg fresh(8001, TcpFlags::kAck);
  fresh.ack(1001).data("new");
  fresh.s.options.timestamps = TcpTimestamps{600, 0};
  in(fresh);
  take();
  EXPECT_EQ(conn->rcv_nxt(), SeqNum(8004));
  // RFC 7323 §5.3 R1: TSval 550 < TS.Recent 600 — an old duplicate: ACK, drop.
  Seg old(8004, TcpFlags::kAck);
  old.ack(1001).data("old");
  old.s.options.timestamps = TcpTimestamps{550, 0};
  in(old);
  const Sent reply = one();
  EXPECT_EQ(reply.seg.ack, SeqNum(8004));
  EXPECT_EQ(conn->rcv_nxt(), SeqNum(8004));
  EXPECT_EQ(conn->stats().paws_rejected, 1u);
  ASSERT_TRUE(reply.seg.options.timestamps);
  EXPECT_EQ(reply.seg.options.timestamps->tsecr, 600u);  // TS.Recent unchanged by the old one
}

TEST_F(Sack, RecoveryResendsOnlyTheHoleWithinPrr) {
  open();
  // Ten segments of 1000 bytes: 1001..11001.
  conn->send(now, payload_of(10000));
  // cwnd is the initial window (3 segments at MSS 1000... RFC 5681: 4 at
  // SMSS ≤ 1095): what left is cwnd's worth.
  const auto first = take();
  ASSERT_EQ(first.size(), 4u) << trace();
  // The first is lost; the other three arrive and are SACKed one by one,
  // one RTT later.
  advance(Duration::millis(100));
  in(ack_with(1001, {{2001, 3001}}));
  in(ack_with(1001, {{2001, 4001}}));
  take();
  in(ack_with(1001, {{2001, 5001}}));
  // RFC 8985 §6.2: with DupThresh segments SACKed the reordering window is
  // zero — 1001, sent before them, is lost: recovery, the hole first.
  const auto out = take();
  ASSERT_FALSE(out.empty()) << trace();
  EXPECT_EQ(out[0].seg.seq, SeqNum(1001));
  EXPECT_EQ(out[0].data.size(), 1000u);
  for (std::size_t i = 1; i < out.size(); ++i) EXPECT_GE(out[i].seg.seq.raw(), 5001u) << "no SACKed data resent";
  EXPECT_EQ(conn->stats().sack_recoveries, 1u);
  EXPECT_EQ(conn->stats().rack_retransmits, 1u);
  // PRR (RFC 6937): ssthresh = 2000 (half of 4000 in flight); at most
  // ssthresh in the network when recovery ends.
  in(ack_with(5001, {}));
  EXPECT_LE(conn->cwnd(), 4000u);
}

TEST_F(Sack, AfterATimeoutSackedDataIsNotSentAgain) {
  open();
  conn->send(now, payload_of(4000));
  ASSERT_EQ(take().size(), 4u);
  // Segments 2 and 4 are SACKed; 1 and 3 are missing, and the ACKs stop.
  advance(Duration::millis(100));
  in(ack_with(1001, {{2001, 3001}}));
  in(ack_with(1001, {{4001, 5001}, {2001, 3001}}));
  take();
  // RACK's reordering timer (min_RTT/4 later) finds 1 and 3 lost; PRR
  // (RFC 6937 §3.1, nothing delivered yet) lets one segment out: 1. It is
  // lost too.
  advance(Duration::millis(50));
  auto out = take();
  ASSERT_EQ(out.size(), 1u) << trace();
  EXPECT_EQ(out[0].seg.seq, SeqNum(1001));
  EXPECT_EQ(conn->stats().rack_retransmits, 1u);
  advance(Duration::seconds(2));  // the retransmission timer expires
  out = take();
  ASSERT_GE(out.size(), 1u) << trace();
  EXPECT_EQ(out[0].seg.seq, SeqNum(1001));  // cwnd = 1 SMSS: the first hole
  EXPECT_GE(conn->stats().rto_retransmits, 1u);
  in(ack_with(2001, {{4001, 5001}}));       // 1001 arrives; 2001-3001 is covered
  out = take();
  ASSERT_GE(out.size(), 1u) << trace();
  EXPECT_EQ(out[0].seg.seq, SeqNum(3001));  // the next hole, not 2001 (SACKed)
  for (const auto& s : out) EXPECT_NE(s.seg.seq, SeqNum(4001)) << "SACKed data resent";
}

// RFC 2018 §8: a receiver may drop data it has SACKed (reneging). Here 3
// was SACKed, then the peer's ACKs reach 3 cumulatively with no block: it
// no longer holds 3. The timeout must resend 3 although it is marked
// SACKed (the RFC's MUST for the segment at the left edge), and the marks
// are turned off so the rest follows. (Before this, the sender resent
// nothing at every timeout until the connection gave up: a 50 MiB
// transfer with 4 MiB buffers at 1 % loss ended in ETIMEDOUT.)
TEST_F(Sack, AfterATimeoutRenegedDataIsSentAgain) {
  open();
  conn->send(now, payload_of(4000));
  ASSERT_EQ(take().size(), 4u);
  advance(Duration::millis(100));
  in(ack_with(1001, {{3001, 5001}}));  // 3 and 4 SACKed; 1 and 2 missing
  advance(Duration::millis(50));       // RACK resends the holes
  take();
  in(ack_with(3001, {}));  // 1 and 2 arrived; the peer dropped 3 and 4
  take();
  advance(Duration::seconds(2));  // the retransmission timer expires
  const auto out = take();
  ASSERT_GE(out.size(), 1u) << trace();
  EXPECT_EQ(out[0].seg.seq, SeqNum(3001)) << trace();
  EXPECT_EQ(conn->stats().sack_reneging, 1u);
  in(ack_with(4001, {}));
  const auto next = take();
  ASSERT_GE(next.size(), 1u) << trace();
  EXPECT_EQ(next[0].seg.seq, SeqNum(4001)) << "the rest of what was SACKed follows";
}

// RFC 7661 §4.3: cwnd grows only while it is in use. A sender held back by
// the peer's 4000-byte window does not inflate cwnd beyond twice that
// (slow start's allowance), however many ACKs come.
TEST_F(Sack, CwndDoesNotGrowWhileThePeersWindowHoldsTheSenderBack) {
  open();
  conn->send(now, payload_of(60000));
  for (int round = 0; round < 12; ++round) {
    const auto out = take();
    ASSERT_FALSE(out.empty()) << trace();
    advance(Duration::millis(100));
    for (const auto& s : out) {
      if (s.data.empty()) continue;
      const std::uint32_t end = s.seg.seq.raw() + static_cast<std::uint32_t>(s.data.size());
      in(Seg(8001, TcpFlags::kAck).ack(end).win(4000));
    }
  }
  EXPECT_LE(conn->cwnd(), 8000u + 1000u);
  EXPECT_GT(conn->stats().bytes_sent, 40000u);
}


// A window that is not a whole number of segments: the sender fills its
// end with one small segment (RFC 9293 §3.8.6.2.1's SWS rule would leave
// it unused every round trip), but never a second while one is
// unacknowledged (Nagle in Minshall's form).
TEST_F(Sack, TheEndOfAWindowGoesAsOneSmallSegmentAtATime) {
  ConnectionConfig c = sack_ts(true, false);
  c.iw10 = true;
  establish_sack(c, false, /*peer_window=*/4500);  // a peer with a 4500-byte buffer
  conn->send(now, payload_of(20000));
  auto out = take();
  ASSERT_EQ(out.size(), 5u) << trace();
  EXPECT_EQ(out[4].data.size(), 500u);  // 4 × 1000 and the window's last 500
  advance(Duration::millis(100));
  // The first two are ACKed: the window's end moves 2000 on; two full
  // segments go, and no second small one while 4501..5001 is unacked.
  in(Seg(8001, TcpFlags::kAck).ack(3001).win(4500));
  out = take();
  ASSERT_EQ(out.size(), 2u) << trace();
  EXPECT_EQ(out[0].data.size(), 1000u);
  EXPECT_EQ(out[1].data.size(), 1000u);
  // 3001..5501 ACKed, the small one with it: the window's end moves to
  // 10001, 2500 beyond what was sent: two full segments and a small one.
  in(Seg(8001, TcpFlags::kAck).ack(5501).win(4500));
  out = take();
  ASSERT_EQ(out.size(), 3u) << trace();
  EXPECT_EQ(out[0].data.size(), 1000u);
  EXPECT_EQ(out[1].data.size(), 1000u);
  EXPECT_EQ(out[2].data.size(), 500u);
}


// A peer that once offered a large window (as Linux does from its SYN on)
// gets no small segments at the window's end: only full ones.
TEST_F(Sack, APeerWithLargeWindowsGetsNoSmallSegmentAtTheEdge) {
  ConnectionConfig c = sack_ts(true, false);
  c.iw10 = true;
  establish_sack(c);  // 65535 in the SYN-ACK
  in(Seg(8001, TcpFlags::kAck).ack(1001).win(4500));
  conn->send(now, payload_of(20000));
  const auto out = take();
  ASSERT_EQ(out.size(), 4u) << trace();
  for (const auto& s : out) EXPECT_EQ(s.data.size(), 1000u);
}

}  // namespace
}  // namespace ws::tcp
