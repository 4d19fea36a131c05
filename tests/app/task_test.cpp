// Task<T> and the Loop's own machinery: lazy start, values, nesting,
// exceptions, detached tasks, sleep in virtual time, cancellation, and the
// rule that a readiness notification never resumes anything synchronously.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "app/loop.hpp"
#include "app/sim_loop.hpp"

namespace ws::app {
namespace {

static_assert(!std::is_copy_constructible_v<Task<int>>);
static_assert(!std::is_copy_assignable_v<Task<int>>);
static_assert(std::is_nothrow_move_constructible_v<Task<int>>);

const Instant t0 = Instant::zero();

// Counts its destructions: put one in a frame to see the frame freed.
struct Guard {
  explicit Guard(int& n) : count(&n) {}
  Guard(Guard&& o) noexcept : count(std::exchange(o.count, nullptr)) {}
  ~Guard() {
    if (count != nullptr) ++*count;
  }
  int* count;
};

Task<int> constant(int v, bool& started) {
  started = true;
  co_return v;
}

Task<int> add_one(int v) { co_return v + 1; }

Task<int> twice_plus_one(int v) {
  const int a = co_await add_one(v);  // nested await of a temporary
  Task<int> b = add_one(a);           // a named task, awaited later
  co_return (co_await b) + v;
}

Task<void> run_int(Task<int> t, std::vector<int>& out) { out.push_back(co_await std::move(t)); }

TEST(Task, IsLazyAndPassesValues) {
  sim::Simulation s(1);
  SimLoop loop(s);
  bool started = false;
  std::vector<int> out;
  Task<int> t = constant(7, started);
  EXPECT_FALSE(started) << "a Task runs nothing until awaited";
  const TaskId id = loop.spawn(run_int(std::move(t), out));
  EXPECT_FALSE(started) << "spawn starts the task at the next turn of the loop, not inside spawn";
  EXPECT_TRUE(loop.running(id));
  s.run_until_idle(t0 + Duration::seconds(1));
  EXPECT_TRUE(started);
  EXPECT_EQ(out, std::vector<int>{7});
  EXPECT_FALSE(loop.running(id)) << "a finished detached task is freed";
  EXPECT_EQ(loop.task_count(), 0u);
}

TEST(Task, NestedAwaits) {
  sim::Simulation s(1);
  SimLoop loop(s);
  std::vector<int> out;
  loop.spawn(run_int(twice_plus_one(10), out));
  s.run_until_idle(t0 + Duration::seconds(1));
  EXPECT_EQ(out, std::vector<int>{22});  // (10+1)+1 + 10
}

Task<int> sum_of_many(int n) {
  int sum = 0;
  for (int i = 0; i < n; ++i) sum += co_await add_one(0);
  co_return sum;
}

TEST(Task, ManyImmediateAwaitsDoNotGrowTheStack) {
  // Each completion hands control back by symmetric transfer; a recursive
  // resume() would overflow the stack long before a million.
  sim::Simulation s(1);
  SimLoop loop(s);
  std::vector<int> out;
  loop.spawn(run_int(sum_of_many(1'000'000), out));
  s.run_until_idle(t0 + Duration::seconds(1));
  EXPECT_EQ(out, std::vector<int>{1'000'000});
}

Task<int> throws_after(Loop& loop, Duration d) {
  co_await sleep(loop, d);
  throw std::runtime_error("boom");
}

Task<void> catches(Loop& loop, std::string& what) {
  try {
    (void)co_await throws_after(loop, Duration::millis(5));
    what = "no exception";
  } catch (const std::runtime_error& e) {
    what = e.what();
  }
}

TEST(Task, ExceptionsPropagateToTheAwaiter) {
  sim::Simulation s(1);
  SimLoop loop(s);
  std::string what;
  loop.spawn(catches(loop, what));
  s.run_until_idle(t0 + Duration::seconds(1));
  EXPECT_EQ(what, "boom");
}

Task<void> throws_detached() {
  throw std::logic_error("escaped");
  co_return;
}

TEST(TaskDeathTest, AnExceptionEscapingADetachedTaskTerminates) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        sim::Simulation s(1);
        SimLoop loop(s);
        loop.spawn(throws_detached());
        s.run_until_idle(t0 + Duration::seconds(1));
      },
      "");
}

Task<void> hold(Guard g) {
  (void)g;
  co_return;
}

TEST(Task, DestroyingOrReplacingATaskFreesItsFrame) {
  int freed = 0;
  {
    Task<void> t = hold(Guard(freed));
    EXPECT_EQ(freed, 0);
    Task<void> u = std::move(t);
    EXPECT_FALSE(t.valid());  // NOLINT(bugprone-use-after-move): testing the moved-from state
    EXPECT_EQ(freed, 0) << "moving hands over the frame";
    u = hold(Guard(freed));
    EXPECT_EQ(freed, 1) << "assignment destroys the frame it replaces";
  }
  EXPECT_EQ(freed, 2);
}

Task<void> sleeper(Loop& loop, Duration d, std::vector<Instant>& woke, Guard g) {
  (void)g;
  co_await sleep(loop, d);
  woke.push_back(loop.now());
}

TEST(Sleep, RunsInVirtualTime) {
  sim::Simulation s(1);
  SimLoop loop(s);
  std::vector<Instant> woke;
  int freed = 0;
  loop.spawn(sleeper(loop, Duration::millis(1500), woke, Guard(freed)));
  loop.spawn(sleeper(loop, Duration::seconds(3600), woke, Guard(freed)));
  s.run_until_idle(t0 + Duration::seconds(10'000));
  ASSERT_EQ(woke.size(), 2u);
  EXPECT_EQ(woke[0], t0 + Duration::millis(1500));
  EXPECT_EQ(woke[1], t0 + Duration::seconds(3600)) << "an hour of sleep takes no real time";
  EXPECT_EQ(freed, 2);
}

Task<void> yielder(Loop& loop, char name, std::string& trace) {
  for (int i = 0; i < 3; ++i) {
    trace += name;
    co_await sleep(loop, Duration::zero());
  }
}

TEST(Sleep, ZeroYieldsToOthersDueNow) {
  sim::Simulation s(1);
  SimLoop loop(s);
  std::string trace;
  loop.spawn(yielder(loop, 'a', trace));
  loop.spawn(yielder(loop, 'b', trace));
  s.run_until_idle(t0 + Duration::seconds(1));
  EXPECT_EQ(trace, "ababab");
  EXPECT_EQ(s.now(), t0) << "no time passed";
}

TEST(Cancel, ASleepingTaskIsDestroyedAndNeverResumed) {
  sim::Simulation s(1);
  SimLoop loop(s);
  std::vector<Instant> woke;
  int freed = 0;
  const TaskId id = loop.spawn(sleeper(loop, Duration::seconds(5), woke, Guard(freed)));
  s.run_until(t0 + Duration::seconds(1));
  EXPECT_EQ(loop.waiter_count(), 1u);
  EXPECT_TRUE(loop.cancel(id));
  EXPECT_EQ(freed, 1) << "cancel destroys the frame at once";
  EXPECT_EQ(loop.waiter_count(), 0u) << "and withdraws its timer";
  EXPECT_FALSE(loop.cancel(id)) << "a second cancel finds nothing";
  s.run_until(t0 + Duration::seconds(10));  // the timer's event still fires: it must find nothing
  EXPECT_TRUE(woke.empty());
}

TEST(Cancel, TheLoopCancelsWhatIsLeftWhenDestroyed) {
  sim::Simulation s(1);
  std::vector<Instant> woke;
  int freed = 0;
  {
    SimLoop loop(s);
    loop.spawn(sleeper(loop, Duration::seconds(5), woke, Guard(freed)));
    loop.spawn(sleeper(loop, Duration::seconds(6), woke, Guard(freed)));
    s.run_until(t0 + Duration::seconds(1));
  }
  EXPECT_EQ(freed, 2);
  s.run_until(t0 + Duration::seconds(10));  // callbacks of the dead loop are no-ops
  EXPECT_TRUE(woke.empty());
}

TEST(Delayed, StartsLaterAndStoreResultKeepsTheValue) {
  sim::Simulation s(1);
  SimLoop loop(s);
  std::optional<int> got;
  const TaskId id =
      loop.spawn(delayed(loop, Duration::millis(250), store_result(add_one(41), got)));
  s.run_until(t0 + Duration::millis(249));
  EXPECT_FALSE(got.has_value());
  EXPECT_TRUE(loop.run_until_done(id, t0 + Duration::seconds(1)));
  EXPECT_EQ(got, 42);
  EXPECT_EQ(s.now(), t0 + Duration::millis(250));
}

// A Loop whose calls wait in a list until the test runs them: shows
// exactly what notify_readiness does and does not do.
class ManualLoop final : public Loop {
 public:
  ~ManualLoop() override { cancel_all(); }
  Instant now() const override { return now_; }
  void call_at(Instant at, std::function<void()> fn) override {
    queued.emplace_back(at, std::move(fn));
  }
  void wake(Stack&) override { ++wakes; }
  void run_queued() {
    auto batch = std::move(queued);
    queued.clear();
    for (auto& [at, fn] : batch) fn();
  }
  std::vector<std::pair<Instant, std::function<void()>>> queued;
  int wakes = 0;

 private:
  Instant now_ = Instant::zero();
};

struct CountingWaiter final : Waiter {
  void on_wake() override { ++woken; }
  int woken = 0;
};

TEST(Loop, ReadinessIsDeliveredLaterFromTheLoopAndCoalesced) {
  ManualLoop loop;
  Stack stack;
  CountingWaiter w, other;
  const WaitId id = loop.wait_readiness(stack, 3, w);
  (void)loop.wait_readiness(stack, 4, other);
  loop.notify_readiness(stack, 3);  // as if from inside the stack
  EXPECT_EQ(w.woken, 0) << "nothing runs inside the listener";
  loop.notify_readiness(stack, 3);
  EXPECT_EQ(loop.queued.size(), 1u) << "one pending wake per waiter is enough";
  loop.run_queued();
  EXPECT_EQ(w.woken, 1);
  EXPECT_EQ(other.woken, 0) << "only the socket's own waiters";
  loop.notify_readiness(stack, 3);
  loop.withdraw(id);  // the coroutine went away before its wake ran
  loop.run_queued();
  EXPECT_EQ(w.woken, 1) << "a withdrawn waiter is never woken";
  Stack another;
  loop.notify_readiness(another, 4);
  EXPECT_TRUE(loop.queued.empty()) << "socket 4 of another stack has no waiters";
}

}  // namespace
}  // namespace ws::app
