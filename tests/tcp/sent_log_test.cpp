// SentLog (RFC 8985 §6.1's per-segment records) and the pipe it gives
// (RFC 6675 §4 SetPipe() with RACK's marks as IsLost()).
#include "tcp/sent_log.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "base/rng.hpp"

namespace ws::tcp {
namespace {

const Instant t0 = Instant::zero();

SentLog four_segments() {
  SentLog log;
  for (std::uint32_t i = 0; i < 4; ++i) log.on_sent(SeqNum(1000 + i * 100), SeqNum(1100 + i * 100), t0);
  return log;
}

TEST(SentLog, PipeCountsWhatIsInTheNetwork) {
  SentLog log = four_segments();
  EXPECT_EQ(log.pipe(), 400u);
  // A SACKed segment has left the network (RFC 6675 §4: not counted).
  std::vector<std::uint32_t> seen;
  log.on_sack(SeqNum(1100), SeqNum(1200), [&](const SentLog::Segment& s) { seen.push_back(s.begin.raw()); });
  EXPECT_EQ(seen, std::vector<std::uint32_t>{1100});
  EXPECT_EQ(log.pipe(), 300u);
  // A lost one is not in the network either; once resent, its copy is.
  ASSERT_TRUE(log.mark_lost(SeqNum(1000), false));
  EXPECT_EQ(log.pipe(), 200u);
  ASSERT_NE(log.next_lost(), nullptr);
  EXPECT_EQ(log.next_lost()->begin, SeqNum(1000));
  ASSERT_TRUE(log.on_retransmitted(SeqNum(1000), 100, t0 + Duration::millis(5)));
  EXPECT_EQ(log.pipe(), 300u);
  EXPECT_EQ(log.next_lost(), nullptr);  // NextSeg() rule (1) skips what was resent
  // A segment resent but not deemed lost (a tail loss probe) counts twice:
  // the original and the copy may both be in the network.
  ASSERT_TRUE(log.on_retransmitted(SeqNum(1300), 100, t0 + Duration::millis(5)));
  EXPECT_EQ(log.pipe(), 400u);
}

TEST(SentLog, SackMarksOnlyWholeSegmentsAndNotTwice) {
  SentLog log = four_segments();
  int calls = 0;
  auto count = [&](const SentLog::Segment&) { ++calls; };
  log.on_sack(SeqNum(1150), SeqNum(1300), count);  // half of the second, all of the third
  EXPECT_EQ(calls, 1);
  EXPECT_FALSE(log.segments()[1].sacked);
  EXPECT_TRUE(log.segments()[2].sacked);
  log.on_sack(SeqNum(1200), SeqNum(1300), count);
  EXPECT_EQ(calls, 1);
}

TEST(SentLog, CumulativeAckRemovesAndCuts) {
  SentLog log = four_segments();
  log.on_sack(SeqNum(1100), SeqNum(1200), [](const SentLog::Segment&) {});
  std::vector<std::uint32_t> delivered;
  log.on_ack(SeqNum(1250), [&](const SentLog::Segment& s) { delivered.push_back(s.begin.raw()); });
  // The first is delivered now; the SACKed second was delivered before.
  EXPECT_EQ(delivered, std::vector<std::uint32_t>{1000});
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log.segments()[0].begin, SeqNum(1250));  // the ACK cut the third
  EXPECT_EQ(log.pipe(), 150u);
}

TEST(SentLog, RetransmissionAtASmallerSizeSplits) {
  SentLog log = four_segments();
  ASSERT_TRUE(log.on_retransmitted(SeqNum(1000), 60, t0 + Duration::millis(1)));
  ASSERT_EQ(log.size(), 5u);
  EXPECT_EQ(log.segments()[0].end, SeqNum(1060));
  EXPECT_TRUE(log.segments()[0].retransmitted);
  EXPECT_EQ(log.segments()[1].begin, SeqNum(1060));
  EXPECT_FALSE(log.segments()[1].retransmitted);
  EXPECT_FALSE(log.on_retransmitted(SeqNum(1010), 50, t0));  // no segment starts there
}

TEST(SentLog, TimeoutMarksEverythingNotSackedLost) {
  SentLog log = four_segments();
  log.on_sack(SeqNum(1200), SeqNum(1300), [](const SentLog::Segment&) {});
  log.mark_all_lost();
  EXPECT_EQ(log.pipe(), 0u);
  std::vector<std::uint32_t> order;
  while (const SentLog::Segment* s = log.next_lost()) {
    order.push_back(s->begin.raw());
    ASSERT_TRUE(log.on_retransmitted(s->begin, s->len(), t0 + Duration::seconds(1)));
  }
  EXPECT_EQ(order, (std::vector<std::uint32_t>{1000, 1100, 1300}));  // not the SACKed 1200
}

// The counters and the time-order queue are kept as records change, not
// recounted per ACK: after every operation of a random history they must
// equal a recount, and the scan must visit exactly the records that may
// still be deemed lost, oldest transmission first.
TEST(SentLog, CountersAndTimeOrderSurviveARandomHistory) {
  Rng rng(7);
  SentLog log;
  SeqNum una(5000), nxt(5000);
  Instant now = t0;
  for (int step = 0; step < 20000; ++step) {
    now = now + Duration::micros(static_cast<std::int64_t>(rng.below(50)));
    const std::uint64_t op = rng.below(100);
    if (op < 35 || log.empty()) {
      const std::uint32_t len = 1 + static_cast<std::uint32_t>(rng.below(1460));
      log.on_sent(nxt, nxt + len, now);
      nxt = nxt + len;
    } else {
      const auto& segs = log.segments();
      const SentLog::Segment pick = segs[rng.below(segs.size())];
      if (op < 50) {
        const std::uint32_t len = rng.below(4) == 0 ? 1 + static_cast<std::uint32_t>(rng.below(pick.len())) : pick.len();
        EXPECT_TRUE(log.on_retransmitted(pick.begin, len, now));
      } else if (op < 65) {
        log.on_sack(pick.begin, pick.end + static_cast<std::uint32_t>(rng.below(3000)), [](const SentLog::Segment&) {});
      } else if (op < 75) {
        EXPECT_TRUE(log.mark_lost(pick.begin, rng.below(2) == 0));
      } else if (op < 85) {
        una = una + static_cast<std::uint32_t>(rng.below(static_cast<std::uint64_t>(nxt - una) + 1));
        log.on_ack(una, [](const SentLog::Segment&) {});
      } else if (op < 96) {
        // A scan with a random horizon, marking every other candidate lost.
        const std::uint64_t horizon = pick.order;
        std::vector<std::uint64_t> visited;
        bool flip = false;
        log.scan_by_time([&](const SentLog::Segment& s) {
          if (s.order > horizon) return SentLog::Verdict::kStop;
          visited.push_back(s.order);
          flip = !flip;
          return flip ? SentLog::Verdict::kLost : SentLog::Verdict::kKeep;
        });
        EXPECT_TRUE(std::is_sorted(visited.begin(), visited.end()));
      } else if (op < 98) {
        log.mark_all_lost(rng.below(2) == 0);
      } else {
        log.clear_lost();
      }
    }
    ASSERT_TRUE(log.consistent()) << "after step " << step << ", op " << op;
    const SentLog::Segment* first = nullptr;
    for (const auto& s : log.segments()) {
      if (s.lost_unsent()) {
        first = &s;
        break;
      }
    }
    ASSERT_EQ(log.next_lost(), first) << "after step " << step;
  }
}

}  // namespace
}  // namespace ws::tcp
