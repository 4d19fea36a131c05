// ECN in TCP (RFC 3168) packet by packet: the negotiation matrix of
// §6.1.1 in both roles, ECT(0) on new data only (§6.1.2, §6.1.4–6), the
// receiver's ECE echo until CWR with an immediate ACK for a CE mark
// (§6.1.3), and the sender's one reduction per window with CWR on the next
// new data (§6.1.2).
#include <gtest/gtest.h>

#include <algorithm>

#include "connection_harness.hpp"

namespace ws::tcp {
namespace {

using namespace ws::tcp::testing;

constexpr std::uint8_t kSynEceCwr = TcpFlags::kSyn | TcpFlags::kEce | TcpFlags::kCwr;

ConnectionConfig with_ecn(EcnMode mode, bool sack = false) {
  ConnectionConfig c;
  c.ecn = mode;
  c.sack = sack;
  c.nodelay = true;
  return c;
}

std::vector<std::uint8_t> bytes_of(std::size_t n) { return std::vector<std::uint8_t>(n, 'e'); }

class Ecn : public ConnectionTest {
 protected:
  // Active open answered by a SYN-ACK with `synack_flags` added (MSS 1000,
  // SACK-permitted when `sack`); returns our SYN.
  Sent active(ConnectionConfig cfg, std::uint8_t synack_flags) {
    make(cfg);
    conn->open_active(now);
    Sent syn = one();
    advance(Duration::millis(100));
    Seg synack(8000, static_cast<std::uint8_t>(TcpFlags::kSyn | synack_flags));
    synack.ack(1001).mss(1000);
    synack.s.options.sack_permitted = cfg.sack;
    in(synack);
    take();
    EXPECT_EQ(conn->state(), State::Established) << trace();
    return syn;
  }
  // Passive open by a SYN with `syn_flags` added; returns our SYN-ACK.
  Sent passive(ConnectionConfig cfg, std::uint8_t syn_flags) {
    make(cfg);
    conn->open_passive(now, Seg(8000, static_cast<std::uint8_t>(TcpFlags::kSyn | syn_flags)).mss(1000));
    Sent synack = one();
    in(Seg(8001, TcpFlags::kAck).ack(1001));
    EXPECT_EQ(conn->state(), State::Established) << trace();
    take();
    return synack;
  }
  // ESTABLISHED with ECN in use (we asked, the peer accepted).
  void open(bool sack = false) {
    active(with_ecn(EcnMode::kOn, sack), TcpFlags::kEce);
    ASSERT_TRUE(conn->ecn_enabled());
  }
  // Data from the peer, acknowledging our SYN only.
  static Seg data_from_peer(std::uint32_t seq, std::size_t len, std::uint8_t extra = 0) {
    Seg s(seq, static_cast<std::uint8_t>(TcpFlags::kAck | extra));
    s.ack(1001).data(std::string(len, 'p'));
    return s;
  }
  // A pure ACK from the peer, with ECE when `ece`.
  static Seg ack_of(std::uint32_t ack, bool ece) {
    Seg s(8001, static_cast<std::uint8_t>(TcpFlags::kAck | (ece ? TcpFlags::kEce : 0)));
    s.ack(ack);
    return s;
  }
};

// --- negotiation (§6.1.1) --------------------------------------------------------------

TEST_F(Ecn, BothAskOrAcceptThenOn) {
  const Sent syn = active(with_ecn(EcnMode::kOn), TcpFlags::kEce);
  EXPECT_EQ(syn.seg.flags.bits, kSynEceCwr) << "an ECN-setup SYN: ECE and CWR";
  EXPECT_EQ(syn.ecn, ecn::kNotEct) << "a SYN is never ECT";
  EXPECT_TRUE(conn->ecn_enabled());
  EXPECT_EQ(conn->stats().ecn_negotiated, 1u);

  const Sent synack = passive(with_ecn(EcnMode::kAccept), TcpFlags::kEce | TcpFlags::kCwr);
  EXPECT_EQ(synack.seg.flags.bits, TcpFlags::kSyn | TcpFlags::kAck | TcpFlags::kEce)
      << "the accepting SYN-ACK: ECE without CWR";
  EXPECT_EQ(synack.ecn, ecn::kNotEct);
  EXPECT_TRUE(conn->ecn_enabled());
  EXPECT_TRUE(passive(with_ecn(EcnMode::kOn), TcpFlags::kEce | TcpFlags::kCwr).seg.flags.ece());
  EXPECT_TRUE(conn->ecn_enabled());
}

TEST_F(Ecn, OnlyTheClientAsksThenOff) {
  // The peer does not answer with ECE: no ECN.
  active(with_ecn(EcnMode::kOn), 0);
  EXPECT_FALSE(conn->ecn_enabled());
  // A server that does not accept does not answer with ECE.
  const Sent synack = passive(with_ecn(EcnMode::kOff), TcpFlags::kEce | TcpFlags::kCwr);
  EXPECT_EQ(synack.seg.flags.bits, TcpFlags::kSyn | TcpFlags::kAck);
  EXPECT_FALSE(conn->ecn_enabled());
}

TEST_F(Ecn, OnlyTheServerEnabledThenOff) {
  // kAccept (every stack's default) never asks in its own SYN...
  const Sent syn = active(with_ecn(EcnMode::kAccept), TcpFlags::kEce);
  EXPECT_EQ(syn.seg.flags.bits, TcpFlags::kSyn);
  // ...and an ECE in a SYN-ACK nobody asked for does not turn ECN on.
  EXPECT_FALSE(conn->ecn_enabled());
  active(with_ecn(EcnMode::kOff), TcpFlags::kEce);
  EXPECT_FALSE(conn->ecn_enabled());
  // A server willing to accept, asked by a SYN without ECE and CWR, stays off.
  EXPECT_FALSE(passive(with_ecn(EcnMode::kOn), 0).seg.flags.ece());
  EXPECT_FALSE(conn->ecn_enabled());
}

TEST_F(Ecn, SynWithEceButNoCwrIsNotEcnSetup) {
  const Sent synack = passive(with_ecn(EcnMode::kAccept), TcpFlags::kEce);
  EXPECT_EQ(synack.seg.flags.bits, TcpFlags::kSyn | TcpFlags::kAck);
  EXPECT_FALSE(conn->ecn_enabled());
  passive(with_ecn(EcnMode::kOn), TcpFlags::kCwr);
  EXPECT_FALSE(conn->ecn_enabled());
}

TEST_F(Ecn, SynAckWithEceAndCwrIsNotEcnSetup) {
  // §6.1.1: a SYN-ACK with both set, as a middlebox that reflects the
  // SYN's flags would send, is not an ECN-setup SYN-ACK.
  active(with_ecn(EcnMode::kOn), TcpFlags::kEce | TcpFlags::kCwr);
  EXPECT_FALSE(conn->ecn_enabled());
  conn->send(now, bytes_of(500));
  const Sent d = one();
  EXPECT_EQ(d.ecn, ecn::kNotEct) << "no ECT without ECN";
}

// --- ECT(0) on new data only (§6.1.2, §6.1.4–6) ------------------------------------------

TEST_F(Ecn, Ect0OnNewDataNotOnPureAcksOrRetransmissions) {
  open();
  conn->send(now, bytes_of(500));
  const Sent d = one();
  EXPECT_EQ(d.data.size(), 500u);
  EXPECT_EQ(d.ecn, ecn::kEct0);
  // A pure ACK for the peer's data: not ECT.
  in(data_from_peer(8001, 100));
  advance(Duration::millis(40));  // the delayed ACK
  const Sent a = one();
  EXPECT_TRUE(a.data.empty());
  EXPECT_EQ(a.ecn, ecn::kNotEct);
  // The timeout's retransmission of the same data (RTO 300 ms after the
  // handshake's 100 ms sample): not ECT.
  advance(Duration::millis(300));
  const Sent r = one();
  EXPECT_EQ(r.seg.seq, SeqNum(1001));
  EXPECT_EQ(r.data.size(), 500u);
  EXPECT_EQ(r.ecn, ecn::kNotEct);
  EXPECT_EQ(conn->stats().retransmitted_segments, 1u);
}

TEST_F(Ecn, WithoutEcnNothingIsEct) {
  active(ConnectionConfig{}, 0);
  conn->send(now, bytes_of(500));
  EXPECT_EQ(one().ecn, ecn::kNotEct);
}

// --- the receiver: CE → ECE until CWR (§6.1.3) --------------------------------------------

TEST_F(Ecn, CeIsEchoedUntilCwrAndAckedAtOnce) {
  open();
  // Unmarked data: the ACK is delayed (nothing at once), without ECE.
  in(data_from_peer(8001, 100));
  EXPECT_TRUE(silent()) << trace();
  advance(Duration::millis(40));
  EXPECT_FALSE(one().seg.flags.ece());
  // CE-marked data: ACKed at once, with ECE.
  in(data_from_peer(8101, 100), ecn::kCe);
  const Sent first = one();
  EXPECT_EQ(first.seg.ack, SeqNum(8201));
  EXPECT_TRUE(first.seg.flags.ece()) << trace();
  EXPECT_EQ(conn->stats().ecn_ce_received, 1u);
  // Unmarked data after it: ECE still, on every ACK, until CWR.
  in(data_from_peer(8201, 100));
  advance(Duration::millis(40));
  EXPECT_TRUE(one().seg.flags.ece()) << trace();
  conn->send(now, bytes_of(100));  // our data carries the ACK fields too
  EXPECT_TRUE(one().seg.flags.ece()) << trace();
  // The peer's CWR: the echo stops.
  in(data_from_peer(8301, 100, TcpFlags::kCwr));
  advance(Duration::millis(40));
  const Sent after = one();
  EXPECT_EQ(after.seg.ack, SeqNum(8401));
  EXPECT_FALSE(after.seg.flags.ece()) << trace();
  EXPECT_FALSE(conn->ece_pending());
}

TEST_F(Ecn, CwrOnACeMarkedSegmentKeepsEchoing) {
  open();
  in(data_from_peer(8001, 100), ecn::kCe);
  EXPECT_TRUE(one().seg.flags.ece());
  // CWR ends the last mark's echo, but this segment was marked again.
  in(data_from_peer(8101, 100, TcpFlags::kCwr), ecn::kCe);
  EXPECT_TRUE(one().seg.flags.ece()) << trace();
  EXPECT_EQ(conn->stats().ecn_ce_received, 2u);
}

TEST_F(Ecn, CeIsIgnoredWithoutEcn) {
  active(with_ecn(EcnMode::kOn), 0);
  in(data_from_peer(8001, 100), ecn::kCe);
  EXPECT_TRUE(silent()) << "delayed as usual";
  advance(Duration::millis(40));
  EXPECT_FALSE(one().seg.flags.ece());
  EXPECT_EQ(conn->stats().ecn_ce_received, 0u);
}

// --- the sender: one reduction per window, CWR (§6.1.2) ------------------------------------

class EcnSender : public Ecn, public ::testing::WithParamInterface<bool> {};

TEST_P(EcnSender, RepeatedEceWithinOneWindowReducesOnce) {
  const bool sack = GetParam();
  open(sack);
  conn->send(now, bytes_of(20000));
  const auto first_flight = take();
  ASSERT_EQ(first_flight.size(), 4u) << "RFC 5681 IW at MSS 1000" << trace();
  for (const Sent& s : first_flight) {
    EXPECT_EQ(s.ecn, ecn::kEct0);
    EXPECT_FALSE(s.seg.flags.cwr());
  }
  const std::uint32_t cwnd_before = conn->cwnd();
  // The first ECE: one reduction, no retransmission.
  advance(Duration::millis(100));
  in(ack_of(2001, true));
  EXPECT_EQ(conn->stats().ecn_ece_received, 1u);
  EXPECT_EQ(conn->stats().ecn_reductions, 1u);
  const std::uint32_t reduced = conn->cwnd();
  EXPECT_LT(reduced, cwnd_before) << trace();
  EXPECT_EQ(conn->sender().ssthresh(), reduced);
  // More ECE for the rest of that window: no further reduction (and no
  // growth either: cwnd stays, for NewReno and with SACK).
  std::vector<Sent> out = take();
  for (std::uint32_t a : {3001u, 4001u, 5001u}) {
    in(ack_of(a, true));
    for (Sent& s : take()) out.push_back(std::move(s));
  }
  EXPECT_EQ(conn->stats().ecn_ece_received, 4u);
  EXPECT_EQ(conn->stats().ecn_reductions, 1u) << trace();
  EXPECT_EQ(conn->stats().retransmitted_segments, 0u);
  // New data went out meanwhile: the first of it with CWR, the rest without.
  ASSERT_FALSE(out.empty()) << trace();
  EXPECT_EQ(out.front().seg.seq, SeqNum(5001));
  EXPECT_TRUE(out.front().seg.flags.cwr()) << trace();
  EXPECT_EQ(out.front().ecn, ecn::kEct0);
  EXPECT_EQ(std::count_if(out.begin(), out.end(), [](const Sent& s) { return s.seg.flags.cwr(); }), 1);
  EXPECT_EQ(conn->stats().ecn_cwr_sent, 1u);
}

TEST_P(EcnSender, AnEceForDataSentAfterTheReductionReducesAgain) {
  const bool sack = GetParam();
  open(sack);
  conn->send(now, bytes_of(20000));
  take();
  advance(Duration::millis(100));
  in(ack_of(2001, true));
  ASSERT_EQ(conn->stats().ecn_reductions, 1u);
  std::uint32_t high = 5001;  // SND.MAX at the reduction
  std::uint32_t acked = 2001;
  std::vector<Sent> out;
  // The rest of the window, without ECE (the peer saw our CWR).
  advance(Duration::millis(100));
  for (std::uint32_t a : {3001u, 4001u, 5001u}) {
    in(ack_of(a, false));
    acked = a;
    for (Sent& s : take()) out.push_back(std::move(s));
  }
  ASSERT_FALSE(out.empty());
  const std::uint32_t cwnd_mid = conn->cwnd();
  // An ECE that acknowledges data sent after the reduction: a new round
  // trip, a new congestion signal.
  const std::uint32_t next = acked + 1000;
  ASSERT_TRUE(SeqNum(next).after(SeqNum(high)));
  in(ack_of(next, true));
  EXPECT_EQ(conn->stats().ecn_reductions, 2u) << trace();
  EXPECT_LT(conn->cwnd(), cwnd_mid);
  EXPECT_EQ(conn->stats().retransmitted_segments, 0u);
}

INSTANTIATE_TEST_SUITE_P(WithAndWithoutSack, EcnSender, ::testing::Values(false, true),
                         [](const auto& p) { return p.param ? "Sack" : "NewReno"; });

TEST_F(Ecn, AnEceDuringLossRecoveryDoesNotReduceAgain) {
  open(true);
  conn->send(now, bytes_of(20000));
  take();
  advance(Duration::millis(100));
  // 1001..2001 lost: three SACKs above it start fast recovery (one reduction).
  for (std::uint32_t r : {3001u, 4001u, 5001u}) in(ack_with(1001, {{2001, r}}));
  ASSERT_TRUE(conn->sender().in_recovery()) << trace();
  const std::uint32_t ssthresh = conn->sender().ssthresh();
  // The same congestion, also marked: no second reduction.
  Seg ece = ack_with(1001, {{2001, 5001}});
  ece.s.flags.bits |= TcpFlags::kEce;
  in(ece);
  EXPECT_EQ(conn->stats().ecn_reductions, 0u);
  EXPECT_EQ(conn->sender().ssthresh(), ssthresh);
  // The loss's reduction is announced with CWR on the next new data.
  auto out = take();
  const bool cwr = std::any_of(out.begin(), out.end(), [](const Sent& s) { return s.seg.flags.cwr(); });
  in(ack_of(5001, false));
  out = take();
  EXPECT_TRUE(cwr || std::any_of(out.begin(), out.end(), [](const Sent& s) { return s.seg.flags.cwr(); }))
      << trace();
  EXPECT_EQ(conn->stats().ecn_cwr_sent, 1u);
}

}  // namespace
}  // namespace ws::tcp
