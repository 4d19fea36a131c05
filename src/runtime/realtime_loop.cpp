#include "runtime/realtime_loop.hpp"

#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <stdexcept>
#include <system_error>

#include "link/pcap.hpp"

namespace ws::runtime {

namespace {

// epoll_event.data: what became ready. The kind in the top byte, the
// device index or watch id below it.
enum Kind : std::uint64_t { kTimer = 1, kDevice = 2, kWatch = 3 };
constexpr std::uint64_t tag(Kind k, std::uint64_t v) { return (std::uint64_t{k} << 56) | v; }
constexpr Kind kind_of(std::uint64_t data) { return static_cast<Kind>(data >> 56); }
constexpr std::uint64_t value_of(std::uint64_t data) { return data & ((std::uint64_t{1} << 56) - 1); }

std::int64_t monotonic_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

[[noreturn]] void fail(const char* what) { throw std::system_error(errno, std::generic_category(), what); }

}  // namespace

RealtimeLoop::RealtimeLoop() : origin_ns_(monotonic_ns()), rx_buf_(kMaxFrame) {
  timespec wall{};
  ::clock_gettime(CLOCK_REALTIME, &wall);
  wall_origin_ns_ = std::int64_t{wall.tv_sec} * 1'000'000'000 + wall.tv_nsec;
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) fail("epoll_create1");
  timer_fd_ = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (timer_fd_ < 0) {
    ::close(epoll_fd_);
    fail("timerfd_create");
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = tag(kTimer, 0);
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, timer_fd_, &ev) < 0) {
    ::close(timer_fd_);
    ::close(epoll_fd_);
    fail("epoll_ctl timerfd");
  }
}

RealtimeLoop::~RealtimeLoop() {
  // Tasks close their sockets as they are destroyed; send what that queued
  // (FINs, RSTs) while the devices are still there.
  cancel_all();
  for (Attached& a : attached_) {
    flush(a);
    a.stack->set_readiness_listener({});
  }
  ::close(timer_fd_);
  ::close(epoll_fd_);
}

void RealtimeLoop::attach(Stack& stack, TapDevice& dev, PcapWriter* capture, FrameLoss* loss) {
  const std::size_t index = attached_.size();
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = tag(kDevice, index);
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, dev.fd(), &ev) < 0) fail("epoll_ctl tap");
  attached_.push_back(Attached{&stack, &dev, capture, loss});
  stack.set_readiness_listener([this, &stack](SocketId s) { notify_readiness(stack, s); });
}

Instant RealtimeLoop::capture_time() const { return Instant::from_nanos(wall_origin_ns_) + (now() - Instant::zero()); }

Instant RealtimeLoop::now() const { return Instant::from_nanos(monotonic_ns() - origin_ns_); }

void RealtimeLoop::call_at(Instant at, std::function<void()> fn) {
  timed_.push(Timed{at, seq_++, std::move(fn)});
}

void RealtimeLoop::wake(Stack& stack) {
  for (Attached& a : attached_) {
    if (a.stack == &stack) {
      flush(a);
      return;
    }
  }
  throw std::invalid_argument("RealtimeLoop::wake: a stack this loop does not drive");
}

WatchId RealtimeLoop::watch_fd(int fd, std::uint32_t events, std::function<void()> fn) {
  const WatchId id = next_watch_++;
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = tag(kWatch, id);
  bool polled = false;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) < 0) {
    polled = true;  // EPERM: a regular file, always ready; EBADF, EEXIST: read() will say
  }
  watches_.emplace(id, Watch{fd, events, polled, std::make_shared<std::function<void()>>(std::move(fn))});
  return id;
}

void RealtimeLoop::unwatch_fd(WatchId id) {
  auto it = watches_.find(id);
  if (it == watches_.end()) return;
  if (!it->second.polled) ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, it->second.fd, nullptr);
  watches_.erase(it);
}

void RealtimeLoop::flush(Attached& a) {
  while (auto tx = a.stack->pop_transmit()) {
    PacketBuffer& f = *tx->frame;
    if (a.loss != nullptr && a.loss->drop_outbound()) continue;
    // A partial checksum (checksum offload) goes to the kernel to complete;
    // a capture records what the wire carries, so with one we complete it.
    if (f.has_partial_checksum() && (!a.dev->offload() || a.capture != nullptr)) f.complete_checksum();
    const Bytes frame = f.bytes();
    if (a.capture != nullptr) a.capture->write(capture_time(), frame);
    PacketBuffer::PartialChecksum partial{};
    if (f.has_partial_checksum()) partial = f.partial_checksum();
    if (a.dev->write(frame, f.has_partial_checksum() ? &partial : nullptr)) {
      ++stats_.frames_out;
      stats_.bytes_out += frame.size();
    } else {
      ++stats_.write_errors;
    }
  }
}

void RealtimeLoop::read_device(Attached& a) {
  for (std::size_t i = 0; i < kReadBatch; ++i) {
    auto n = a.dev->read_frame(MutBytes(rx_buf_.data(), rx_buf_.size()));
    if (!n) {
      // The device is gone (deleted, its namespace removed): it would be
      // reported ready for ever. Stop watching it and stop the loop.
      ++stats_.read_errors;
      device_error_ = n.error();
      ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, a.dev->fd(), nullptr);
      stop_ = true;
      return;
    }
    if (n->len == 0) break;
    const Instant t = now();
    const MutBytes frame(rx_buf_.data() + n->offset, n->len);
    // With offloads the kernel may leave the checksum partial (it never
    // left this machine) or vouch for it; a capture gets it completed.
    RxInfo rx;
    rx.checksum_verified = n->needs_csum || n->data_valid;
    if (a.capture != nullptr) {
      if (n->needs_csum) complete_partial_checksum(frame.subspan(n->csum_start), n->csum_offset);
      a.capture->write(capture_time(), frame);
    }
    ++stats_.frames_in;
    stats_.bytes_in += n->len;
    if (n->gso_size != 0) ++stats_.super_frames_in;
    if (a.loss != nullptr && a.loss->drop_inbound()) continue;
    a.stack->receive(t, 0, frame, rx);
  }
  flush(a);
}

Instant RealtimeLoop::next_deadline() const {
  Instant next = timed_.empty() ? Instant::never() : timed_.top().at;
  for (const Attached& a : attached_) next = std::min(next, a.stack->poll_at());
  return next;
}

void RealtimeLoop::arm_timer(Instant at) {
  if (at == armed_) return;
  itimerspec spec{};
  if (at != Instant::never()) {
    // Absolute CLOCK_MONOTONIC time; at least 1 ns (all zero would disarm).
    const std::int64_t abs = std::max<std::int64_t>(origin_ns_ + at.nanos(), 1);
    spec.it_value.tv_sec = abs / 1'000'000'000;
    spec.it_value.tv_nsec = abs % 1'000'000'000;
  }
  if (::timerfd_settime(timer_fd_, TFD_TIMER_ABSTIME, &spec, nullptr) < 0) fail("timerfd_settime");
  armed_ = at;
}

void RealtimeLoop::turn(Instant limit) {
  // 1. Callbacks already due, in order; ones they add for "now" wait for
  //    the next pass, so a callback that reschedules itself cannot spin here.
  const std::uint64_t horizon = seq_;
  Instant t = now();
  std::vector<Timed> due;
  while (!timed_.empty() && timed_.top().at <= t && timed_.top().seq < horizon) {
    due.push_back(std::move(const_cast<Timed&>(timed_.top())));
    timed_.pop();
  }
  for (Timed& d : due) d.fn();
  // 2. Stack timers, then everything the stacks want to send.
  t = now();
  for (Attached& a : attached_) {
    if (a.stack->poll_at() <= t) a.stack->poll(t);
    flush(a);
  }
  // 3. Descriptors epoll cannot watch are always ready.
  bool busy = false;
  std::vector<std::pair<WatchId, std::shared_ptr<std::function<void()>>>> polled;
  for (auto& [id, w] : watches_) {
    if (w.polled) polled.emplace_back(id, w.fn);
  }
  for (auto& [id, fn] : polled) {
    if (watches_.contains(id)) {
      (*fn)();
      busy = true;
    }
  }
  // Never sleep when the caller's condition already holds (a task it
  // waits for finished in step 1).
  if (stop_ || (until_ && until_())) return;
  // 4. Wait for a descriptor or the next deadline.
  const Instant deadline = std::min(next_deadline(), limit);
  int timeout = -1;
  if (busy || deadline <= now()) {
    timeout = 0;
  } else {
    arm_timer(deadline);
  }
  epoll_event events[32];
  const int n = ::epoll_wait(epoll_fd_, events, 32, timeout);
  if (n < 0) {
    if (errno == EINTR) return;
    fail("epoll_wait");
  }
  ++stats_.wakeups;
  for (int i = 0; i < n; ++i) {
    const std::uint64_t data = events[i].data.u64;
    switch (kind_of(data)) {
      case kTimer: {
        std::uint64_t expirations = 0;
        while (::read(timer_fd_, &expirations, sizeof expirations) > 0) {
        }
        armed_ = Instant::never();  // fired (a one-shot timer)
        break;
      }
      case kDevice:
        read_device(attached_.at(value_of(data)));
        break;
      case kWatch: {
        auto it = watches_.find(value_of(data));
        if (it == watches_.end()) break;  // unwatched by an earlier event of this batch
        auto fn = it->second.fn;          // the callback may unwatch itself
        (*fn)();
        break;
      }
    }
  }
}

void RealtimeLoop::run() {
  stop_ = false;
  while (!stop_) turn(Instant::never());
  flush_all();
}

void RealtimeLoop::flush_all() {
  // What a stack queued in the last turn leaves before the loop returns:
  // an application that stops on the peer's FIN must not take the ACK of
  // that FIN with it (the peer would resend its FIN to whoever comes next).
  for (Attached& a : attached_) flush(a);
}

bool RealtimeLoop::run_until_done(app::TaskId id, std::optional<Duration> limit) {
  stop_ = false;
  const Instant end = limit ? app::deadline_after(now(), *limit) : Instant::never();
  until_ = [this, id] { return !running(id); };
  while (running(id) && !stop_ && now() < end) turn(end);
  until_ = nullptr;
  flush_all();
  return !running(id);
}

void RealtimeLoop::run_for(Duration d) {
  stop_ = false;
  const Instant end = app::deadline_after(now(), d);
  while (!stop_ && now() < end) turn(end);
  flush_all();
}

void FdReadable::await_suspend(std::coroutine_handle<> h) {
  watch_ = loop_.watch_fd(fd_, EPOLLIN, [this, h] {
    loop_.unwatch_fd(std::exchange(watch_, 0));
    h.resume();
  });
}

}  // namespace ws::runtime
