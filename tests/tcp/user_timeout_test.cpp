// TCP_USER_TIMEOUT (RFC 5482 §3) and the retry limit: how long a
// connection keeps retransmitting before ETIMEDOUT.
#include <gtest/gtest.h>

#include "connection_harness.hpp"

namespace ws::tcp {
namespace {

using namespace ws::tcp::testing;

class UserTimeout : public ConnectionTest {
 protected:
  // Established, 100 bytes sent and never acknowledged from then on.
  void stuck(ConnectionConfig cfg) {
    establish(cfg);
    const std::vector<std::uint8_t> data(100, 'u');
    conn->send(now, data);
    take();
  }
};

TEST_F(UserTimeout, GivesUpWhenDataWaitedThatLong) {
  ConnectionConfig cfg;
  cfg.user_timeout = Duration::seconds(5);
  stuck(cfg);
  // The handshake's RTT sample is 0, so RTO starts at its 200 ms minimum
  // and doubles: expiries at 0.2, 0.6, 1.4, 3.0 and 6.2 s after the send;
  // the one at 6.2 s finds the data unacknowledged for ≥ 5 s and ends it.
  advance(Duration::millis(6100));
  EXPECT_FALSE(conn->is_closed()) << trace();
  advance(Duration::millis(200));
  EXPECT_TRUE(conn->is_closed()) << trace();
  EXPECT_EQ(conn->error(), SockError::TimedOut);
  EXPECT_EQ(conn->stats().rto_expiries, 5u);
}

TEST_F(UserTimeout, AnAckOfNewDataRestartsTheClock) {
  ConnectionConfig cfg;
  cfg.user_timeout = Duration::seconds(5);
  stuck(cfg);
  advance(Duration::seconds(4));
  in(Seg(8001, TcpFlags::kAck).ack(1051));  // half of it arrives
  advance(Duration::seconds(4));
  EXPECT_FALSE(conn->is_closed()) << "8 s after the send, but only 4 s since progress" << trace();
}

TEST_F(UserTimeout, RetryLimitZeroNeverGivesUp) {
  ConnectionConfig cfg;
  cfg.max_retransmits = 0;
  stuck(cfg);
  advance(Duration::seconds(3600));  // RTO capped at 120 s: about 40 expiries
  EXPECT_FALSE(conn->is_closed()) << trace();
  EXPECT_GT(conn->stats().rto_expiries, 15u);
}

TEST_F(UserTimeout, DefaultLimitIsFifteenRetransmissions) {
  stuck({});
  advance(Duration::seconds(3600));
  EXPECT_TRUE(conn->is_closed());
  EXPECT_EQ(conn->error(), SockError::TimedOut);
  EXPECT_EQ(conn->stats().rto_expiries, 16u);  // the 16th expiry gives up
}

}  // namespace
}  // namespace ws::tcp
