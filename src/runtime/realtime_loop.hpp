// RealtimeLoop: the Loop of the real world. Time is CLOCK_MONOTONIC
// (Instant::zero() is when the loop was made); the loop sleeps in
// epoll_wait on its TAP devices, the descriptors apps watch (stdin, a
// signalfd) and one timerfd armed for the earliest deadline — a
// call_at() callback or a stack's poll_at(). The sans-I/O stack is the
// same as in the simulator, and so are the apps: they see only Loop.
//
//   auto tap = runtime::TapDevice::open("tap0");
//   Stack stack(config);                       // interface 0 = the TAP
//   runtime::RealtimeLoop loop;
//   loop.attach(stack, *tap);
//   auto id = loop.spawn(my_app(loop, stack));
//   loop.run_until_done(id);
//
// One pass of run(): callbacks that are due run (FIFO); stacks whose
// poll_at() has passed are polled; every stack's transmit queue is written
// to its TAP; then the loop waits. Received frames are read in batches of
// up to kReadBatch per device per wake-up, so one busy device cannot
// starve timers or the other descriptors.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <string>
#include <vector>

#include "app/loop.hpp"
#include "runtime/frame_loss.hpp"
#include "runtime/tap.hpp"

namespace ws {
class PcapWriter;
}

namespace ws::runtime {

using WatchId = std::uint64_t;

struct RealtimeStats {
  std::uint64_t frames_in = 0;
  std::uint64_t super_frames_in = 0;  // of them, the kernel's TSO/GSO super-packets (offloads on)
  std::uint64_t frames_out = 0;
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  std::uint64_t read_errors = 0;
  std::uint64_t write_errors = 0;  // frames the kernel refused
  std::uint64_t wakeups = 0;       // epoll_wait returns
};

class RealtimeLoop final : public app::Loop {
 public:
  static constexpr std::size_t kReadBatch = 64;

  // Throws std::system_error when epoll or timerfd cannot be created.
  RealtimeLoop();
  ~RealtimeLoop() override;

  // Drives `stack` over `dev`: frames from the device go to interface 0,
  // its transmit queue goes to the device; becomes the stack's readiness
  // listener. When `capture` is given, every frame read or written is
  // recorded there (both directions, as tcpdump on the TAP would). When
  // `loss` is given, it decides the fate of each frame between the TAP and
  // the stack: a dropped inbound frame was read from the TAP (and is
  // captured) but never reaches the stack; a dropped outbound frame never
  // reaches the TAP (nor the capture).
  void attach(Stack& stack, TapDevice& dev, PcapWriter* capture = nullptr, FrameLoss* loss = nullptr);

  Instant now() const override;
  void call_at(Instant at, std::function<void()> fn) override;
  void wake(Stack& stack) override;

  // Calls `fn` from the loop whenever `fd` is ready for `events` (EPOLLIN,
  // EPOLLOUT), until unwatched. A descriptor epoll cannot watch (a regular
  // file) is reported ready on every pass instead; one that cannot be
  // watched at all (closed, already watched) too, so its reader finds out
  // from read() itself.
  WatchId watch_fd(int fd, std::uint32_t events, std::function<void()> fn);
  void unwatch_fd(WatchId id);

  // Runs until stop() (from a callback or an app).
  void run();
  // Runs until task `id` finishes or `limit` passes; true when it finished.
  bool run_until_done(app::TaskId id, std::optional<Duration> limit = std::nullopt);
  // Runs for `d`, or until stop().
  void run_for(Duration d);
  void stop() { stop_ = true; }
  // Destroys every task (a program shutting down): their sockets close.
  void cancel_tasks() { cancel_all(); }

  const RealtimeStats& stats() const { return stats_; }
  // A device that failed for good (deleted, its namespace gone): the loop
  // stopped and stopped watching it. Empty while all is well.
  const std::string& device_error() const { return device_error_; }

 private:
  struct Attached {
    Stack* stack;
    TapDevice* dev;
    PcapWriter* capture;
    FrameLoss* loss;
  };
  struct Timed {
    Instant at;
    std::uint64_t seq;
    std::function<void()> fn;
    bool operator>(const Timed& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };
  struct Watch {
    int fd;
    std::uint32_t events;
    bool polled;  // epoll refused it: ready on every pass
    std::shared_ptr<std::function<void()>> fn;
  };

  // One pass; waits at most until `limit`.
  void turn(Instant limit);
  void flush(Attached& a);
  void flush_all();  // every attached stack's queued frames, once
  void read_device(Attached& a);
  Instant next_deadline() const;
  // Captures carry calendar time (tshark shows dates), not the loop's.
  Instant capture_time() const;
  void arm_timer(Instant at);

  int epoll_fd_ = -1;
  int timer_fd_ = -1;
  std::int64_t origin_ns_ = 0;       // CLOCK_MONOTONIC at construction
  std::int64_t wall_origin_ns_ = 0;  // CLOCK_REALTIME at construction
  bool stop_ = false;
  std::function<bool()> until_;  // run_until_done's condition
  std::uint64_t seq_ = 0;
  std::priority_queue<Timed, std::vector<Timed>, std::greater<>> timed_;
  std::vector<Attached> attached_;
  std::map<WatchId, Watch> watches_;
  WatchId next_watch_ = 1;
  Instant armed_ = Instant::never();
  // One frame at the largest MTU (65535) with its Ethernet header.
  // (and a virtio-net header in front of it, with offloads).
  static constexpr std::size_t kMaxFrame = 65535 + 14 + 16;
  std::vector<std::uint8_t> rx_buf_;
  RealtimeStats stats_;
  std::string device_error_;
};

// co_await readable(loop, fd): resumes when `fd` has input (or EOF/error).
class [[nodiscard]] FdReadable {
 public:
  FdReadable(RealtimeLoop& loop, int fd) : loop_(loop), fd_(fd) {}
  FdReadable(const FdReadable&) = delete;
  FdReadable& operator=(const FdReadable&) = delete;
  ~FdReadable() { loop_.unwatch_fd(watch_); }
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h);
  void await_resume() const noexcept {}

 private:
  RealtimeLoop& loop_;
  int fd_;
  WatchId watch_ = 0;
};
inline FdReadable readable(RealtimeLoop& loop, int fd) { return FdReadable(loop, fd); }

}  // namespace ws::runtime
