// RST arrival in every state of a connection (RFC 9293 §3.10.7.3–4 with
// RFC 5961 §3.2): in a synchronized state an RST is
//   - at exactly RCV.NXT: the connection ends — ECONNREFUSED (SYN-RECEIVED
//     from an active open), ECONNRESET (ESTABLISHED, FIN-WAIT-1/2,
//     CLOSE-WAIT), nothing to report (SYN-RECEIVED from a passive open:
//     back to LISTEN; CLOSING, LAST-ACK, TIME-WAIT);
//   - elsewhere in the window: a challenge ACK <SEQ=SND.NXT><ACK=RCV.NXT>,
//     nothing else changes;
//   - outside the window: dropped silently (never an ACK for an RST).
// SYN-SENT judges an RST by its ACK alone. CLOSED and LISTEN belong to the
// layer (layer_test.cpp).
#include "connection_harness.hpp"

namespace ws::tcp {
namespace {

using testing::ConnectionTest;
using testing::numbers_in;
using testing::Seg;
using testing::Want;
constexpr auto kS = TcpFlags::kSyn;
constexpr auto kA = TcpFlags::kAck;
constexpr auto kR = TcpFlags::kRst;

struct RstCase {
  const char* name;
  State state;
  bool active;                    // SYN-RECEIVED reached by simultaneous open
  std::optional<SockError> error;  // what an exact RST leaves
};

class RstInState : public ConnectionTest, public ::testing::WithParamInterface<RstCase> {
 protected:
  void SetUp() override {
    const RstCase& c = GetParam();
    if (c.active) {
      make();
      conn->open_active(now);
      in(Seg(8000, kS).mss(1024));
      take();
      arcs.clear();
      ASSERT_EQ(conn->state(), State::SynReceived) << trace();
    } else {
      ASSERT_NO_FATAL_FAILURE(to_state(c.state));
    }
    snd_nxt = numbers_in(c.state).snd_nxt;
    rcv_nxt = numbers_in(c.state).rcv_nxt;
    timers_before = conn->timers();
  }
  std::uint32_t snd_nxt = 0;
  std::uint32_t rcv_nxt = 0;
  TimerSet timers_before;
};

TEST_P(RstInState, AtRcvNxtEndsTheConnection) {
  in(Seg(rcv_nxt, kR));
  EXPECT_EQ(conn->state(), State::Closed) << trace();
  EXPECT_EQ(arcs, std::vector<std::string>{fmt::format("{}>CLOSED", to_string(GetParam().state))});
  EXPECT_TRUE(silent()) << "never an answer to an accepted RST" << trace();
  EXPECT_EQ(conn->error(), GetParam().error);
  EXPECT_EQ(conn->next_deadline(), Instant::never()) << "every timer off";
  EXPECT_EQ(conn->stats().challenge_acks, 0u);
  EXPECT_EQ(conn->stats().resets_received, 1u);
}

TEST_P(RstInState, ElsewhereInTheWindowGetsAChallengeAck) {
  // RFC 5961 §3.2: in the window but not exact — it could be a blind
  // attacker's guess, so ask the peer to confirm with an exact RST.
  in(Seg(rcv_nxt + 1, kR));
  EXPECT_SEG(one(), Want(kA).seq(snd_nxt).ack(rcv_nxt).win(65535));
  in(Seg(rcv_nxt + 65534, kR | kA).ack(snd_nxt));  // the last in-window sequence number
  EXPECT_SEG(one(), Want(kA).seq(snd_nxt).ack(rcv_nxt).win(65535));
  EXPECT_EQ(conn->state(), GetParam().state) << trace();
  EXPECT_TRUE(arcs.empty());
  EXPECT_FALSE(conn->error());
  EXPECT_EQ(conn->stats().challenge_acks, 2u);
  EXPECT_EQ(conn->stats().resets_received, 0u);
  EXPECT_EQ(conn->timers(), timers_before) << "nothing else changed";
}

TEST_P(RstInState, OutsideTheWindowIsDroppedSilently) {
  in(Seg(rcv_nxt - 1, kR));
  in(Seg(rcv_nxt + 65535, kR));  // RCV.NXT + RCV.WND: the first outside
  in(Seg(rcv_nxt + 0x80000000u, kR | kA).ack(snd_nxt));
  EXPECT_TRUE(silent()) << trace();
  EXPECT_EQ(conn->state(), GetParam().state);
  EXPECT_FALSE(conn->error());
  EXPECT_EQ(conn->stats().unacceptable_segments, 3u);
  EXPECT_EQ(conn->stats().challenge_acks, 0u);
  EXPECT_EQ(conn->timers(), timers_before);
}

INSTANTIATE_TEST_SUITE_P(
    EveryState, RstInState,
    ::testing::Values(RstCase{"SynReceivedPassive", State::SynReceived, false, std::nullopt},
                      RstCase{"SynReceivedActive", State::SynReceived, true, SockError::ConnRefused},
                      RstCase{"Established", State::Established, false, SockError::ConnReset},
                      RstCase{"FinWait1", State::FinWait1, false, SockError::ConnReset},
                      RstCase{"FinWait2", State::FinWait2, false, SockError::ConnReset},
                      RstCase{"CloseWait", State::CloseWait, false, SockError::ConnReset},
                      RstCase{"Closing", State::Closing, false, std::nullopt},
                      RstCase{"LastAck", State::LastAck, false, std::nullopt},
                      RstCase{"TimeWait", State::TimeWait, false, std::nullopt}),
    [](const ::testing::TestParamInfo<RstCase>& i) { return std::string(i.param.name); });

// --- SYN-SENT: the ACK decides (§3.10.7.3) ---------------------------------------

class RstTest : public ConnectionTest {};

TEST_F(RstTest, SynSentRstWithoutAckIsIgnored) {
  ASSERT_NO_FATAL_FAILURE(to_state(State::SynSent));
  in(Seg(0, kR));  // "Otherwise (no ACK), drop the segment and return."
  EXPECT_TRUE(silent()) << trace();
  EXPECT_EQ(conn->state(), State::SynSent);
  EXPECT_FALSE(conn->error());
  EXPECT_NE(conn->next_deadline(), Instant::never()) << "the SYN is still timed";
}

TEST_F(RstTest, SynSentRstWithAnAckBeyondSndNxtIsIgnoredWithoutReply) {
  ASSERT_NO_FATAL_FAILURE(to_state(State::SynSent));
  // An unacceptable ACK would get <SEQ=SEG.ACK><CTL=RST> — but not on an RST.
  in(Seg(0, kR | kA).ack(1002));
  in(Seg(0, kR | kA).ack(1000));  // SEG.ACK =< ISS
  EXPECT_TRUE(silent()) << trace();
  EXPECT_EQ(conn->state(), State::SynSent);
}

TEST_F(RstTest, SynSentRstWithTheAckOfOurSynRefusesWhateverItsSeq) {
  ASSERT_NO_FATAL_FAILURE(to_state(State::SynSent));
  // RFC 5961 §3.2: in SYN-SENT the RST is acceptable if it acknowledges the SYN.
  in(Seg(123456, kR | kA).ack(1001));
  EXPECT_EQ(conn->state(), State::Closed);
  EXPECT_EQ(conn->error(), SockError::ConnRefused);
  EXPECT_TRUE(silent()) << trace();
  EXPECT_EQ(conn->next_deadline(), Instant::never()) << "no more SYNs";
}

// --- a zero receive window -------------------------------------------------------

TEST_F(RstTest, EstablishedZeroWindowStillAcceptsAnExactRst) {
  ConnectionConfig cfg;
  cfg.rcvbuf = 1024;
  ASSERT_NO_FATAL_FAILURE(to_state(State::Established, cfg));
  in(Seg(8001, kA).ack(1001).data(std::string(1024, 'z')));  // fills the buffer
  advance(Duration::millis(40));
  EXPECT_SEG(one(), Want(kA).seq(1001).ack(9025).win(0));
  // §3.10.7.4: with RCV.WND = 0 only SEG.SEQ = RCV.NXT is acceptable, "but
  // special allowance should be made to accept valid ACKs, URGs, and RSTs".
  in(Seg(9026, kR));  // not exact, and no window to be in: silent
  EXPECT_TRUE(silent()) << trace();
  EXPECT_EQ(conn->state(), State::Established);
  in(Seg(9025, kR));
  EXPECT_EQ(conn->state(), State::Closed);
  EXPECT_EQ(conn->error(), SockError::ConnReset);
  EXPECT_TRUE(silent()) << trace();
}

}  // namespace
}  // namespace ws::tcp
