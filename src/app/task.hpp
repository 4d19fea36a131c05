// Task<T>: the coroutine type applications are written in.
//
//   Task<int> answer() { co_return 42; }
//   Task<void> app(Loop& loop) {
//     int x = co_await answer();          // runs answer() to completion, then resumes here
//     co_await sleep(loop, Duration::seconds(1));
//   }
//   loop.spawn(app(loop));                // detached: the loop owns it
//
// Design (docs/architecture.md "Applications: coroutines over a Loop"):
// - Lazy: a Task does nothing until it is awaited or spawned, so creating
//   one has no side effects and its frame always has exactly one owner.
// - Move-only; the Task object owns the coroutine frame. Destroying a
//   suspended Task destroys its frame, and with it every Task it is
//   awaiting and every pending awaiter (which withdraw themselves from the
//   Loop) — that is how cancellation works; nothing is resumed afterwards.
// - The awaiter starts the task directly; a task that finishes without
//   suspending returns to it like a function call (no resume at all), and
//   one that suspended resumes its awaiter when it finishes. A loop of a
//   million immediately-ready awaits therefore runs in constant stack, on
//   every compiler and optimisation level.
// - Exceptions: an exception leaving a Task is stored and rethrown from
//   the co_await in the awaiting coroutine. Network errors are values
//   (SockResult), so exceptions mean bugs or std::bad_alloc; a detached
//   task (Loop::spawn) that lets one escape calls std::terminate, as an
//   exception escaping a thread's function does.
#pragma once

#include <cassert>
#include <coroutine>
#include <cstdint>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

namespace ws::app {

template <class T = void>
class Task;

namespace detail {

class PromiseBase {
 public:
  std::suspend_always initial_suspend() noexcept { return {}; }

  // At the end: if the awaiter is still inside its await_suspend (we ran
  // to completion without ever suspending), just return to it and let it
  // carry on without suspending; otherwise resume it. This keeps a loop of
  // immediately-complete awaits flat without relying on the compiler
  // turning symmetric transfer into a tail call (g++ does not at -O0).
  struct FinalAwaiter {
    bool await_ready() noexcept { return false; }
    template <class P>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<P> h) noexcept {
      PromiseBase& p = h.promise();
      if (p.state_ == State::Starting) {
        p.state_ = State::DoneInline;
        return std::noop_coroutine();  // back into Awaiter::await_suspend
      }
      return p.continuation_;
    }
    void await_resume() noexcept {}
  };
  FinalAwaiter final_suspend() noexcept { return {}; }

  void unhandled_exception() noexcept { exception_ = std::current_exception(); }

  // Starts the task for `awaiting`; true when `awaiting` must suspend
  // (the task suspended), false when the task already finished.
  bool start(std::coroutine_handle<> self, std::coroutine_handle<> awaiting) {
    continuation_ = awaiting;
    state_ = State::Starting;
    self.resume();
    if (state_ == State::DoneInline) return false;
    state_ = State::Suspended;
    return true;
  }
  void rethrow_if_failed() const {
    if (exception_) std::rethrow_exception(exception_);
  }

 private:
  enum class State : std::uint8_t {
    NotStarted,
    Starting,    // running inside the awaiter's await_suspend
    Suspended,   // suspended; the awaiter is suspended too and is resumed at the end
    DoneInline,  // finished while Starting
  };
  std::coroutine_handle<> continuation_ = std::noop_coroutine();
  std::exception_ptr exception_;
  State state_ = State::NotStarted;
};

template <class T>
class Promise final : public PromiseBase {
 public:
  Task<T> get_return_object() noexcept;
  template <class U = T>
  requires std::is_convertible_v<U&&, T>
  void return_value(U&& v) { value_.emplace(std::forward<U>(v)); }
  T take() {
    rethrow_if_failed();
    assert(value_.has_value());
    return std::move(*value_);
  }

 private:
  std::optional<T> value_;
};

template <>
class Promise<void> final : public PromiseBase {
 public:
  Task<void> get_return_object() noexcept;
  void return_void() noexcept {}
  void take() const { rethrow_if_failed(); }
};

}  // namespace detail

template <class T>
class [[nodiscard]] Task {
 public:
  using promise_type = detail::Promise<T>;
  using Handle = std::coroutine_handle<promise_type>;

  Task() = default;
  explicit Task(Handle h) noexcept : h_(h) {}
  Task(Task&& o) noexcept : h_(std::exchange(o.h_, {})) {}
  Task& operator=(Task&& o) noexcept {
    if (this != &o) {
      reset();
      h_ = std::exchange(o.h_, {});
    }
    return *this;
  }
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;
  ~Task() { reset(); }

  bool valid() const noexcept { return static_cast<bool>(h_); }
  bool done() const noexcept { return h_ && h_.done(); }

  // co_await task: starts it (it is lazy) and resumes the awaiter with its
  // result when it finishes. The Task must stay alive until then, which
  // `co_await f()` guarantees (the temporary lives to the end of the
  // full expression).
  auto operator co_await() const& noexcept { return Awaiter{h_}; }
  auto operator co_await() const&& noexcept { return Awaiter{h_}; }

  // For drivers (Loop::spawn): give up ownership of the frame.
  Handle release() noexcept { return std::exchange(h_, {}); }

 private:
  struct Awaiter {
    Handle h;
    bool await_ready() const noexcept { return !h || h.done(); }
    bool await_suspend(std::coroutine_handle<> awaiting) { return h.promise().start(h, awaiting); }
    T await_resume() {
      assert(h && "co_await on an empty Task");
      return h.promise().take();
    }
  };

  void reset() noexcept {
    if (h_) std::exchange(h_, {}).destroy();
  }

  Handle h_;
};

namespace detail {
template <class T>
Task<T> Promise<T>::get_return_object() noexcept {
  return Task<T>{std::coroutine_handle<Promise<T>>::from_promise(*this)};
}
inline Task<void> Promise<void>::get_return_object() noexcept {
  return Task<void>{std::coroutine_handle<Promise<void>>::from_promise(*this)};
}
}  // namespace detail

}  // namespace ws::app
