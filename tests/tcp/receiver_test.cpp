// The receiver's window updates (tcp/receiver.hpp): receiver SWS avoidance
// (RFC 9293 §3.8.6.2.2) counts in the segment size the peer really sends.
#include <gtest/gtest.h>

#include <vector>

#include "tcp/receiver.hpp"
#include "tcp/timers.hpp"

namespace ws::tcp {
namespace {

// Our MSS is 1460; with timestamps the peer's segments carry 1448 bytes.
// An 8192-byte buffer: two segments arrive, the first ACK is due with both
// unread; once the application reads them, the window they free — two
// segments' worth — is worth announcing. Counted in 1460-byte segments it
// would not be (2896 < 2920), and the sender, which cannot fit another
// 1448-byte segment, would wait for the next ACK.
TEST(ReceiverTest, AWindowUpdateCountsInTheSegmentsThePeerSends) {
  TimerSet timers;
  Receiver r(8192, 1460, Duration::millis(40), timers);
  r.start(SeqNum(999));
  const Instant now = Instant::zero() + Duration::seconds(1);
  ASSERT_EQ(r.syn_window(), 8192);
  const std::vector<std::uint8_t> seg(1448, 'x');
  (void)r.on_text(now, SeqNum(1000), seg, false, false);
  (void)r.on_text(now, SeqNum(1000 + 1448), seg, false, false);
  EXPECT_EQ(r.window_to_advertise(), 8192 - 2 * 1448);  // both unread
  std::vector<std::uint8_t> out(4096);
  ASSERT_EQ(r.buffer().read(out), 2u * 1448);
  EXPECT_TRUE(r.window_update_due());
  EXPECT_EQ(r.window_to_advertise(), 8192);
}

TEST(ReceiverTest, SmallSegmentsDoNotShrinkTheStepBelow536Bytes) {
  TimerSet timers;
  Receiver r(8192, 1460, Duration::millis(40), timers);
  r.start(SeqNum(999));
  const Instant now = Instant::zero() + Duration::seconds(1);
  (void)r.syn_window();
  const std::vector<std::uint8_t> seg(100, 'x');
  for (int i = 0; i < 5; ++i) (void)r.on_text(now, SeqNum(1000 + 100 * i), seg, false, false);
  (void)r.window_to_advertise();  // 7692 offered
  std::vector<std::uint8_t> out(4096);
  ASSERT_EQ(r.buffer().read(out), 500u);
  // 500 bytes freed: less than 2 × 536, no update yet.
  EXPECT_FALSE(r.window_update_due());
}

}  // namespace
}  // namespace ws::tcp
