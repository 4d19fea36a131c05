// HyStart++ (RFC 9406) through a connection: the sender gives CUBIC an RTT
// sample on every ACK (the newest segment it delivered), so a round trip
// that grows by more than RttThresh ends standard slow start (§4.2: CSS,
// growth at a quarter) and, CSS_ROUNDS later, slow start itself
// (ssthresh = cwnd). With a steady RTT slow start goes on.
#include <gtest/gtest.h>

#include <deque>

#include "connection_harness.hpp"
#include "tcp/cubic.hpp"

namespace ws::tcp {
namespace {

using namespace ws::tcp::testing;

class HyStartConnection : public ConnectionTest {
 protected:
  // Established with SACK and window scaling (the peer's window, 65535 <<
  // 7, never holds the sender back), MSS 1000, a 100 ms handshake.
  void open() {
    ConnectionConfig c;
    c.sack = true;
    c.window_scale = true;
    c.nodelay = true;
    c.iw10 = true;
    c.cc = CcKind::Cubic;
    c.pacing = Pacing::kOff;
    c.sndbuf = 4 << 20;
    make(c);
    conn->open_active(now);
    take();
    advance(Duration::millis(100));
    Seg synack(8000, TcpFlags::kSyn);
    synack.ack(1001).mss(1000).wscale(7);
    synack.s.options.sack_permitted = true;
    in(synack);
    take();
    ASSERT_EQ(conn->state(), State::Established) << trace();
    conn->send(now, std::vector<std::uint8_t>(4 << 20, 'h'));
  }
  const HyStart& hystart() const { return dynamic_cast<const Cubic&>(*conn->sender().controller()).hystart(); }
  // The peer ACKs every segment on its own, `rtt(seq)` after it left,
  // until `acks` ACKs have come back.
  template <typename Rtt>
  void run(int acks, Rtt rtt) {
    std::deque<std::pair<std::uint32_t, Instant>> flight;  // (end, due)
    for (int i = 0; i < acks; ++i) {
      for (const Sent& s : take()) {
        if (s.data.empty()) continue;
        const std::uint32_t end = s.seg.seq.raw() + static_cast<std::uint32_t>(s.data.size());
        flight.emplace_back(end, s.at + rtt(s.seg.seq.raw()));
      }
      ASSERT_FALSE(flight.empty()) << trace();
      const auto [end, due] = flight.front();
      flight.pop_front();
      if (due > now) advance(due - now);
      in(Seg(8001, TcpFlags::kAck).ack(end).win(65535));
    }
  }
};

TEST_F(HyStartConnection, ARoundTripThatGrowsEndsSlowStartThroughCss) {
  open();
  // The first 30 segments (the first two rounds) see 100 ms; everything
  // after, 130 ms: more than RttThresh = max(4, min(100/8, 16)) = 12.5 ms.
  // (The ACKs of a round are for segments sent in the one before: the
  // fourth round's, from the 71st ACK on, are the first to see 130 ms.)
  run(80, [](std::uint32_t seq) { return seq < 1001 + 30 * 1000 ? Duration::millis(100) : Duration::millis(130); });
  ASSERT_LT(conn->cwnd(), conn->sender().ssthresh()) << "still in slow start";
  EXPECT_EQ(hystart().phase(), HyStart::Phase::kConservative);
  const std::uint32_t at_css = conn->cwnd();
  run(400, [](std::uint32_t seq) { return seq < 1001 + 30 * 1000 ? Duration::millis(100) : Duration::millis(130); });
  // CSS_ROUNDS later ssthresh = cwnd: congestion avoidance.
  EXPECT_LT(conn->sender().ssthresh(), 1u << 20);
  EXPECT_GE(conn->cwnd(), conn->sender().ssthresh());
  EXPECT_GT(conn->cwnd(), at_css);
  EXPECT_EQ(hystart().phase(), HyStart::Phase::kOff);
}

TEST_F(HyStartConnection, ASteadyRoundTripKeepsStandardSlowStart) {
  open();
  run(460, [](std::uint32_t) { return Duration::millis(100); });
  EXPECT_EQ(conn->sender().ssthresh(), std::numeric_limits<std::uint32_t>::max());
  EXPECT_EQ(hystart().phase(), HyStart::Phase::kSlowStart);
  EXPECT_GT(conn->cwnd(), 400'000u);  // doubled round after round
}

}  // namespace
}  // namespace ws::tcp
