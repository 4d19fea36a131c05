// TimerSet (per connection) and TimerQueue (per host), the latter against a
// reference model with thousands of ids.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <tuple>
#include <vector>

#include "base/rng.hpp"
#include "tcp/timer_queue.hpp"
#include "tcp/timers.hpp"

namespace ws::tcp {
namespace {

Instant ms(std::int64_t v) { return Instant::zero() + Duration::millis(v); }

TEST(TimerSet, StartsUnarmed) {
  TimerSet t;
  EXPECT_EQ(t.next_deadline(), Instant::never());
  for (std::size_t k = 0; k < kTimerKinds; ++k) EXPECT_FALSE(t.armed(static_cast<TimerKind>(k)));
  EXPECT_FALSE(t.pop_expired(Instant::never()));
}

TEST(TimerSet, NextDeadlineIsTheEarliest) {
  TimerSet t;
  t.arm(TimerKind::kKeepalive, ms(7'200'000));
  t.arm(TimerKind::kRetransmit, ms(1000));
  t.arm(TimerKind::kDelayedAck, ms(40));
  EXPECT_EQ(t.next_deadline(), ms(40));
  EXPECT_TRUE(t.armed(TimerKind::kDelayedAck));
  EXPECT_EQ(t.deadline(TimerKind::kRetransmit), ms(1000));
  t.cancel(TimerKind::kDelayedAck);
  EXPECT_EQ(t.next_deadline(), ms(1000));
  t.arm(TimerKind::kRetransmit, ms(2000));  // re-arming moves it
  EXPECT_EQ(t.next_deadline(), ms(2000));
  t.arm(TimerKind::kRetransmit, Instant::never());  // arming with never() disarms
  EXPECT_FALSE(t.armed(TimerKind::kRetransmit));
  EXPECT_EQ(t.next_deadline(), ms(7'200'000));
  t.cancel_all();
  EXPECT_EQ(t.next_deadline(), Instant::never());
  EXPECT_EQ(t, TimerSet{});
}

TEST(TimerSet, PopExpiredInDeadlineOrder) {
  TimerSet t;
  t.arm(TimerKind::kClose, ms(60'000));
  t.arm(TimerKind::kPersist, ms(300));
  t.arm(TimerKind::kDelayedAck, ms(200));
  t.arm(TimerKind::kRetransmit, ms(200));  // ties: the lower kind first
  EXPECT_FALSE(t.pop_expired(ms(199)));
  EXPECT_EQ(t.pop_expired(ms(500)), TimerKind::kRetransmit);
  EXPECT_EQ(t.pop_expired(ms(500)), TimerKind::kDelayedAck);
  EXPECT_EQ(t.pop_expired(ms(500)), TimerKind::kPersist);
  EXPECT_FALSE(t.pop_expired(ms(500)));
  EXPECT_TRUE(t.armed(TimerKind::kClose));
  EXPECT_EQ(t.pop_expired(ms(60'000)), TimerKind::kClose);  // due exactly at its deadline
  EXPECT_EQ(t.next_deadline(), Instant::never());
}

TEST(TimerSet, Names) {
  EXPECT_EQ(to_string(TimerKind::kRetransmit), "retransmit");
  EXPECT_EQ(to_string(TimerKind::kPersist), "persist");
  EXPECT_EQ(to_string(TimerKind::kDelayedAck), "delayed-ack");
  EXPECT_EQ(to_string(TimerKind::kKeepalive), "keepalive");
  EXPECT_EQ(to_string(TimerKind::kClose), "close");
}

TEST(TimerQueue, ScheduleAndPop) {
  TimerQueue q;
  EXPECT_EQ(q.next_deadline(), Instant::never());
  EXPECT_FALSE(q.pop_due(Instant::never()));
  q.schedule(7, ms(300));
  q.schedule(3, ms(100));
  q.schedule(5, ms(200));
  EXPECT_EQ(q.size(), 3u);
  EXPECT_EQ(q.next_deadline(), ms(100));
  EXPECT_EQ(q.deadline(5), ms(200));
  EXPECT_FALSE(q.pop_due(ms(99)));
  EXPECT_EQ(q.pop_due(ms(250)), 3u);
  EXPECT_EQ(q.pop_due(ms(250)), 5u);
  EXPECT_FALSE(q.pop_due(ms(250)));
  EXPECT_FALSE(q.scheduled(3));
  EXPECT_EQ(q.deadline(3), Instant::never());
  EXPECT_EQ(q.next_deadline(), ms(300));
  EXPECT_EQ(q.pop_due(ms(300)), 7u);
  EXPECT_EQ(q.size(), 0u);
  EXPECT_EQ(q.heap_size(), 0u);
}

TEST(TimerQueue, RescheduleAndCancel) {
  TimerQueue q;
  q.schedule(1, ms(100));
  q.schedule(2, ms(200));
  q.schedule(1, ms(300));  // later: 2 is now first
  EXPECT_EQ(q.next_deadline(), ms(200));
  q.schedule(2, ms(50));  // earlier
  EXPECT_EQ(q.next_deadline(), ms(50));
  q.cancel(2);
  EXPECT_FALSE(q.scheduled(2));
  EXPECT_EQ(q.next_deadline(), ms(300));
  q.schedule(1, Instant::never());  // never() cancels
  EXPECT_EQ(q.next_deadline(), Instant::never());
  EXPECT_EQ(q.size(), 0u);
  EXPECT_FALSE(q.pop_due(Instant::never() - Duration::nanos(1)));
  q.cancel(99);  // unknown ids are fine
  q.remove(99);
  q.schedule(2, ms(10));
  q.remove(2);
  EXPECT_FALSE(q.scheduled(2));
  EXPECT_FALSE(q.pop_due(ms(1000)));
}

TEST(TimerQueue, EqualDeadlinesComeOutInSchedulingOrder) {
  TimerQueue q;
  for (TimerId id : {9u, 4u, 6u, 1u}) q.schedule(id, ms(100));
  q.schedule(4, ms(100));  // unchanged: keeps its place
  std::vector<TimerId> order;
  while (auto id = q.pop_due(ms(100))) order.push_back(*id);
  EXPECT_EQ(order, (std::vector<TimerId>{9, 4, 6, 1}));
}

TEST(TimerQueue, StaleEntriesDoNotAccumulate) {
  TimerQueue q;
  for (TimerId id = 0; id < 100; ++id) q.schedule(id, ms(1'000'000 + id));
  // One connection re-arming its deadline on every packet, far in the future.
  for (int i = 0; i < 100'000; ++i) q.schedule(5, ms(2'000'000 + i));
  EXPECT_EQ(q.size(), 100u);
  EXPECT_LE(q.heap_size(), 2 * q.size() + 65);
  EXPECT_EQ(q.deadline(5), ms(2'000'000 + 99'999));
}

// Thousands of ids under random schedule/reschedule/cancel/remove/pop,
// compared step by step with a model: an ordered set of (deadline, order, id).
TEST(TimerQueue, MatchesModelWithThousandsOfIds) {
  Rng rng(99);
  TimerQueue q;
  constexpr TimerId kIds = 5000;
  std::map<TimerId, std::tuple<Instant, std::uint64_t>> by_id;
  std::set<std::tuple<Instant, std::uint64_t, TimerId>> order;
  std::uint64_t counter = 0;
  Instant now = Instant::zero();
  auto model_unset = [&](TimerId id) {
    auto it = by_id.find(id);
    if (it == by_id.end()) return;
    order.erase({std::get<0>(it->second), std::get<1>(it->second), id});
    by_id.erase(it);
  };
  std::size_t popped = 0;
  for (int step = 0; step < 200'000; ++step) {
    const auto id = static_cast<TimerId>(rng.below(kIds));
    switch (rng.below(10)) {
      case 0:
      case 1:
      case 2:
      case 3:
      case 4: {
        // Mostly near-future deadlines, on a coarse grid so ties happen.
        const Instant d = now + Duration::millis(static_cast<std::int64_t>(rng.below(200)) * 5);
        q.schedule(id, d);
        auto it = by_id.find(id);
        if (it == by_id.end() || std::get<0>(it->second) != d) {
          model_unset(id);
          by_id[id] = {d, counter};
          order.insert({d, counter, id});
          ++counter;
        }
        break;
      }
      case 5:
        q.cancel(id);
        model_unset(id);
        break;
      case 6:
        q.remove(id);
        model_unset(id);
        break;
      default: {
        now += Duration::millis(static_cast<std::int64_t>(rng.below(20)));
        while (auto got = q.pop_due(now)) {
          ASSERT_FALSE(order.empty());
          const auto [d, c, want] = *order.begin();
          ASSERT_LE(d, now);
          ASSERT_EQ(*got, want) << "step " << step;
          model_unset(want);
          ++popped;
        }
        ASSERT_TRUE(order.empty() || std::get<0>(*order.begin()) > now);
        break;
      }
    }
    ASSERT_EQ(q.size(), by_id.size());
    ASSERT_EQ(q.next_deadline(), order.empty() ? Instant::never() : std::get<0>(*order.begin()));
    ASSERT_LE(q.heap_size(), 2 * q.size() + 65);
  }
  EXPECT_GT(popped, 10'000u);
  // Drain: everything comes out in order.
  Instant last = Instant::zero();
  std::size_t drained = 0;
  while (auto got = q.pop_due(Instant::never() - Duration::nanos(1))) {
    EXPECT_GE(q.deadline(*got), Instant::zero());  // now unarmed: never()
    ++drained;
    (void)last;
  }
  EXPECT_EQ(drained, by_id.size());
  EXPECT_EQ(q.size(), 0u);
}

}  // namespace
}  // namespace ws::tcp
