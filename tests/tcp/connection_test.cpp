// Packet-level tests of the connection state machine (RFC 9293 §3.10),
// using the numbers of seed 000 where they apply.
#include "connection_harness.hpp"

namespace ws::tcp {
namespace {

using testing::ConnectionTest;
using testing::Seg;
constexpr auto kS = TcpFlags::kSyn;
constexpr auto kA = TcpFlags::kAck;
constexpr auto kF = TcpFlags::kFin;
constexpr auto kR = TcpFlags::kRst;
constexpr auto kP = TcpFlags::kPsh;

std::vector<std::uint8_t> bytes(std::size_t n, char c = 'x') { return std::vector<std::uint8_t>(n, static_cast<std::uint8_t>(c)); }

TEST_F(ConnectionTest, ThreeWayHandshakeAsInSeed000) {
  make();
  conn->open_active(now);
  EXPECT_EQ(conn->state(), State::SynSent);
  auto syn = one();
  EXPECT_EQ(syn.seg.flags.bits, kS);
  EXPECT_EQ(syn.seg.seq, SeqNum(1000));
  EXPECT_EQ(syn.seg.options.mss, 1460);
  EXPECT_FALSE(syn.seg.ack);
  in(Seg(8000, kS).ack(1001).mss(1024));
  EXPECT_EQ(conn->state(), State::Established) << trace();
  auto ack = one();
  EXPECT_EQ(ack.seg.flags.bits, kA);
  EXPECT_EQ(ack.seg.seq, SeqNum(1001));
  EXPECT_EQ(ack.seg.ack, SeqNum(8001));
  EXPECT_EQ(conn->effective_mss(), 1024) << "min(ours, the server's)";
}

TEST_F(ConnectionTest, DataTransferAsInSeed000) {
  establish();
  // Segment 4: 20 bytes from seq 1001.
  ASSERT_EQ(conn->send(now, bytes(20, 'a')), 20u);
  auto s4 = one();
  EXPECT_EQ(s4.seg.seq, SeqNum(1001));
  EXPECT_EQ(s4.data.size(), 20u);
  EXPECT_EQ(s4.seg.flags.bits, kA | kP);
  // Segment 5: the server acks 1021 and sends 10 bytes from 8001.
  in(Seg(8001, kA | kP).ack(1021).data("0123456789"));
  EXPECT_EQ(conn->snd_una(), SeqNum(1021));
  EXPECT_EQ(conn->readable_bytes(), 10u);
  // Segment 6 acks 8011 — delayed (one segment), so it waits for the timer.
  EXPECT_TRUE(take().empty()) << "delayed ACK" << trace();
  advance(Duration::millis(40));
  auto s6 = one();
  EXPECT_EQ(s6.seg.ack, SeqNum(8011));
  EXPECT_EQ(conn->stats().delayed_acks, 1u);
  std::vector<std::uint8_t> buf(100);
  ASSERT_EQ(conn->recv(now, buf), 10u);
  EXPECT_EQ(std::string(buf.begin(), buf.begin() + 10), "0123456789");
}

// A pushed segment read to the end: its sender may hold its next segment
// under Nagle until this ACK (RFC 1122 §4.2.3.4 and §4.2.3.2 wait on each
// other); the delayed ACK becomes due at once — but a reply sent at the
// same instant still carries it (seed 000's segment 5).
TEST_F(ConnectionTest, PushedDataReadToTheEndIsAcknowledgedAtOnce) {
  establish();
  in(Seg(8001, kA | kP).ack(1001).data("tail"));
  EXPECT_TRUE(take().empty()) << "delayed ACK" << trace();
  std::vector<std::uint8_t> buf(100);
  ASSERT_EQ(conn->recv(now, buf), 4u);
  EXPECT_EQ(conn->timers().deadline(TimerKind::kDelayedAck), now);
  advance(Duration::zero());
  const auto ack = one();
  EXPECT_EQ(ack.seg.ack, SeqNum(8005));
  EXPECT_TRUE(ack.data.empty());

  // Read with a reply at the same instant: one segment, data and ACK.
  in(Seg(8005, kA | kP).ack(1001).data("ping"));
  ASSERT_EQ(conn->recv(now, buf), 4u);
  conn->send(now, std::vector<std::uint8_t>{'p', 'o', 'n', 'g'});
  const auto reply = one();
  EXPECT_EQ(reply.seg.ack, SeqNum(8009));
  EXPECT_EQ(reply.data.size(), 4u);
  advance(Duration::zero());
  EXPECT_TRUE(take().empty()) << trace();
}

// The ACK of a segment that leaves the sender less than one segment of
// window is due at once; an application that reads at the same instant
// gets its window into that ACK (no zero window, then an update).
TEST_F(ConnectionTest, ClosingWindowAckCarriesAReadAtTheSameInstant) {
  ConnectionConfig cfg;
  cfg.rcvbuf = 2048;
  make(cfg);
  conn->open_active(now);
  take();
  in(Seg(8000, kS).ack(1001).mss(1024));
  take();
  in(Seg(8001, kA).ack(1001).data(std::string(1024, 'a')));
  in(Seg(8001 + 1024, kA).ack(1001).data(std::string(1000, 'b')));
  take();  // the second segment's ACK
  in(Seg(8001 + 2024, kA).ack(1001).data(std::string(24, 'c')));  // 0 bytes of window left
  EXPECT_TRUE(take().empty()) << trace();
  std::vector<std::uint8_t> buf(4096);
  ASSERT_EQ(conn->recv(now, buf), 2048u);
  advance(Duration::zero());
  const auto ack = one();
  EXPECT_EQ(ack.seg.ack, SeqNum(8001 + 2048));
  EXPECT_EQ(ack.seg.window, 2048) << "the window the read opened, in the same ACK";
}

// A send buffer holding more than one segment but not two: segments of
// half the buffer, so Nagle never holds the second one for a round trip.
TEST_F(ConnectionTest, SegmentsOfHalfASendBufferBetweenOneAndTwoSegments) {
  ConnectionConfig cfg;
  cfg.sndbuf = 2048;
  establish(cfg);  // the peer's MSS is 1024: the buffer holds two segments
  EXPECT_EQ(conn->effective_mss(), 1024);
  cfg.sndbuf = 1500;
  establish(cfg);
  EXPECT_EQ(conn->effective_mss(), 750);
  cfg.sndbuf = 1000;  // less than one segment: whole-buffer segments
  establish(cfg);
  EXPECT_EQ(conn->effective_mss(), 1024);
}

// The FIN takes a sequence number: it waits while the peer's window is
// full (a receiver with no window would drop it) and leaves with the ACK
// that opens it.
TEST_F(ConnectionTest, FinWaitsForOneByteOfWindow) {
  establish();
  in(Seg(8001, kA).ack(1001).win(1000));
  conn->send(now, std::vector<std::uint8_t>(1000, 'f'));
  conn->close(now);
  auto data = one();
  EXPECT_EQ(data.data.size(), 1000u);
  EXPECT_FALSE(data.seg.flags.fin()) << "no window left for the FIN";
  in(Seg(8001, kA).ack(2001).win(1000));
  const auto fin = one();
  EXPECT_TRUE(fin.seg.flags.fin());
  EXPECT_EQ(fin.seg.seq, SeqNum(2001));
}

TEST_F(ConnectionTest, FourWayCloseAndTimeWait) {
  establish();
  conn->close(now);  // segment 7: FIN
  EXPECT_EQ(conn->state(), State::FinWait1);
  auto fin = one();
  EXPECT_EQ(fin.seg.flags.bits, kA | kF);
  EXPECT_EQ(fin.seg.seq, SeqNum(1001));
  in(Seg(8001, kA).ack(1002));  // segment 8
  EXPECT_EQ(conn->state(), State::FinWait2);
  in(Seg(8001, kA | kF).ack(1002));  // segment 9
  EXPECT_EQ(conn->state(), State::TimeWait) << trace();
  auto last = one();  // segment 10
  EXPECT_EQ(last.seg.flags.bits, kA);
  EXPECT_EQ(last.seg.ack, SeqNum(8002));
  // A retransmitted FIN is ACKed again and restarts 2·MSL (seed 001 §4.4.3).
  advance(Duration::seconds(50));
  in(Seg(8001, kA | kF).ack(1002));
  EXPECT_EQ(one().seg.ack, SeqNum(8002));
  advance(Duration::seconds(59));
  EXPECT_EQ(conn->state(), State::TimeWait);
  advance(Duration::seconds(1));
  EXPECT_EQ(conn->state(), State::Closed);
  EXPECT_FALSE(conn->error());
}

TEST_F(ConnectionTest, PassiveCloseThroughCloseWaitAndLastAck) {
  establish();
  in(Seg(8001, kA | kF).ack(1001));
  EXPECT_EQ(conn->state(), State::CloseWait);
  EXPECT_EQ(one().seg.ack, SeqNum(8002)) << "a FIN is ACKed at once";
  EXPECT_TRUE(conn->eof());
  // Half-close: we may still send after the peer's FIN.
  ASSERT_EQ(conn->send(now, bytes(5)), 5u);
  EXPECT_EQ(one().data.size(), 5u);
  conn->close(now);
  EXPECT_EQ(conn->state(), State::LastAck);
  auto fin = one();
  EXPECT_TRUE(fin.seg.flags.fin());
  EXPECT_EQ(fin.seg.seq, SeqNum(1006));
  in(Seg(8002, kA).ack(1007));
  EXPECT_EQ(conn->state(), State::Closed);
}

TEST_F(ConnectionTest, HalfCloseKeepsReceivingAfterOurFin) {
  establish();
  conn->shutdown_write(now);
  EXPECT_TRUE(one().seg.flags.fin());
  in(Seg(8001, kA).ack(1002));
  EXPECT_EQ(conn->state(), State::FinWait2);
  in(Seg(8001, kA | kP).ack(1002).data("more data"));
  in(Seg(8010, kA | kP).ack(1002).data(" after FIN"));
  EXPECT_EQ(conn->readable_bytes(), 19u);
  EXPECT_EQ(conn->state(), State::FinWait2);
}

TEST_F(ConnectionTest, SimultaneousClose) {
  establish();
  conn->close(now);
  take();
  in(Seg(8001, kA | kF).ack(1001));  // their FIN crosses ours
  EXPECT_EQ(conn->state(), State::Closing) << trace();
  in(Seg(8002, kA).ack(1002));
  EXPECT_EQ(conn->state(), State::TimeWait);
}

TEST_F(ConnectionTest, SimultaneousOpen) {
  make();
  conn->open_active(now);
  take();
  in(Seg(8000, kS).mss(1460));  // a SYN without ACK
  EXPECT_EQ(conn->state(), State::SynReceived);
  auto synack = one();
  EXPECT_EQ(synack.seg.flags.bits, kS | kA);
  EXPECT_EQ(synack.seg.seq, SeqNum(1000));
  EXPECT_EQ(synack.seg.ack, SeqNum(8001));
  in(Seg(8000, kS).ack(1001).mss(1460));  // their SYN-ACK: a SYN in SYN-RECEIVED → challenge
  in(Seg(8001, kA).ack(1001));
  EXPECT_EQ(conn->state(), State::Established) << trace();
}

TEST_F(ConnectionTest, RstInSynSentRefusesTheConnection) {
  make();
  conn->open_active(now);
  take();
  in(Seg(0, kR).ack(999));  // unacceptable ACK: ignored
  EXPECT_EQ(conn->state(), State::SynSent);
  in(Seg(0, kR | kA).ack(1001));
  EXPECT_EQ(conn->state(), State::Closed);
  EXPECT_EQ(conn->error(), SockError::ConnRefused);
}

TEST_F(ConnectionTest, BadAckInSynSentIsAnsweredWithRst) {
  make();
  conn->open_active(now);
  take();
  in(Seg(8000, kS).ack(5000));
  auto rst = one();
  EXPECT_EQ(rst.seg.flags.bits, kR);
  EXPECT_EQ(rst.seg.seq, SeqNum(5000));
  EXPECT_EQ(conn->state(), State::SynSent);
}

TEST_F(ConnectionTest, SynRetransmitsWithBackoffThenTimesOut) {
  ConnectionConfig cfg;
  cfg.syn_retries = 3;
  make(cfg);
  conn->open_active(now);
  take();
  std::vector<Instant> at;
  for (int i = 0; i < 3; ++i) {
    advance(conn->next_deadline() - now);
    auto s = one();
    EXPECT_EQ(s.seg.flags.bits, kS);
    at.push_back(now);
  }
  EXPECT_EQ(at[0], Instant::zero() + Duration::seconds(1));
  EXPECT_EQ(at[1], Instant::zero() + Duration::seconds(3)) << "backoff doubles: 1, 2, 4 s";
  EXPECT_EQ(at[2], Instant::zero() + Duration::seconds(7));
  advance(Duration::seconds(8));
  EXPECT_EQ(conn->state(), State::Closed);
  EXPECT_EQ(conn->error(), SockError::TimedOut);
}

TEST_F(ConnectionTest, UnacceptableSegmentGetsAnAck) {
  establish();
  in(Seg(7000, kA | kP).ack(1001).data("old"));
  auto ack = one();
  EXPECT_EQ(ack.seg.flags.bits, kA);
  EXPECT_EQ(ack.seg.ack, SeqNum(8001));
  EXPECT_EQ(conn->stats().unacceptable_segments, 1u);
  EXPECT_EQ(conn->readable_bytes(), 0u);
}

TEST_F(ConnectionTest, Rfc5961ChallengeAcks) {
  establish();
  in(Seg(8005, kR));  // in window but not exact
  EXPECT_EQ(conn->state(), State::Established);
  EXPECT_EQ(one().seg.ack, SeqNum(8001));
  in(Seg(8001, kS));  // SYN on a synchronized connection
  EXPECT_EQ(conn->state(), State::Established);
  EXPECT_EQ(one().seg.flags.bits, kA);
  EXPECT_EQ(conn->stats().challenge_acks, 2u);
  in(Seg(200000, kR));  // outside the window: silently dropped
  EXPECT_TRUE(take().empty());
  in(Seg(8001, kR));  // exact: reset
  EXPECT_EQ(conn->state(), State::Closed);
  EXPECT_EQ(conn->error(), SockError::ConnReset);
}

TEST_F(ConnectionTest, RetransmissionTimeoutResendsAndBacksOff) {
  ConnectionConfig cfg;
  cfg.max_retransmits = 2;
  establish(cfg);
  conn->send(now, bytes(100));
  take();
  const Duration rto = conn->rtt().rto();
  advance(rto);
  auto r1 = one();
  EXPECT_EQ(r1.seg.seq, SeqNum(1001));
  EXPECT_EQ(r1.data.size(), 100u);
  EXPECT_EQ(conn->stats().rto_expiries, 1u);
  EXPECT_EQ(conn->rtt().rto(), rto * 2);
  advance(rto * 2);
  EXPECT_EQ(one().seg.seq, SeqNum(1001));
  advance(rto * 4);
  EXPECT_EQ(conn->state(), State::Closed);
  EXPECT_EQ(conn->error(), SockError::TimedOut);
}

TEST_F(ConnectionTest, FastRetransmitOnThreeDuplicateAcks) {
  establish();
  conn->send(now, bytes(4096));  // IW (RFC 5681, SMSS 1024): 4 segments
  auto first = take();
  ASSERT_EQ(first.size(), 4u) << trace();
  // The first segment is lost; each later one yields a duplicate ACK.
  in(Seg(8001, kA).ack(1001));
  in(Seg(8001, kA).ack(1001));
  EXPECT_TRUE(take().empty());
  in(Seg(8001, kA).ack(1001));
  auto re = take();
  ASSERT_FALSE(re.empty()) << trace();
  EXPECT_EQ(re[0].seg.seq, SeqNum(1001));
  EXPECT_EQ(conn->stats().fast_retransmits, 1u);
  in(Seg(8001, kA).ack(5097));  // everything acknowledged: recovery ends
  EXPECT_EQ(conn->snd_una(), SeqNum(5097));
}

TEST_F(ConnectionTest, OutOfOrderDataIsAckedAtOnceAndReassembled) {
  establish();
  in(Seg(8011, kA).ack(1001).data("world"));
  auto dup = one();
  EXPECT_EQ(dup.seg.ack, SeqNum(8001)) << "immediate duplicate ACK for the gap";
  EXPECT_EQ(conn->readable_bytes(), 0u);
  in(Seg(8001, kA).ack(1001).data("hello, my "));
  EXPECT_EQ(one().seg.ack, SeqNum(8016)) << "the gap filled: ACK at once";
  std::vector<std::uint8_t> buf(32);
  ASSERT_EQ(conn->recv(now, buf), 15u);
  EXPECT_EQ(std::string(buf.begin(), buf.begin() + 15), "hello, my world");
  // Duplicates are trimmed (seed 000: "舍弃重复的数据包").
  in(Seg(8001, kA).ack(1001).data("hello"));
  EXPECT_EQ(one().seg.ack, SeqNum(8016));
  EXPECT_EQ(conn->readable_bytes(), 0u);
}

TEST_F(ConnectionTest, EverySecondFullSegmentIsAckedAtOnce) {
  establish();
  const std::string full(1024, 'd');
  in(Seg(8001, kA).ack(1001).data(full));
  EXPECT_TRUE(take().empty());
  in(Seg(8001 + 1024, kA).ack(1001).data(full));
  EXPECT_EQ(one().seg.ack, SeqNum(8001 + 2048));
}

TEST_F(ConnectionTest, NagleHoldsSmallSegmentsWhileDataIsInFlight) {
  establish();
  conn->send(now, bytes(10));
  EXPECT_EQ(take().size(), 1u);
  conn->send(now, bytes(10));
  conn->send(now, bytes(10));
  EXPECT_TRUE(take().empty()) << "Nagle: wait for the ACK";
  in(Seg(8001, kA).ack(1011));
  auto s = one();
  EXPECT_EQ(s.data.size(), 20u) << "the small writes coalesced";
  conn->set_nodelay(now, true);
  conn->send(now, bytes(3));
  EXPECT_EQ(one().data.size(), 3u) << "TCP_NODELAY sends at once";
}

TEST_F(ConnectionTest, ZeroWindowIsProbedWithBackoff) {
  establish();
  in(Seg(8001, kA).ack(1001).win(0));
  conn->send(now, bytes(100));
  EXPECT_TRUE(take().empty());
  const Instant t0 = now;
  advance(conn->next_deadline() - now);
  auto probe = one();
  EXPECT_EQ(probe.seg.seq, SeqNum(1000)) << "an old sequence number, no data";
  EXPECT_TRUE(probe.data.empty());
  EXPECT_EQ(conn->stats().zero_window_probes, 1u);
  const Duration first = now - t0;
  const Instant t1 = now;
  advance(conn->next_deadline() - now);
  EXPECT_EQ(one().seg.seq, SeqNum(1000));
  EXPECT_EQ(now - t1, first * 2) << "the probe interval backs off";
  in(Seg(8001, kA).ack(1001).win(4096));  // the window opens
  auto data = one();
  EXPECT_EQ(data.data.size(), 100u);
}

TEST_F(ConnectionTest, CloseWithUnreadDataResets) {
  establish();
  in(Seg(8001, kA).ack(1001).data("unread"));
  take();
  conn->close(now);
  auto rst = one();
  EXPECT_TRUE(rst.seg.flags.rst());
  EXPECT_EQ(conn->state(), State::Closed);
}

TEST_F(ConnectionTest, PassiveOpen) {
  make({}, 8000);
  TcpSegment syn = Seg(1000, kS).mss(1024);
  conn->open_passive(now, syn);
  auto synack = one();
  EXPECT_EQ(synack.seg.flags.bits, kS | kA);
  EXPECT_EQ(synack.seg.seq, SeqNum(8000));
  EXPECT_EQ(synack.seg.ack, SeqNum(1001));
  EXPECT_EQ(conn->state(), State::SynReceived);
  in(Seg(1001, kA).ack(7000));  // bad ACK: RST
  EXPECT_EQ(one().seg.flags.bits, kR);
  in(Seg(1001, kA).ack(8001));
  EXPECT_EQ(conn->state(), State::Established);
}

TEST_F(ConnectionTest, OrphanedFinWait2TimesOut) {
  ConnectionConfig cfg;
  cfg.fin_wait2_timeout = Duration::seconds(60);
  establish(cfg);
  conn->close(now);
  take();
  in(Seg(8001, kA).ack(1002));
  EXPECT_EQ(conn->state(), State::FinWait2);
  advance(Duration::seconds(59));
  EXPECT_EQ(conn->state(), State::FinWait2);
  advance(Duration::seconds(1));
  EXPECT_EQ(conn->state(), State::Closed) << "the peer never sent its FIN";
}

TEST_F(ConnectionTest, HalfClosedFinWait2WaitsForThePeer) {
  establish();
  conn->shutdown_write(now);  // not close(): the application still reads
  take();
  in(Seg(8001, kA).ack(1002));
  advance(Duration::seconds(600));
  EXPECT_EQ(conn->state(), State::FinWait2) << "no timeout while the application may read";
}

TEST_F(ConnectionTest, KeepaliveProbesThenGivesUp) {
  ConnectionConfig cfg;
  cfg.keepalive = true;
  cfg.keepalive_idle = Duration::seconds(100);
  cfg.keepalive_interval = Duration::seconds(10);
  cfg.keepalive_probes = 3;
  establish(cfg);
  advance(Duration::seconds(100));
  auto probe = one();
  EXPECT_EQ(probe.seg.seq, SeqNum(1000)) << "SND.NXT - 1, no data (RFC 1122 §4.2.3.6)";
  EXPECT_TRUE(probe.data.empty());
  in(Seg(8001, kA).ack(1001));  // the peer answers: idle again
  advance(Duration::seconds(99));
  EXPECT_TRUE(take().empty());
  advance(Duration::seconds(1));
  EXPECT_EQ(take().size(), 1u);
  advance(Duration::seconds(30));  // probes 2 and 3 go unanswered; then RST
  auto last = take();
  ASSERT_EQ(last.size(), 3u) << trace();
  EXPECT_FALSE(last[1].seg.flags.rst());
  EXPECT_TRUE(last[2].seg.flags.rst());
  EXPECT_EQ(conn->state(), State::Closed);
  EXPECT_EQ(conn->error(), SockError::TimedOut);
}

TEST_F(ConnectionTest, AbortSendsRstAndCloses) {
  establish();
  conn->abort(now);
  auto rst = one();
  EXPECT_TRUE(rst.seg.flags.rst());
  EXPECT_EQ(rst.seg.seq, SeqNum(1001));
  EXPECT_EQ(conn->state(), State::Closed);
}

TEST_F(ConnectionTest, DataAfterCloseIsAnsweredWithRst) {
  establish();
  conn->close(now);
  take();
  in(Seg(8001, kA | kP).ack(1002).data("late"));
  auto out = take();
  ASSERT_FALSE(out.empty());
  EXPECT_TRUE(out.back().seg.flags.rst()) << "nobody will read it (RFC 2525 §2.17)";
  EXPECT_EQ(conn->state(), State::Closed);
}

TEST_F(ConnectionTest, ReceiverAdvertisesItsFreeBufferAndReopensTheWindow) {
  ConnectionConfig cfg;
  cfg.rcvbuf = 4096;
  make(cfg);
  conn->open_active(now);
  EXPECT_EQ(one().seg.window, 4096);
  in(Seg(8000, kS).ack(1001).mss(1024));
  take();
  in(Seg(8001, kA).ack(1001).data(std::string(2048, 'a')));
  in(Seg(8001 + 2048, kA).ack(1001).data(std::string(2048, 'b')));
  advance(Duration::zero());  // the ACK of a closing window is due at this instant
  auto acks = take();
  ASSERT_FALSE(acks.empty());
  EXPECT_EQ(acks.back().seg.window, 0) << "the buffer is full";
  std::vector<std::uint8_t> buf(1000);
  conn->recv(now, buf);  // 1000 bytes free: below min(buffer/2, MSS)... no update yet
  EXPECT_TRUE(take().empty()) << "receiver SWS avoidance";
  std::vector<std::uint8_t> big(4096);
  conn->recv(now, big);
  auto update = one();
  EXPECT_EQ(update.seg.window, 4096) << "a window update once the read freed enough";
  EXPECT_EQ(conn->stats().window_updates, 1u);
}

}  // namespace
}  // namespace ws::tcp
