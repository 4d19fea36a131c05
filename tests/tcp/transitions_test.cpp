// Every arc of the RFC 9293 §3.3.2 state diagram, one test per arc (some
// arcs are already pinned by connection_test.cpp and are only listed
// here). Each test asserts the arc itself (the state hook's record), the
// exact segments it sends, and the timers it leaves.
//
//   arc                                   event                      test
//   CLOSED → SYN-SENT                     active OPEN, snd SYN       ClosedToSynSent…
//   CLOSED/LISTEN → SYN-RECEIVED          rcv SYN, snd SYN,ACK       ClosedToSynReceived…
//   SYN-SENT → SYN-RECEIVED               rcv SYN, snd SYN,ACK       SynSentToSynReceived… (two connections)
//   SYN-SENT → ESTABLISHED                rcv SYN,ACK, snd ACK       ConnectionTest.ThreeWayHandshakeAsInSeed000, SynSentToEstablished…
//   SYN-SENT → CLOSED                     CLOSE                      SynSentToClosedOnClose
//   SYN-RECEIVED → ESTABLISHED            rcv ACK of SYN             SynReceivedToEstablished…
//   SYN-RECEIVED → FIN-WAIT-1             CLOSE, snd FIN             SynReceivedToFinWait1…
//   SYN-RECEIVED → LISTEN                 rcv RST (passive)          SynReceivedToListenOnRst
//   SYN-RECEIVED → CLOSED                 rcv RST (active)           SynReceivedToClosedOnRstWhenActive
//   ESTABLISHED → FIN-WAIT-1              CLOSE, snd FIN             EstablishedToFinWait1…
//   ESTABLISHED → CLOSE-WAIT              rcv FIN, snd ACK           EstablishedToCloseWait…
//   FIN-WAIT-1 → FIN-WAIT-2               rcv ACK of FIN             FinWait1ToFinWait2…
//   FIN-WAIT-1 → CLOSING                  rcv FIN, snd ACK           FinWait1ToClosing…
//   FIN-WAIT-1 → TIME-WAIT                rcv FIN+ACK of FIN         FinWait1ToTimeWait…
//   FIN-WAIT-2 → TIME-WAIT                rcv FIN, snd ACK           ConnectionTest.FourWayCloseAndTimeWait, FinWait2ToTimeWait…
//   CLOSE-WAIT → LAST-ACK                 CLOSE, snd FIN             CloseWaitToLastAck…
//   CLOSING → TIME-WAIT                   rcv ACK of FIN             ClosingToTimeWait…
//   LAST-ACK → CLOSED                     rcv ACK of FIN             LastAckToClosed…
//   TIME-WAIT → CLOSED                    2·MSL timeout              TimeWaitToClosed…
//
// Numbers as in seed 000: we are 192.0.2.1:49152 with ISS 1000, the peer's
// ISS is 8000 and its MSS 1024; windows are 65535 unless a test says.
#include <deque>

#include "connection_harness.hpp"

namespace ws::tcp {
namespace {

using testing::ConnectionTest;
using testing::Seg;
using testing::Sent;
using testing::Want;
constexpr auto kS = TcpFlags::kSyn;
constexpr auto kA = TcpFlags::kAck;
constexpr auto kF = TcpFlags::kFin;
constexpr auto kR = TcpFlags::kRst;
constexpr auto kP = TcpFlags::kPsh;

using Arcs = std::vector<std::string>;

std::vector<std::uint8_t> bytes(std::size_t n, char c = 'x') {
  return std::vector<std::uint8_t>(n, static_cast<std::uint8_t>(c));
}

class Transitions : public ConnectionTest {
 protected:
  Instant deadline(TimerKind k) const { return conn->timers().deadline(k); }
  // Simultaneous open from our side: SYN sent, the peer's SYN crossed it.
  void to_syn_received_active() {
    make();
    conn->open_active(now);
    in(Seg(8000, kS).mss(1024));
    take();
    arcs.clear();
    ASSERT_EQ(conn->state(), State::SynReceived) << trace();
  }
};

// --- CLOSED --------------------------------------------------------------------

TEST_F(Transitions, ClosedToSynSentSendsSynAndArmsTheRetransmitTimer) {
  make();
  conn->open_active(now);
  EXPECT_EQ(arcs, Arcs{"CLOSED>SYN-SENT"});
  EXPECT_SEG(one(), Want(kS).seq(1000).win(65535).mss(1460));
  // RFC 6298 §2.1: no RTT sample yet, so RTO = 1 s.
  EXPECT_EQ(deadline(TimerKind::kRetransmit), now + Duration::seconds(1));
  EXPECT_EQ(conn->next_deadline(), now + Duration::seconds(1)) << "no other timer";
}

TEST_F(Transitions, ClosedToSynReceivedOnPassiveOpenTakesThePeersMssAndWindow) {
  make();
  conn->open_passive(now, Seg(8000, kS).mss(1024).win(5840));
  EXPECT_EQ(arcs, Arcs{"CLOSED>SYN-RECEIVED"});
  EXPECT_SEG(one(), Want(kS | kA).seq(1000).ack(8001).win(65535).mss(1460));
  EXPECT_EQ(conn->effective_mss(), 1024);
  EXPECT_EQ(conn->snd_wnd(), 5840u) << "a SYN's window is never scaled (RFC 7323 §2.2)";
  EXPECT_EQ(conn->irs(), SeqNum(8000));
  EXPECT_EQ(deadline(TimerKind::kRetransmit), now + Duration::seconds(1));
}

TEST_F(Transitions, ClosedToSynReceivedWithoutMssOptionAssumes536) {
  make();
  conn->open_passive(now, Seg(8000, kS));
  EXPECT_SEG(one(), Want(kS | kA).seq(1000).ack(8001).win(65535).mss(1460));
  // RFC 9293 §3.7.1 (MUST-15) / RFC 1122 §4.2.2.6: no option means 536.
  EXPECT_EQ(conn->effective_mss(), 536);
}

// --- SYN-SENT ------------------------------------------------------------------

// Two connections wired back to back: simultaneous open (RFC 9293 §3.5,
// figure 8). Both SYNs cross; each side answers with SYN,ACK from
// SYN-RECEIVED. The SYN,ACK that then arrives repeats a SYN already
// received: it fails the §3.10.7.4 acceptability test (SEG.SEQ+SEG.LEN-1 <
// RCV.NXT), so each side answers <SEQ=SND.NXT><ACK=RCV.NXT><ACK>, and it is
// that ACK of our SYN which moves the other side to ESTABLISHED.
class SimultaneousOpen : public ::testing::Test {
 protected:
  struct End {
    std::unique_ptr<Connection> conn;
    std::deque<Sent> out;
    std::vector<std::string> arcs;
  };
  void SetUp() override {
    const SocketAddress a_addr{Ipv4Address(192, 0, 2, 1), 49152};
    const SocketAddress b_addr{Ipv4Address(192, 0, 2, 2), 8000};
    wire(a, "a", FourTuple{a_addr, b_addr}, 1000);
    wire(b, "b", FourTuple{b_addr, a_addr}, 8000);
  }
  void wire(End& e, const char* name, FourTuple t, std::uint32_t iss) {
    e.conn = std::make_unique<Connection>(ConnectionConfig{}, t, SeqNum(iss), [this, &e, name](Instant at, const TcpSegment& s) {
      Sent x{s, {s.payload.begin(), s.payload.end()}, at};
      x.seg.payload = {};
      log.push_back(fmt::format("  {} → {}", name, testing::describe(s)));
      e.out.push_back(std::move(x));
    });
    e.conn->set_state_hook([this, &e, name](State f, State to) {
      log.push_back(fmt::format("  {}: {} → {}", name, to_string(f), to_string(to)));
      e.arcs.push_back(fmt::format("{}>{}", to_string(f), to_string(to)));
    });
  }
  // Takes the one segment `from` has sent.
  Sent pop(End& from) {
    EXPECT_EQ(from.out.size(), 1u) << trace();
    if (from.out.empty()) return {};
    Sent s = from.out.front();
    from.out.pop_front();
    return s;
  }
  void deliver(End& to, const Sent& s) {
    TcpSegment seg = s.seg;
    seg.payload = s.data;
    to.conn->on_segment(now, seg);
  }
  std::string trace() const {
    std::string t = "\n";
    for (const auto& l : log) t += l + "\n";
    return t;
  }
  Instant now = Instant::zero();
  End a, b;
  std::vector<std::string> log;
};

TEST_F(SimultaneousOpen, SynSentToSynReceivedToEstablishedOnBothSides) {
  a.conn->open_active(now);
  b.conn->open_active(now);
  const Sent a_syn = pop(a), b_syn = pop(b);
  EXPECT_TRUE(Want(kS).seq(1000).win(65535).mss(1460).check(a_syn)) << trace();
  EXPECT_TRUE(Want(kS).seq(8000).win(65535).mss(1460).check(b_syn)) << trace();
  deliver(a, b_syn);  // the SYNs cross
  deliver(b, a_syn);
  EXPECT_EQ(a.conn->state(), State::SynReceived) << trace();
  EXPECT_EQ(b.conn->state(), State::SynReceived) << trace();
  const Sent a_synack = pop(a), b_synack = pop(b);
  EXPECT_TRUE(Want(kS | kA).seq(1000).ack(8001).win(65535).mss(1460).check(a_synack)) << trace();
  EXPECT_TRUE(Want(kS | kA).seq(8000).ack(1001).win(65535).mss(1460).check(b_synack)) << trace();
  deliver(a, b_synack);
  deliver(b, a_synack);
  const Sent a_ack = pop(a), b_ack = pop(b);
  EXPECT_TRUE(Want(kA).seq(1001).ack(8001).win(65535).check(a_ack)) << trace();
  EXPECT_TRUE(Want(kA).seq(8001).ack(1001).win(65535).check(b_ack)) << trace();
  deliver(a, b_ack);
  deliver(b, a_ack);
  EXPECT_TRUE(a.out.empty() && b.out.empty()) << "nothing more to say" << trace();
  const Arcs want{"CLOSED>SYN-SENT", "SYN-SENT>SYN-RECEIVED", "SYN-RECEIVED>ESTABLISHED"};
  EXPECT_EQ(a.arcs, want) << trace();
  EXPECT_EQ(b.arcs, want) << trace();
  EXPECT_EQ(a.conn->next_deadline(), Instant::never()) << "the SYN,ACK retransmission is off";
  EXPECT_EQ(b.conn->next_deadline(), Instant::never());
}

TEST_F(Transitions, SynSentToEstablishedWithDataOnTheSynAck) {
  ASSERT_NO_FATAL_FAILURE(to_state(State::SynSent));
  // §3.10.7.3: text on a SYN,ACK is queued once the connection is established.
  in(Seg(8000, kS | kA).ack(1001).mss(1024).data("hi"));
  EXPECT_EQ(arcs, Arcs{"SYN-SENT>ESTABLISHED"});
  EXPECT_SEG(one(), Want(kA).seq(1001).ack(8003).win(65533)) << "2 bytes unread";
  EXPECT_EQ(conn->readable_bytes(), 2u);
  EXPECT_EQ(conn->next_deadline(), Instant::never()) << "the ACK went out: no delayed ACK pending";
}

TEST_F(Transitions, SynSentAckWithoutSynIsDropped) {
  ASSERT_NO_FATAL_FAILURE(to_state(State::SynSent));
  // §3.10.7.3 fifth: neither SYN nor RST — drop, even with an acceptable ACK.
  in(Seg(8000, kA).ack(1001));
  EXPECT_TRUE(silent()) << trace();
  EXPECT_EQ(conn->state(), State::SynSent);
  EXPECT_TRUE(arcs.empty());
}

TEST_F(Transitions, SynSentSynAckThatAcksOnlyTheIssGetsRst) {
  ASSERT_NO_FATAL_FAILURE(to_state(State::SynSent));
  // §3.10.7.3 first: SEG.ACK =< ISS is unacceptable: <SEQ=SEG.ACK><CTL=RST>.
  in(Seg(8000, kS | kA).ack(1000).mss(1024));
  EXPECT_SEG(one(), Want(kR).seq(1000));
  EXPECT_EQ(conn->state(), State::SynSent);
}

TEST_F(Transitions, SynSentToClosedOnClose) {
  ASSERT_NO_FATAL_FAILURE(to_state(State::SynSent));
  conn->close(now);
  // §3.10.4: SYN-SENT — delete the TCB; nothing goes on the wire.
  EXPECT_EQ(arcs, Arcs{"SYN-SENT>CLOSED"});
  EXPECT_TRUE(silent()) << trace();
  EXPECT_FALSE(conn->error());
  EXPECT_EQ(conn->next_deadline(), Instant::never()) << "no SYN retransmission after close";
  in(Seg(8000, kS | kA).ack(1001).mss(1024));  // a late SYN,ACK
  EXPECT_TRUE(silent()) << "the closed connection says nothing (the layer answers it)" << trace();
  EXPECT_EQ(conn->state(), State::Closed);
}

// --- SYN-RECEIVED --------------------------------------------------------------

TEST_F(Transitions, SynReceivedToEstablishedTakesTheWindowFromTheAck) {
  ASSERT_NO_FATAL_FAILURE(to_state(State::SynReceived));
  in(Seg(8001, kA).ack(1001).win(4096));
  EXPECT_EQ(arcs, Arcs{"SYN-RECEIVED>ESTABLISHED"});
  EXPECT_TRUE(silent()) << trace();
  EXPECT_EQ(conn->snd_wnd(), 4096u) << "SND.WND <- SEG.WND (§3.10.7.4 fifth, SYN-RECEIVED)";
  EXPECT_EQ(conn->snd_una(), SeqNum(1001));
  EXPECT_EQ(conn->next_deadline(), Instant::never()) << "the SYN,ACK retransmission is off";
}

TEST_F(Transitions, SynReceivedToEstablishedWithDataOnTheAck) {
  ASSERT_NO_FATAL_FAILURE(to_state(State::SynReceived));
  in(Seg(8001, kA | kP).ack(1001).data("GET"));
  EXPECT_EQ(arcs, Arcs{"SYN-RECEIVED>ESTABLISHED"});
  EXPECT_EQ(conn->readable_bytes(), 3u);
  EXPECT_TRUE(silent()) << "one segment: the ACK is delayed" << trace();
  advance(Duration::millis(40));
  EXPECT_SEG(one(), Want(kA).seq(1001).ack(8004).win(65532));
}

TEST_F(Transitions, SynReceivedToFinWait1OnCloseDuringTheHandshake) {
  ASSERT_NO_FATAL_FAILURE(to_syn_received_active());
  // The application closes before our SYN is acknowledged. The FIN is
  // queued (§3.10.4 SYN-RECEIVED: "queue for processing after entering
  // ESTABLISHED") and goes out with the ACK of our SYN, which is when the
  // connection enters FIN-WAIT-1.
  conn->close(now);
  EXPECT_TRUE(silent()) << trace();
  EXPECT_EQ(conn->state(), State::SynReceived);
  in(Seg(8001, kA).ack(1001));
  EXPECT_EQ(arcs, Arcs{"SYN-RECEIVED>FIN-WAIT-1"});
  EXPECT_SEG(one(), Want(kF | kA).seq(1001).ack(8001).win(65535));
  EXPECT_NE(deadline(TimerKind::kRetransmit), Instant::never()) << "the FIN is timed";
  in(Seg(8001, kA).ack(1002));
  EXPECT_EQ(conn->state(), State::FinWait2);
}

TEST_F(Transitions, SynReceivedToListenOnRst) {
  ASSERT_NO_FATAL_FAILURE(to_state(State::SynReceived));
  in(Seg(8001, kR));
  // §3.10.7.4 second, SYN-RECEIVED from a passive OPEN: back to LISTEN —
  // the connection ends quietly and the listener (TcpLayer) forgets it.
  EXPECT_EQ(arcs, Arcs{"SYN-RECEIVED>CLOSED"});
  EXPECT_TRUE(silent()) << trace();
  EXPECT_FALSE(conn->error()) << "nobody to tell: it was never accepted";
  EXPECT_EQ(conn->next_deadline(), Instant::never()) << "no more SYN,ACKs";
}

TEST_F(Transitions, SynReceivedToClosedOnRstWhenActive) {
  ASSERT_NO_FATAL_FAILURE(to_syn_received_active());
  in(Seg(8001, kR));
  // §3.10.7.4 second: from an active OPEN, "connection refused".
  EXPECT_EQ(arcs, Arcs{"SYN-RECEIVED>CLOSED"});
  EXPECT_TRUE(silent()) << trace();
  EXPECT_EQ(conn->error(), SockError::ConnRefused);
  EXPECT_EQ(conn->next_deadline(), Instant::never());
}

TEST_F(Transitions, SynReceivedToListenOnAnInWindowSyn) {
  ASSERT_NO_FATAL_FAILURE(to_state(State::SynReceived));
  in(Seg(8005, kS));
  // §3.10.7.4 fourth, SYN-RECEIVED from a passive OPEN: "return this
  // connection to the LISTEN state and return".
  EXPECT_EQ(arcs, Arcs{"SYN-RECEIVED>CLOSED"});
  EXPECT_TRUE(silent()) << trace();
  EXPECT_FALSE(conn->error());
}

TEST_F(Transitions, SynReceivedActiveChallengesAnInWindowSyn) {
  ASSERT_NO_FATAL_FAILURE(to_syn_received_active());
  in(Seg(8005, kS));
  // Otherwise "handle per the directions for synchronized states": RFC 5961 §4.
  EXPECT_SEG(one(), Want(kA).seq(1001).ack(8001).win(65535));
  EXPECT_EQ(conn->state(), State::SynReceived);
  EXPECT_EQ(conn->stats().challenge_acks, 1u);
}

// --- ESTABLISHED ---------------------------------------------------------------

TEST_F(Transitions, EstablishedToFinWait1AtCloseTheFinFollowsQueuedData) {
  ASSERT_NO_FATAL_FAILURE(to_state(State::Established));
  in(Seg(8001, kA).ack(1001).win(0));  // the peer's window closes
  ASSERT_EQ(conn->send(now, bytes(100)), 100u);
  conn->close(now);
  // §3.10.4: the state changes at once; the FIN waits behind the data.
  EXPECT_EQ(arcs, Arcs{"ESTABLISHED>FIN-WAIT-1"});
  EXPECT_TRUE(silent()) << trace();
  in(Seg(8001, kA).ack(1001).win(4096));  // a window update
  // The FIN rides on the last data segment.
  EXPECT_SEG(one(), Want(kF | kP | kA).seq(1001).ack(8001).win(65535).len(100));
  EXPECT_EQ(conn->snd_nxt(), SeqNum(1102));
  in(Seg(8001, kA).ack(1102));
  EXPECT_EQ(conn->state(), State::FinWait2);
}

TEST_F(Transitions, EstablishedToCloseWaitOnlyOnceTheFinIsInOrder) {
  ASSERT_NO_FATAL_FAILURE(to_state(State::Established));
  // A FIN ahead of a gap: held, not processed (§3.10.7.4 eighth applies to
  // the FIN once every byte before it is in). Out of order: ACK at once.
  in(Seg(8006, kF | kA).ack(1001));
  EXPECT_SEG(one(), Want(kA).seq(1001).ack(8001).win(65535));
  EXPECT_EQ(conn->state(), State::Established);
  EXPECT_FALSE(conn->eof());
  in(Seg(8001, kA).ack(1001).data("hello"));  // the gap fills
  EXPECT_EQ(arcs, Arcs{"ESTABLISHED>CLOSE-WAIT"});
  // The right edge stays at 8001 + 65535 (§3.8.6.2.1): the FIN used a slot.
  EXPECT_SEG(one(), Want(kA).seq(1001).ack(8007).win(73536 - 8007));
  std::vector<std::uint8_t> buf(16);
  EXPECT_EQ(conn->recv(now, buf), 5u);
  EXPECT_TRUE(conn->eof());
}

// --- FIN-WAIT-1 ----------------------------------------------------------------

TEST_F(Transitions, FinWait1ToFinWait2OnlyOnTheAckOfTheFinItself) {
  ASSERT_NO_FATAL_FAILURE(to_state(State::Established));
  ASSERT_EQ(conn->send(now, bytes(10)), 10u);
  conn->shutdown_write(now);
  auto out = take();
  ASSERT_EQ(out.size(), 2u) << trace();
  EXPECT_SEG(out[0], Want(kP | kA).seq(1001).ack(8001).win(65535).len(10));
  EXPECT_SEG(out[1], Want(kF | kA).seq(1011).ack(8001).win(65535));
  in(Seg(8001, kA).ack(1011));  // the data, not the FIN
  EXPECT_EQ(conn->state(), State::FinWait1);
  EXPECT_TRUE(silent()) << trace();
  in(Seg(8001, kA).ack(1012));
  EXPECT_EQ(arcs, (Arcs{"ESTABLISHED>FIN-WAIT-1", "FIN-WAIT-1>FIN-WAIT-2"}));
  EXPECT_TRUE(silent()) << trace();
  EXPECT_EQ(conn->next_deadline(), Instant::never())
      << "nothing in flight; not orphaned, so no FIN-WAIT-2 timeout";
}

TEST_F(Transitions, FinWait1ToClosingOnTheirFinAlone) {
  ASSERT_NO_FATAL_FAILURE(to_state(State::FinWait1));
  in(Seg(8001, kF | kA).ack(1001));  // their FIN crossed ours
  EXPECT_EQ(arcs, Arcs{"FIN-WAIT-1>CLOSING"});
  EXPECT_SEG(one(), Want(kA).seq(1002).ack(8002).win(65535));
  EXPECT_NE(deadline(TimerKind::kRetransmit), Instant::never()) << "our FIN is still timed";
  EXPECT_EQ(deadline(TimerKind::kClose), Instant::never()) << "not TIME-WAIT yet";
}

TEST_F(Transitions, FinWait1ToTimeWaitOnFinWithTheAckOfOurs) {
  ASSERT_NO_FATAL_FAILURE(to_state(State::FinWait1));
  in(Seg(8001, kF | kA).ack(1002));
  // RFC 9293 §3.10.7.4 processes the ACK (fifth: FIN-WAIT-1 → FIN-WAIT-2)
  // before the FIN (eighth: FIN-WAIT-2 → TIME-WAIT): one segment, one ACK.
  EXPECT_EQ(arcs, (Arcs{"FIN-WAIT-1>FIN-WAIT-2", "FIN-WAIT-2>TIME-WAIT"}));
  EXPECT_SEG(one(), Want(kA).seq(1002).ack(8002).win(65535));
  EXPECT_EQ(deadline(TimerKind::kClose), now + Duration::seconds(60)) << "2·MSL";
  EXPECT_EQ(conn->next_deadline(), now + Duration::seconds(60)) << "every other timer off";
}

// --- FIN-WAIT-2 ----------------------------------------------------------------

TEST_F(Transitions, FinWait2ToTimeWaitOnDataWithFin) {
  ASSERT_NO_FATAL_FAILURE(to_state(State::FinWait2));
  in(Seg(8001, kF | kP | kA).ack(1002).data("bye"));
  EXPECT_EQ(arcs, Arcs{"FIN-WAIT-2>TIME-WAIT"});
  EXPECT_SEG(one(), Want(kA).seq(1002).ack(8005).win(73536 - 8005)) << "the right edge stays";
  EXPECT_EQ(conn->readable_bytes(), 3u) << "the text before the FIN is delivered";
  EXPECT_EQ(conn->next_deadline(), now + Duration::seconds(60));
}

// --- CLOSE-WAIT ----------------------------------------------------------------

TEST_F(Transitions, CloseWaitToLastAckSendsFinAndRetransmitsIt) {
  ASSERT_NO_FATAL_FAILURE(to_state(State::CloseWait));
  conn->close(now);
  EXPECT_EQ(arcs, Arcs{"CLOSE-WAIT>LAST-ACK"});
  EXPECT_SEG(one(), Want(kF | kA).seq(1001).ack(8002).win(65535));
  const Duration rto = conn->rtt().rto();
  EXPECT_EQ(deadline(TimerKind::kRetransmit), now + rto);
  advance(rto);
  EXPECT_SEG(one(), Want(kF | kA).seq(1001).ack(8002).win(65535)) << "the FIN was lost";
  EXPECT_EQ(conn->state(), State::LastAck);
}

// --- CLOSING -------------------------------------------------------------------

TEST_F(Transitions, ClosingToTimeWaitOnTheAckOfOurFin) {
  ASSERT_NO_FATAL_FAILURE(to_state(State::Closing));
  advance(conn->next_deadline() - now);  // our FIN was lost: retransmitted
  EXPECT_SEG(one(), Want(kF | kA).seq(1001).ack(8002).win(65535));
  EXPECT_EQ(conn->state(), State::Closing);
  in(Seg(8002, kA).ack(1001));  // §3.10.7.4: not the ACK of our FIN — "otherwise, ignore"
  EXPECT_EQ(conn->state(), State::Closing);
  EXPECT_TRUE(silent()) << trace();
  in(Seg(8002, kA).ack(1002));
  EXPECT_EQ(arcs, Arcs{"CLOSING>TIME-WAIT"});
  EXPECT_TRUE(silent()) << "an ACK is not ACKed" << trace();
  EXPECT_EQ(conn->next_deadline(), now + Duration::seconds(60)) << "only 2·MSL left";
}

// --- LAST-ACK ------------------------------------------------------------------

TEST_F(Transitions, LastAckToClosedOnlyOnTheAckOfTheFin) {
  ASSERT_NO_FATAL_FAILURE(to_state(State::LastAck));
  in(Seg(8002, kA).ack(1001));  // an old ACK: not for our FIN
  EXPECT_EQ(conn->state(), State::LastAck);
  EXPECT_TRUE(silent()) << trace();
  in(Seg(8002, kA).ack(1002));
  EXPECT_EQ(arcs, Arcs{"LAST-ACK>CLOSED"});
  EXPECT_TRUE(silent()) << trace();
  EXPECT_FALSE(conn->error());
  EXPECT_EQ(conn->next_deadline(), Instant::never());
}

// --- TIME-WAIT -----------------------------------------------------------------

TEST_F(Transitions, TimeWaitToClosedTwoMslAfterEnteringIt) {
  ConnectionConfig cfg;
  cfg.msl = Duration::seconds(1);
  ASSERT_NO_FATAL_FAILURE(to_state(State::Closing, cfg));
  advance(Duration::millis(150));  // before our FIN's RTO (200 ms)
  in(Seg(8002, kA).ack(1002));
  ASSERT_EQ(conn->state(), State::TimeWait) << trace();
  const Instant entered = now;
  advance(Duration::seconds(2) - Duration::nanos(1));
  EXPECT_EQ(conn->state(), State::TimeWait);
  advance(Duration::nanos(1));
  EXPECT_EQ(now, entered + Duration::seconds(2));
  EXPECT_EQ(arcs, (Arcs{"CLOSING>TIME-WAIT", "TIME-WAIT>CLOSED"}));
  EXPECT_TRUE(silent()) << "the timeout sends nothing" << trace();
  EXPECT_FALSE(conn->error());
}

}  // namespace
}  // namespace ws::tcp
