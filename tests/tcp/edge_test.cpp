// The edges of the state machine: segments outside the window in every
// synchronized state, sequence numbers wrapping past 2^32, SYN and FIN
// retransmission, zero windows from both sides, keepalive probes we must
// answer, delayed ACKs, and ACK fields that acknowledge too much or too
// little (RFC 9293 §3.10.7.4, RFC 5961 §5, RFC 1122 §4.2.2.17, §4.2.3.2,
// §4.2.3.6). Numbers as in connection_harness.hpp (ISS 1000, peer 8000).
#include "connection_harness.hpp"

namespace ws::tcp {
namespace {

using testing::ConnectionTest;
using testing::numbers_in;
using testing::Seg;
using testing::Want;
constexpr auto kS = TcpFlags::kSyn;
constexpr auto kA = TcpFlags::kAck;
constexpr auto kF = TcpFlags::kFin;
constexpr auto kP = TcpFlags::kPsh;

std::vector<std::uint8_t> bytes(std::size_t n, char c = 'x') {
  return std::vector<std::uint8_t>(n, static_cast<std::uint8_t>(c));
}
std::string pattern(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('A' + i % 26);
  return s;
}
std::vector<std::uint8_t> as_bytes(const std::string& s) { return {s.begin(), s.end()}; }

// --- out-of-window segments, every kind, every synchronized state -----------------

// Each carries SEG.ACK = SND.NXT (it would acknowledge our SYN or FIN) and a
// window of 1234: had it been processed, the state or SND.WND would change.
enum class Bogus : std::uint8_t { OldData, DataBeyondWindow, AckBeyondWindow, KeepaliveProbe, SynOutsideWindow, FinBeyondWindow };

std::string name_of(Bogus b) {
  switch (b) {
    case Bogus::OldData: return "OldData";
    case Bogus::DataBeyondWindow: return "DataBeyondWindow";
    case Bogus::AckBeyondWindow: return "AckBeyondWindow";
    case Bogus::KeepaliveProbe: return "KeepaliveProbe";
    case Bogus::SynOutsideWindow: return "SynOutsideWindow";
    case Bogus::FinBeyondWindow: return "FinBeyondWindow";
  }
  return "?";
}

class OutOfWindow : public ConnectionTest, public ::testing::WithParamInterface<std::tuple<State, Bogus>> {};

TEST_P(OutOfWindow, GetsAnAckAndChangesNothing) {
  const auto [state, kind] = GetParam();
  ASSERT_NO_FATAL_FAILURE(to_state(state));
  advance(Duration::millis(100));  // so that a restarted timer would show (RTO is 200 ms)
  ASSERT_TRUE(silent()) << trace();
  const auto [snd_nxt, rcv_nxt] = numbers_in(state);
  const SeqNum una = conn->snd_una();
  const std::uint32_t wnd = conn->snd_wnd();
  const TimerSet timers = conn->timers();

  // (Seg is built in place: its payload points into its own storage.)
  std::optional<Seg> s;
  switch (kind) {
    case Bogus::OldData: s.emplace(rcv_nxt - 10, kA | kP).data("stale"); break;        // ends at RCV.NXT − 5
    case Bogus::DataBeyondWindow: s.emplace(rcv_nxt + 65535, kA | kP).data("x"); break;  // RCV.NXT + RCV.WND
    case Bogus::AckBeyondWindow: s.emplace(rcv_nxt + 65535, kA); break;
    case Bogus::KeepaliveProbe: s.emplace(rcv_nxt - 1, kA); break;  // RFC 1122 §4.2.3.6
    case Bogus::SynOutsideWindow: s.emplace(rcv_nxt + 100000, kS | kA); break;
    case Bogus::FinBeyondWindow: s.emplace(rcv_nxt + 65545, kF | kA); break;
  }
  s->ack(snd_nxt).win(1234);
  in(*s);
  // §3.10.7.4 first: "send an acknowledgment ... <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>
  // After sending the acknowledgment, drop the unacceptable segment and return."
  EXPECT_SEG(one(), Want(kA).seq(snd_nxt).ack(rcv_nxt).win(65535));
  EXPECT_EQ(conn->state(), state);
  EXPECT_TRUE(arcs.empty()) << trace();
  EXPECT_EQ(conn->snd_una(), una) << "its ACK field was not processed";
  EXPECT_EQ(conn->snd_wnd(), wnd) << "nor its window";
  EXPECT_EQ(conn->rcv_nxt(), SeqNum(rcv_nxt));
  EXPECT_EQ(conn->readable_bytes(), 0u);
  EXPECT_EQ(conn->timers(), timers) << "no timer moved (TIME-WAIT's 2·MSL included)";
  EXPECT_EQ(conn->stats().unacceptable_segments, 1u);
  EXPECT_FALSE(conn->error());
}

INSTANTIATE_TEST_SUITE_P(
    EverySynchronizedState, OutOfWindow,
    ::testing::Combine(::testing::Values(State::SynReceived, State::Established, State::FinWait1, State::FinWait2,
                                         State::CloseWait, State::Closing, State::LastAck, State::TimeWait),
                       ::testing::Values(Bogus::OldData, Bogus::DataBeyondWindow, Bogus::AckBeyondWindow,
                                         Bogus::KeepaliveProbe, Bogus::SynOutsideWindow, Bogus::FinBeyondWindow)),
    [](const ::testing::TestParamInfo<std::tuple<State, Bogus>>& i) {
      std::string st(to_string(std::get<0>(i.param)));
      std::erase(st, '-');
      return st + "_" + name_of(std::get<1>(i.param));
    });

class Edge : public ConnectionTest {};

TEST_F(Edge, EstablishedSegmentEndingOnTheWindowsLastByteIsKept) {
  ConnectionConfig cfg;
  cfg.rcvbuf = 100;
  ASSERT_NO_FATAL_FAILURE(to_state(State::Established, cfg));
  in(Seg(8001 + 99, kA).ack(1001).data("z"));  // RCV.NXT + RCV.WND − 1: acceptable, out of order
  EXPECT_SEG(one(), Want(kA).seq(1001).ack(8001).win(100));
  EXPECT_EQ(conn->stats().unacceptable_segments, 0u);
  in(Seg(8001, kA).ack(1001).data(std::string(99, 'a')));  // the gap fills: the held byte joins
  EXPECT_SEG(one(), Want(kA).seq(1001).ack(8101).win(0));
  EXPECT_EQ(conn->readable_bytes(), 100u);
}

TEST_F(Edge, EstablishedSegmentStraddlingRcvNxtHasItsNewPartAccepted) {
  ASSERT_NO_FATAL_FAILURE(to_state(State::Established));
  in(Seg(8001, kA).ack(1001).data("hello"));
  EXPECT_TRUE(silent()) << trace();
  in(Seg(8003, kA).ack(1001).data("llo world"));  // "only the new parts are processed"
  EXPECT_SEG(one(), Want(kA).seq(1001).ack(8012).win(65535 - 11)) << "the second segment: ACK at once";
  std::vector<std::uint8_t> buf(32);
  ASSERT_EQ(conn->recv(now, buf), 11u);
  EXPECT_EQ(std::string(buf.begin(), buf.begin() + 11), "hello world");
}

// --- sequence numbers wrapping past 2^32 -------------------------------------------

// Both ISNs just below 2^32: every byte of data crosses the wrap.
class Wraparound : public ConnectionTest {
 protected:
  static constexpr std::uint32_t kIsn = 0xFFFFFFF0u;
  static constexpr std::uint32_t kFirst = kIsn + 1;  // 0xFFFFFFF1: the first data byte, both ways
  void SetUp() override {
    make({}, kIsn);
    conn->open_active(now);
    EXPECT_SEG(one(), Want(kS).seq(kIsn).win(65535).mss(1460));
    in(Seg(kIsn, kS | kA).ack(kFirst).mss(1024));
    EXPECT_SEG(one(), Want(kA).seq(kFirst).ack(kFirst).win(65535));
    ASSERT_EQ(conn->state(), State::Established);
  }
};

TEST_F(Wraparound, EstablishedSendsAcrossTheWrap) {
  const std::string data = pattern(100);
  ASSERT_EQ(conn->send(now, as_bytes(data)), 100u);
  EXPECT_SEG(one(), Want(kP | kA).seq(kFirst).ack(kFirst).win(65535).data(data));
  in(Seg(kFirst, kA).ack(0x55));  // 0xFFFFFFF1 + 100 = 0x55 (mod 2^32)
  EXPECT_EQ(conn->snd_una(), SeqNum(0x55));
  EXPECT_EQ(conn->next_deadline(), Instant::never()) << "all acknowledged: no retransmission timer";
  ASSERT_EQ(conn->send(now, bytes(10)), 10u);
  EXPECT_SEG(one(), Want(kP | kA).seq(0x55).ack(kFirst).win(65535).len(10));
}

TEST_F(Wraparound, EstablishedReceivesAcrossTheWrap) {
  const std::string data = pattern(100);
  in(Seg(kFirst, kA).ack(kFirst).data(data));
  advance(Duration::millis(40));
  EXPECT_SEG(one(), Want(kA).seq(kFirst).ack(0x55).win(65435));
  std::vector<std::uint8_t> buf(200);
  ASSERT_EQ(conn->recv(now, buf), 100u);
  EXPECT_EQ(std::string(buf.begin(), buf.begin() + 100), data);
  // The first segment again: wholly before RCV.NXT now, on the other side of the wrap.
  in(Seg(kFirst, kA).ack(kFirst).data(data.substr(0, 20)));
  EXPECT_SEG(one(), Want(kA).seq(kFirst).ack(0x55).win(65535)) << "all read: the whole buffer is offered";
  EXPECT_EQ(conn->stats().unacceptable_segments, 1u);
  EXPECT_EQ(conn->readable_bytes(), 0u);
}

TEST_F(Wraparound, EstablishedReassemblesOutOfOrderDataAcrossTheWrap) {
  const std::string data = pattern(100);
  in(Seg(0x05, kA).ack(kFirst).data(data.substr(20)));  // after the wrap, ahead of a gap
  EXPECT_SEG(one(), Want(kA).seq(kFirst).ack(kFirst).win(65535)) << "duplicate ACK for the gap";
  EXPECT_EQ(conn->readable_bytes(), 0u);
  in(Seg(kFirst, kA).ack(kFirst).data(data.substr(0, 20)));  // before the wrap, fills the gap
  EXPECT_SEG(one(), Want(kA).seq(kFirst).ack(0x55).win(65435));
  std::vector<std::uint8_t> buf(200);
  ASSERT_EQ(conn->recv(now, buf), 100u);
  EXPECT_EQ(std::string(buf.begin(), buf.begin() + 100), data);
}

TEST_F(Wraparound, EstablishedRetransmitsFromAPartialAckAcrossTheWrap) {
  const std::string data = pattern(100);
  ASSERT_EQ(conn->send(now, as_bytes(data)), 100u);
  take();
  in(Seg(kFirst, kA).ack(0x05));  // 20 bytes, up to just past the wrap
  EXPECT_EQ(conn->snd_una(), SeqNum(0x05));
  EXPECT_TRUE(silent()) << trace();
  advance(conn->next_deadline() - now);  // the rest is lost
  EXPECT_SEG(one(), Want(kP | kA).seq(0x05).ack(kFirst).win(65535).data(data.substr(20)));
  EXPECT_EQ(conn->stats().retransmitted_bytes, 80u);
  in(Seg(kFirst, kA).ack(0x55));
  EXPECT_EQ(conn->snd_una(), SeqNum(0x55));
  EXPECT_EQ(conn->next_deadline(), Instant::never());
}

TEST_F(Wraparound, EstablishedFinsOnTheLastSequenceNumberAreAckedWithZero) {
  ASSERT_EQ(conn->send(now, bytes(14)), 14u);  // 0xFFFFFFF1 .. 0xFFFFFFFE
  take();
  in(Seg(kFirst, kA).ack(0xFFFFFFFFu));
  conn->shutdown_write(now);
  EXPECT_SEG(one(), Want(kF | kA).seq(0xFFFFFFFFu).ack(kFirst).win(65535));
  in(Seg(kFirst, kA).ack(0));  // the FIN at 2^32 − 1 is acknowledged by 0
  EXPECT_EQ(conn->state(), State::FinWait2) << trace();
  in(Seg(kFirst, kF | kA).ack(0).data(std::string(14, 'p')));  // their FIN at 2^32 − 1 too
  EXPECT_EQ(conn->state(), State::TimeWait) << trace();
  EXPECT_SEG(one(), Want(kA).seq(0).ack(0).win(65535 - 15)) << "14 unread bytes, and the FIN's slot";
}

// The window we advertise is tracked by its right edge (RCV.NXT + RCV.WND,
// §3.8.6.2.2), which must be anchored on the peer's ISN once it is known —
// whatever that ISN is. A receiver that filled up must announce the space
// a read frees (RFC 9293 §3.8.6.2.2, RFC 1122 §4.2.3.3).
class WindowUpdate : public ConnectionTest, public ::testing::WithParamInterface<std::uint32_t> {};

TEST_P(WindowUpdate, EstablishedReopensItsWindowAfterARead) {
  const std::uint32_t irs = GetParam();
  ConnectionConfig cfg;
  cfg.rcvbuf = 4096;
  make(cfg);
  conn->open_active(now);
  EXPECT_SEG(one(), Want(kS).seq(1000).win(4096).mss(1460));
  in(Seg(irs, kS | kA).ack(1001).mss(1024));
  EXPECT_SEG(one(), Want(kA).seq(1001).ack(irs + 1).win(4096));
  for (std::uint32_t i = 0; i < 4; ++i) in(Seg(irs + 1 + 1024 * i, kA).ack(1001).data(std::string(1024, 'w')));
  auto acks = take();
  // Every second segment is ACKed at once. The third leaves the sender
  // less than one segment of window (it could not send again before a
  // delayed ACK): its ACK is due at this instant, after the application
  // had its chance to read — here it reads nothing, so the ACK (covering
  // the fourth too) closes the window.
  ASSERT_EQ(acks.size(), 1u) << trace();
  EXPECT_SEG(acks[0], Want(kA).seq(1001).ack(irs + 1 + 2048).win(2048));
  advance(Duration::zero());
  EXPECT_SEG(one(), Want(kA).seq(1001).ack(irs + 1 + 4096).win(0));
  std::vector<std::uint8_t> buf(4096);
  ASSERT_EQ(conn->recv(now, buf), 4096u);
  EXPECT_SEG(one(), Want(kA).seq(1001).ack(irs + 1 + 4096).win(4096)) << "the window update";
}

INSTANTIATE_TEST_SUITE_P(PeerIsns, WindowUpdate, ::testing::Values(8000u, 0x7FFFFFFFu, 0x90000000u, 0xFFFFFFF0u),
                         [](const ::testing::TestParamInfo<std::uint32_t>& i) { return fmt::format("Irs{:08X}", i.param); });

// --- SYN retransmission ----------------------------------------------------------

TEST_F(Edge, SynReceivedSynAckRetransmitsWithBackoffThenTimesOut) {
  ConnectionConfig cfg;
  cfg.syn_retries = 3;
  ASSERT_NO_FATAL_FAILURE(to_state(State::SynReceived, cfg));
  // RFC 6298 §5.5: 1 s, then doubling; every copy is the same SYN,ACK.
  for (const int at : {1, 3, 7}) {
    advance(Instant::zero() + Duration::seconds(at) - now - Duration::nanos(1));
    EXPECT_TRUE(silent()) << "not before " << at << " s" << trace();
    advance(Duration::nanos(1));
    EXPECT_SEG(one(), Want(kS | kA).seq(1000).ack(8001).win(65535).mss(1460));
  }
  advance(Instant::zero() + Duration::seconds(15) - now);
  EXPECT_EQ(conn->state(), State::Closed);
  EXPECT_EQ(conn->error(), SockError::TimedOut);
  EXPECT_TRUE(silent()) << trace();
}

TEST_F(Edge, SynSentAfterARetransmittedSynTheRtoIsThreeSeconds) {
  ASSERT_NO_FATAL_FAILURE(to_state(State::SynSent));
  advance(Duration::seconds(1));
  EXPECT_SEG(one(), Want(kS).seq(1000).win(65535).mss(1460));
  advance(Duration::millis(500));
  in(Seg(8000, kS | kA).ack(1001).mss(1024));
  EXPECT_SEG(one(), Want(kA).seq(1001).ack(8001).win(65535));
  // Karn: which SYN was answered is unknown, so no sample; RFC 6298 §5.7: RTO = 3 s.
  EXPECT_FALSE(conn->rtt().has_sample());
  EXPECT_EQ(conn->rtt().rto(), Duration::seconds(3));
  ASSERT_EQ(conn->send(now, bytes(10)), 10u);
  take();
  advance(Duration::seconds(3) - Duration::nanos(1));
  EXPECT_TRUE(silent()) << trace();
  advance(Duration::nanos(1));
  EXPECT_SEG(one(), Want(kP | kA).seq(1001).ack(8001).win(65535).len(10));
}

// --- zero windows ----------------------------------------------------------------

TEST_F(Edge, EstablishedWindowReopenedBelowOneMssStillGetsTheData) {
  ASSERT_NO_FATAL_FAILURE(to_state(State::Established));
  in(Seg(8001, kA).ack(1001).win(0));
  ASSERT_EQ(conn->send(now, bytes(100)), 100u);
  EXPECT_TRUE(silent()) << trace();
  // The window reopens by 50 bytes: less than a segment, less than half the
  // largest window seen, and less than what is queued — sender SWS avoidance
  // waits (RFC 9293 §3.8.6.2.1) ...
  in(Seg(8001, kA).ack(1001).win(50));
  EXPECT_TRUE(silent()) << trace();
  // ... but only until the override timeout, which it must have "to avoid
  // a resulting deadlock" and which should be 0.1–1.0 s (RFC 1122 §4.2.3.4).
  const Instant reopened = now;
  advance(conn->next_deadline() - now);
  EXPECT_GE(now - reopened, Duration::millis(100));
  EXPECT_LE(now - reopened, Duration::seconds(1));
  EXPECT_SEG(one(), Want(kA).seq(1001).ack(8001).win(65535).len(50));
  in(Seg(8001, kA).ack(1051).win(50));
  EXPECT_SEG(one(), Want(kP | kA).seq(1051).ack(8001).win(65535).len(50)) << "the rest fits: sent at once";
  in(Seg(8001, kA).ack(1101).win(50));
  EXPECT_EQ(conn->snd_una(), SeqNum(1101));
}

TEST_F(Edge, EstablishedZeroWindowProbingNeverGivesUpWhileAnswered) {
  ConnectionConfig cfg;
  cfg.max_retransmits = 2;
  cfg.max_persist = Duration::seconds(1);
  ASSERT_NO_FATAL_FAILURE(to_state(State::Established, cfg));
  in(Seg(8001, kA).ack(1001).win(0));
  ASSERT_EQ(conn->send(now, bytes(100)), 100u);
  // RFC 1122 §4.2.2.17: probing may go on indefinitely while the receiver
  // keeps answering; the interval backs off from the RTO to max_persist.
  const std::vector<Duration> gaps = {Duration::millis(200), Duration::millis(400), Duration::millis(800),
                                      Duration::seconds(1),  Duration::seconds(1),  Duration::seconds(1),
                                      Duration::seconds(1),  Duration::seconds(1)};
  for (const Duration gap : gaps) {
    advance(gap - Duration::nanos(1));
    EXPECT_TRUE(silent()) << trace();
    advance(Duration::nanos(1));
    EXPECT_SEG(one(), Want(kA).seq(1000).ack(8001).win(65535)) << "SND.UNA − 1, no data";
    in(Seg(8001, kA).ack(1001).win(0));  // still closed
    EXPECT_TRUE(silent()) << trace();
  }
  EXPECT_EQ(conn->state(), State::Established);
  EXPECT_FALSE(conn->error()) << "answered probes are not retransmissions";
  EXPECT_EQ(conn->stats().zero_window_probes, gaps.size());
  in(Seg(8001, kA).ack(1001).win(1024));  // a window update: same SEQ and ACK, new window
  EXPECT_SEG(one(), Want(kP | kA).seq(1001).ack(8001).win(65535).len(100));
  EXPECT_FALSE(conn->timers().armed(TimerKind::kPersist));
  EXPECT_TRUE(conn->timers().armed(TimerKind::kRetransmit));
}

TEST_F(Edge, EstablishedAnswersZeroWindowProbesWithItsClosedWindow) {
  ConnectionConfig cfg;
  cfg.rcvbuf = 1024;
  ASSERT_NO_FATAL_FAILURE(to_state(State::Established, cfg));
  in(Seg(8001, kA).ack(1001).data(std::string(1024, 'd')));
  advance(Duration::millis(40));
  EXPECT_SEG(one(), Want(kA).seq(1001).ack(9025).win(0));
  in(Seg(9024, kA).ack(1001));  // Linux's probe: RCV.NXT − 1, no data
  EXPECT_SEG(one(), Want(kA).seq(1001).ack(9025).win(0));
  in(Seg(9025, kA).ack(1001).data("p"));  // BSD's probe: one byte at RCV.NXT, no room for it
  EXPECT_SEG(one(), Want(kA).seq(1001).ack(9025).win(0));
  EXPECT_EQ(conn->readable_bytes(), 1024u) << "the probe's byte was not taken";
  std::vector<std::uint8_t> buf(2048);
  ASSERT_EQ(conn->recv(now, buf), 1024u);
  EXPECT_SEG(one(), Want(kA).seq(1001).ack(9025).win(1024)) << "the window update";
}

// --- keepalive, answered ----------------------------------------------------------

TEST_F(Edge, EstablishedAnswersKeepaliveProbesOfBothKinds) {
  ASSERT_NO_FATAL_FAILURE(to_state(State::Established));
  // RFC 1122 §4.2.3.6: SEG.SEQ = SND.NXT − 1 with no data (Linux) or with
  // one garbage byte (BSD). Either is outside our window; the answer is an
  // ACK, which is all the prober wants to see.
  in(Seg(8000, kA).ack(1001));
  EXPECT_SEG(one(), Want(kA).seq(1001).ack(8001).win(65535));
  in(Seg(8000, kA).ack(1001).data(std::string(1, '\0')));
  EXPECT_SEG(one(), Want(kA).seq(1001).ack(8001).win(65535));
  EXPECT_EQ(conn->readable_bytes(), 0u);
  EXPECT_EQ(conn->state(), State::Established);
  EXPECT_EQ(conn->stats().challenge_acks, 0u);
}

// --- FIN retransmission; FIN on data ------------------------------------------------

TEST_F(Edge, FinWait1LostFinIsRetransmittedWithBackoff) {
  ASSERT_NO_FATAL_FAILURE(to_state(State::FinWait1));
  const Duration rto = conn->rtt().rto();
  ASSERT_EQ(rto, Duration::millis(200)) << "the handshake's sample, at the 200 ms floor";
  advance(rto);
  EXPECT_SEG(one(), Want(kF | kA).seq(1001).ack(8001).win(65535));
  advance(rto * 2 - Duration::nanos(1));
  EXPECT_TRUE(silent()) << trace();
  advance(Duration::nanos(1));
  EXPECT_SEG(one(), Want(kF | kA).seq(1001).ack(8001).win(65535));
  in(Seg(8001, kA).ack(1002));
  EXPECT_EQ(conn->state(), State::FinWait2);
  EXPECT_EQ(conn->next_deadline(), Instant::never());
}

TEST_F(Edge, FinWait1LostDataAndFinGoAgainAsOneSegment) {
  ASSERT_NO_FATAL_FAILURE(to_state(State::Established));
  ASSERT_EQ(conn->send(now, bytes(10)), 10u);
  conn->shutdown_write(now);
  auto first = take();
  ASSERT_EQ(first.size(), 2u) << trace();
  EXPECT_SEG(first[0], Want(kP | kA).seq(1001).ack(8001).win(65535).len(10));
  EXPECT_SEG(first[1], Want(kF | kA).seq(1011).ack(8001).win(65535));
  advance(conn->next_deadline() - now);  // both lost
  EXPECT_SEG(one(), Want(kF | kP | kA).seq(1001).ack(8001).win(65535).len(10));
  in(Seg(8001, kA).ack(1012));
  EXPECT_EQ(conn->state(), State::FinWait2);
}

TEST_F(Edge, LastAckGivesUpOnAnUnacknowledgedFin) {
  ConnectionConfig cfg;
  cfg.max_retransmits = 2;
  ASSERT_NO_FATAL_FAILURE(to_state(State::LastAck, cfg));
  advance(Duration::millis(200));
  EXPECT_SEG(one(), Want(kF | kA).seq(1001).ack(8002).win(65535));
  advance(Duration::millis(400));
  EXPECT_SEG(one(), Want(kF | kA).seq(1001).ack(8002).win(65535));
  advance(Duration::millis(800));
  EXPECT_EQ(conn->state(), State::Closed);
  EXPECT_EQ(conn->error(), SockError::TimedOut);
  EXPECT_TRUE(silent()) << trace();
}

TEST_F(Edge, EstablishedDataWithFinInOneSegment) {
  ASSERT_NO_FATAL_FAILURE(to_state(State::Established));
  in(Seg(8001, kF | kP | kA).ack(1001).data("hello"));
  EXPECT_EQ(conn->state(), State::CloseWait);
  // RCV.NXT moves over the data and the FIN; a FIN is ACKed at once.
  EXPECT_SEG(one(), Want(kA).seq(1001).ack(8007).win(73536 - 8007));
  std::vector<std::uint8_t> buf(16);
  ASSERT_EQ(conn->recv(now, buf), 5u);
  EXPECT_EQ(std::string(buf.begin(), buf.begin() + 5), "hello");
  EXPECT_TRUE(conn->eof());
}

// --- delayed ACK -------------------------------------------------------------------

TEST_F(Edge, EstablishedDelayedAckIsSentAt40msAndNeverLater) {
  ASSERT_NO_FATAL_FAILURE(to_state(State::Established));
  in(Seg(8001, kP | kA).ack(1001).data("a"));
  EXPECT_EQ(conn->timers().deadline(TimerKind::kDelayedAck), now + Duration::millis(40))
      << "RFC 1122 §4.2.3.2: well under 0.5 s";
  advance(Duration::millis(40) - Duration::nanos(1));
  EXPECT_TRUE(silent()) << trace();
  advance(Duration::nanos(1));
  EXPECT_SEG(one(), Want(kA).seq(1001).ack(8002).win(65534));
  EXPECT_EQ(conn->stats().delayed_acks, 1u);
  // Data of ours carries a pending ACK and the timer is off.
  in(Seg(8002, kP | kA).ack(1001).data("b"));
  ASSERT_EQ(conn->send(now, bytes(3)), 3u);
  EXPECT_SEG(one(), Want(kP | kA).seq(1001).ack(8003).win(65533).len(3));
  EXPECT_FALSE(conn->timers().armed(TimerKind::kDelayedAck));
  advance(Duration::millis(100));
  EXPECT_TRUE(silent()) << trace();
}

TEST_F(Edge, EstablishedSegmentWithoutAckIsDropped) {
  ASSERT_NO_FATAL_FAILURE(to_state(State::Established));
  in(Seg(8001, kP).data("no ack"));  // §3.10.7.4 fifth: "if the ACK bit is off, drop the segment"
  EXPECT_TRUE(silent()) << trace();
  EXPECT_EQ(conn->readable_bytes(), 0u);
  EXPECT_EQ(conn->rcv_nxt(), SeqNum(8001));
}

// --- ACK fields out of range (RFC 9293 §3.10.7.4 fifth, RFC 5961 §5.2) ---------------

TEST_F(Edge, EstablishedAckOfDataNotYetSentIsAnsweredAndDropped) {
  ASSERT_NO_FATAL_FAILURE(to_state(State::Established));
  ASSERT_EQ(conn->send(now, bytes(10)), 10u);  // SND.NXT = 1011
  take();
  in(Seg(8001, kP | kA).ack(1012).data("x"));  // SEG.ACK > SND.NXT
  EXPECT_SEG(one(), Want(kA).seq(1011).ack(8001).win(65535));
  EXPECT_EQ(conn->snd_una(), SeqNum(1001));
  EXPECT_EQ(conn->readable_bytes(), 0u) << "the whole segment is dropped, its text too";
  in(Seg(8001, kA).ack(1011));
  EXPECT_EQ(conn->snd_una(), SeqNum(1011));
}

TEST_F(Edge, EstablishedAckOfEverySentByteIsAcceptedAfterAGoBackN) {
  ASSERT_NO_FATAL_FAILURE(to_state(State::Established));
  ASSERT_EQ(conn->send(now, bytes(3072)), 3072u);
  ASSERT_EQ(take().size(), 3u) << trace();
  advance(conn->next_deadline() - now);  // RTO: SND.NXT goes back to SND.UNA
  EXPECT_SEG(one(), Want(kA).seq(1001).ack(8001).win(65535).len(1024));
  // The originals arrived after all: an ACK beyond the rewound SND.NXT but
  // within what was sent is not "something not yet sent".
  in(Seg(8001, kA).ack(4073));
  EXPECT_EQ(conn->snd_una(), SeqNum(4073));
  EXPECT_TRUE(silent()) << trace();
  EXPECT_EQ(conn->next_deadline(), Instant::never());
}

TEST_F(Edge, EstablishedAckOlderThanTheLargestWindowGetsAChallengeAck) {
  ASSERT_NO_FATAL_FAILURE(to_state(State::Established));  // MAX.SND.WND = 65535
  const std::uint32_t oldest = 1001u - 65535u;          // SND.UNA − MAX.SND.WND (wraps)
  in(Seg(8001, kP | kA).ack(oldest - 1).data("x"));
  // RFC 5961 §5.2: outside [SND.UNA − MAX.SND.WND, SND.NXT]: discard, ACK.
  EXPECT_SEG(one(), Want(kA).seq(1001).ack(8001).win(65535));
  EXPECT_EQ(conn->stats().challenge_acks, 1u);
  EXPECT_EQ(conn->readable_bytes(), 0u);
  in(Seg(8001, kP | kA).ack(oldest).data("y"));  // the boundary: a duplicate ACK, text accepted
  EXPECT_TRUE(silent()) << "delayed ACK" << trace();
  EXPECT_EQ(conn->readable_bytes(), 1u);
  EXPECT_EQ(conn->stats().challenge_acks, 1u);
}

}  // namespace
}  // namespace ws::tcp
