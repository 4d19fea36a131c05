#include "app/loop.hpp"

#include <cassert>
#include <exception>

namespace ws::app {

// The frame that owns a spawned Task: it awaits the task, and when the
// task is over it removes itself from the loop and frees its own frame
// (legal: the coroutine is suspended at its final point by then).
struct Loop::Detached {
  struct promise_type {
    Loop* loop = nullptr;
    TaskId id = 0;

    Detached get_return_object() noexcept {
      return Detached{std::coroutine_handle<promise_type>::from_promise(*this)};
    }
    std::suspend_always initial_suspend() noexcept { return {}; }
    struct Final {
      bool await_ready() noexcept { return false; }
      void await_suspend(std::coroutine_handle<promise_type> self) noexcept {
        self.promise().loop->finished(self.promise().id);
      }
      void await_resume() noexcept {}
    };
    Final final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    // The escape of an exception from a detached task is a bug with no one
    // to report it to (see task.hpp).
    void unhandled_exception() noexcept { std::terminate(); }
  };
  std::coroutine_handle<promise_type> handle;
};

Loop::Detached Loop::run_detached(Task<void> task) { co_await std::move(task); }

Loop::~Loop() {
  // Derived loops must have called cancel_all(): destroying a task may
  // close sockets, which needs now() and wake() — gone by now.
  assert(tasks_.empty());
}

TaskId Loop::spawn(Task<void> task) {
  const TaskId id = next_id_++;
  Detached d = run_detached(std::move(task));
  d.handle.promise().loop = this;
  d.handle.promise().id = id;
  tasks_.emplace(id, d.handle);
  call_at(now(), [this, id] { start(id); });
  return id;
}

void Loop::start(TaskId id) {
  auto it = tasks_.find(id);
  if (it == tasks_.end()) return;  // cancelled before it started
  it->second.resume();
}

void Loop::finished(TaskId id) {
  auto it = tasks_.find(id);
  assert(it != tasks_.end());
  const std::coroutine_handle<> h = it->second;
  tasks_.erase(it);
  h.destroy();
}

bool Loop::cancel(TaskId id) {
  auto it = tasks_.find(id);
  if (it == tasks_.end()) return false;
  const std::coroutine_handle<> h = it->second;
  tasks_.erase(it);
  h.destroy();  // runs the destructors of every suspended frame in the chain
  return true;
}

void Loop::cancel_all() {
  // One at a time from the front: destroying a task may finish or spawn others.
  while (!tasks_.empty()) cancel(tasks_.begin()->first);
}

WaitId Loop::wait_readiness(Stack& stack, SocketId s, Waiter& w) {
  const WaitId id = next_id_++;
  waiters_.emplace(id, Entry{&w, &stack, s, false});
  by_socket_.emplace(SocketKey{&stack, s}, id);
  return id;
}

WaitId Loop::wait_until(Instant at, Waiter& w) {
  const WaitId id = next_id_++;
  waiters_.emplace(id, Entry{&w, nullptr, 0, true});
  if (at != Instant::never()) call_at(at, [this, id] { fire(id); });
  return id;
}

void Loop::withdraw(WaitId id) {
  auto it = waiters_.find(id);
  if (it == waiters_.end()) return;
  if (it->second.stack != nullptr) {
    auto [first, last] = by_socket_.equal_range(SocketKey{it->second.stack, it->second.socket});
    for (auto s = first; s != last; ++s) {
      if (s->second == id) {
        by_socket_.erase(s);
        break;
      }
    }
  }
  waiters_.erase(it);
}

void Loop::notify_readiness(Stack& stack, SocketId s) {
  // Called from inside the stack: only schedule. One queued fire() per
  // waiter is enough — it retries the operation, which sees every change.
  auto [first, last] = by_socket_.equal_range(SocketKey{&stack, s});
  for (auto it = first; it != last; ++it) {
    const WaitId id = it->second;
    Entry& e = waiters_.at(id);
    if (e.scheduled) continue;
    e.scheduled = true;
    call_at(now(), [this, id] { fire(id); });
  }
}

void Loop::fire(WaitId id) {
  auto it = waiters_.find(id);
  if (it == waiters_.end()) return;  // withdrawn: its coroutine is gone or done
  Waiter* w = it->second.waiter;
  if (it->second.stack == nullptr) {
    waiters_.erase(it);  // timers are one-shot
  } else {
    it->second.scheduled = false;
  }
  // Last: on_wake may resume a coroutine that withdraws this or other
  // waits, spawns, cancels... nothing here is touched afterwards.
  w->on_wake();
}

Task<void> delayed(Loop& loop, Duration d, Task<void> task) {
  co_await sleep(loop, d);
  co_await std::move(task);
}

}  // namespace ws::app
