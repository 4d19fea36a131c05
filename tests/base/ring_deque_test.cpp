// RingDeque: a queue that flows keeps its capacity (no allocation per
// element), and behaves as a deque through wrap-around, insertion and
// iteration in both directions.
#include "base/ring_deque.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <memory>

#include "base/rng.hpp"

namespace ws {
namespace {

TEST(RingDeque, AFlowingQueueKeepsItsCapacity) {
  RingDeque<int> q;
  for (int i = 0; i < 10; ++i) q.push_back(i);
  const std::size_t cap = q.capacity();
  for (int i = 10; i < 100000; ++i) {
    q.push_back(i);
    EXPECT_EQ(q.front(), i - 10);
    q.pop_front();
  }
  EXPECT_EQ(q.capacity(), cap);
  EXPECT_EQ(q.size(), 10u);
}

TEST(RingDeque, MatchesStdDequeThroughARandomHistory) {
  Rng rng(3);
  RingDeque<int> q;
  std::deque<int> ref;
  for (int step = 0; step < 20000; ++step) {
    const std::uint64_t op = rng.below(10);
    const int v = static_cast<int>(rng.below(1000));
    if (op < 4) {
      q.push_back(v);
      ref.push_back(v);
    } else if (op < 7 && !ref.empty()) {
      q.pop_front();
      ref.pop_front();
    } else if (op < 8 && !ref.empty()) {
      q.pop_back();
      ref.pop_back();
    } else if (op < 9) {
      const std::size_t at = rng.below(ref.size() + 1);
      q.insert(at, v);
      ref.insert(ref.begin() + static_cast<std::ptrdiff_t>(at), v);
    } else if (rng.below(50) == 0) {
      q.clear();
      ref.clear();
    }
    ASSERT_EQ(q.size(), ref.size());
    ASSERT_TRUE(std::equal(q.begin(), q.end(), ref.begin(), ref.end())) << "step " << step;
    ASSERT_TRUE(std::equal(q.rbegin(), q.rend(), ref.rbegin(), ref.rend())) << "step " << step;
  }
}

TEST(RingDeque, ARemovedElementIsReleasedAtOnce) {
  RingDeque<std::shared_ptr<int>> q;
  auto p = std::make_shared<int>(1);
  q.push_back(p);
  EXPECT_EQ(p.use_count(), 2);
  q.pop_front();
  EXPECT_EQ(p.use_count(), 1);
}

}  // namespace
}  // namespace ws
