// Shared by the TCP benchmark's two halves (tcp_throughput.cpp drives
// wirestack, linux_tcp.cpp the kernel): the byte stream both carry, how a
// figure is reported, and the Linux reference's entry points.
#pragma once

#include <sys/resource.h>
#include <sys/time.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace wsbench {

using Clock = std::chrono::steady_clock;

inline constexpr std::size_t kUserBuffer = 64 * 1024;  // send/recv size on both stacks

inline double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// CPU time of the whole process so far, user + system, every thread (for
// Linux's loopback that includes the kernel's TCP work, done in the
// sending and receiving threads' system calls and softirqs).
inline double process_cpu_seconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  const auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return s(u.ru_utime) + s(u.ru_stime);
}

// ---- the byte stream both stacks carry ---------------------------------------
// A pseudo-random stream with a prime period, so a segment delivered at the
// wrong offset (or twice) cannot compare equal. The table holds one user
// buffer more than the period, so any 64 KiB piece is one contiguous memcmp.
class Pattern {
 public:
  static constexpr std::size_t kPeriod = 1'000'003;
  Pattern() : data_(kPeriod + kUserBuffer) {
    std::uint64_t x = 0x9e3779b97f4a7c15ull;
    for (std::size_t i = 0; i < kPeriod; ++i) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      data_[i] = static_cast<std::uint8_t>(x >> 32);
    }
    std::copy_n(data_.begin(), kUserBuffer, data_.begin() + kPeriod);
  }
  // Up to kUserBuffer bytes of the stream starting at `offset`.
  const std::uint8_t* at(std::uint64_t offset) const { return data_.data() + offset % kPeriod; }
  bool matches(std::uint64_t offset, const std::uint8_t* p, std::size_t n) const {
    return n <= kUserBuffer && std::memcmp(at(offset), p, n) == 0;
  }

 private:
  std::vector<std::uint8_t> data_;
};

struct Figure {
  std::optional<double> value;  // none: failed or not supported
  std::string note;             // why not
  std::optional<double> cpu_s_per_gib;  // bulk runs: process CPU seconds per GiB carried
};

[[noreturn]] inline void fail(const std::string& why) { throw std::runtime_error(why); }

// ---- the Linux reference (linux_tcp.cpp) --------------------------------------

struct LinuxOptions {
  std::size_t buffer = 0;  // SO_SNDBUF and SO_RCVBUF on both ends; 0 = kernel defaults
  int maxseg = 0;          // TCP_MAXSEG on both ends; 0 = from the loopback MTU
};

struct LinuxBulkResult {
  Figure fig;                           // Gbit/s
  int mss = 0, sndbuf = 0, rcvbuf = 0;  // as the kernel reports them
};

struct LinuxConnResult {
  Figure fig;  // connections per second
};

// `total` bytes of `pat` from a client to a server thread over 127.0.0.1,
// blocking calls of kUserBuffer bytes, every byte compared. Throws on failure.
LinuxBulkResult linux_bulk(const Pattern& pat, std::uint64_t total, const LinuxOptions& o);
// `count` times: connect, 1 byte each way, the client closes, then the server.
LinuxConnResult linux_connections(std::size_t count);

}  // namespace wsbench
