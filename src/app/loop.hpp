// Loop: the event loop applications are written against. The simulator
// implements it in virtual time (SimLoop); a real-time loop over epoll and
// timerfd implements the same three calls later, and the apps run there
// unchanged.
//
//   class MyLoop final : public Loop {
//     Instant now() const override;                              // the clock
//     void call_at(Instant at, std::function<void()> fn) override; // a timer
//     void wake(Stack& stack) override;  // an app changed `stack`: drain its frames
//   };
//
// Everything else lives here, once, for every loop: detached tasks
// (spawn/cancel), and waiters — a coroutine suspended until a socket's
// readiness changes or a deadline passes. A driver connects a Stack by
// making notify_readiness() its readiness listener.
//
// Rules that keep coroutines safe:
// - Nothing is resumed from inside the stack. notify_readiness() only
//   schedules a call (call_at(now)); the waiter runs later from the loop,
//   where it may call into the stack again.
// - A waiter withdraws itself when its coroutine is destroyed; every
//   scheduled call looks its waiter up by id first, so a stale
//   notification or timer finds nothing and does nothing.
// - call_at() callbacks must never run after the Loop is destroyed (the
//   SimLoop guards its callbacks with a liveness token).
#pragma once

#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <utility>

#include "app/task.hpp"
#include "base/time.hpp"
#include "socket/stack.hpp"

namespace ws::app {

using TaskId = std::uint64_t;  // never 0
using WaitId = std::uint64_t;  // never 0

// Something suspended on the loop. on_wake() runs from the loop (never from
// inside a stack): for a socket waiter each time the socket's readiness may
// have changed, for a timer once when it is due.
class Waiter {
 public:
  virtual void on_wake() = 0;

 protected:
  ~Waiter() = default;
};

class Loop {
 public:
  Loop() = default;
  virtual ~Loop();
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  // ---- what a driver implements --------------------------------------
  virtual Instant now() const = 0;
  // Runs `fn` from the loop at `at` (now if in the past), after what is
  // already due at that instant (FIFO), never re-entrantly.
  virtual void call_at(Instant at, std::function<void()> fn) = 0;
  // The app changed `stack` from outside (sent, closed, read): let the
  // driver transmit its frames and re-arm its timers now.
  virtual void wake(Stack& stack) = 0;

  // ---- tasks -----------------------------------------------------------
  // Runs `task` detached: it starts at the next turn of the loop (not
  // inside spawn) and the loop owns it until it finishes, is cancelled, or
  // the loop is destroyed. An exception escaping it calls std::terminate.
  TaskId spawn(Task<void> task);
  bool running(TaskId id) const { return tasks_.contains(id); }
  std::size_t task_count() const { return tasks_.size(); }
  // Destroys a task suspended in the loop: its pending waits are withdrawn
  // and its sockets closed. False if it already finished. Must not be
  // called by the task on itself.
  bool cancel(TaskId id);

  // ---- waiting (for awaiters) -------------------------------------------
  // `w` is woken whenever the readiness of (stack, s) may have changed,
  // until withdrawn.
  WaitId wait_readiness(Stack& stack, SocketId s, Waiter& w);
  // `w` is woken once at `at` (never: only withdrawn).
  WaitId wait_until(Instant at, Waiter& w);
  // Forgets a wait; pending notifications for it are dropped. 0 and ids
  // already fired or withdrawn are ignored.
  void withdraw(WaitId id);
  std::size_t waiter_count() const { return waiters_.size(); }

  // ---- for drivers ------------------------------------------------------
  // The stack's readiness listener: schedules the socket's waiters.
  void notify_readiness(Stack& stack, SocketId s);

 protected:
  // Destroys every task still owned, oldest first. Derived destructors
  // call it first, while now()/wake() still work (closing sockets uses them).
  void cancel_all();

 private:
  struct Entry {
    Waiter* waiter;
    const Stack* stack;  // null for a timer
    SocketId socket;
    bool scheduled;  // a fire() is already queued (coalesces notifications)
  };
  using SocketKey = std::pair<const Stack*, SocketId>;

  void fire(WaitId id);
  void start(TaskId id);
  void finished(TaskId id);

  struct Detached;
  static Detached run_detached(Task<void> task);

  std::uint64_t next_id_ = 1;
  std::map<WaitId, Entry> waiters_;
  // A socket's waiters in registration order (equal keys keep insertion order).
  std::multimap<SocketKey, WaitId> by_socket_;
  std::map<TaskId, std::coroutine_handle<>> tasks_;
};

// ---- timers ---------------------------------------------------------------

// now + d, saturating at Instant::never() (a timeout of Duration::max()
// means "never", not a signed overflow).
constexpr Instant deadline_after(Instant now, Duration d) {
  if (d > Instant::never() - now) return Instant::never();
  return now + d;
}

// co_await sleep(loop, d): resumes after `d` of the loop's time. sleep of
// zero or less still yields to everything else due now (asyncio.sleep(0)).
class [[nodiscard]] SleepAwaiter final : public Waiter {
 public:
  SleepAwaiter(Loop& loop, Instant until) : loop_(loop), until_(until) {}
  SleepAwaiter(const SleepAwaiter&) = delete;
  SleepAwaiter& operator=(const SleepAwaiter&) = delete;
  ~SleepAwaiter() { loop_.withdraw(id_); }

  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) {
    h_ = h;
    id_ = loop_.wait_until(until_, *this);
  }
  void await_resume() const noexcept {}
  void on_wake() override {
    id_ = 0;  // a timer fires once; its entry is already gone
    h_.resume();
  }

 private:
  Loop& loop_;
  Instant until_;
  WaitId id_ = 0;
  std::coroutine_handle<> h_;
};

inline SleepAwaiter sleep_until(Loop& loop, Instant until) { return SleepAwaiter(loop, until); }
inline SleepAwaiter sleep(Loop& loop, Duration d) {
  return SleepAwaiter(loop, deadline_after(loop.now(), d));
}

// Runs `task` after `d` (to start programs at staggered times).
Task<void> delayed(Loop& loop, Duration d, Task<void> task);

// Awaits `task` and stores its result in `out`, which must outlive it
// (lets a test or the CLI spawn a Task<T> and read what it returned).
template <class T>
Task<void> store_result(Task<T> task, std::optional<T>& out) {
  out.emplace(co_await std::move(task));
}

}  // namespace ws::app
