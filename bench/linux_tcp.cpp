// The reference: the Linux kernel's TCP over 127.0.0.1, measured by the
// same program as wirestack with the same bytes, buffers and call sizes.
// A server thread and the client (the calling thread), blocking calls.
#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <thread>
#include <utility>

#include "tcp_bench.hpp"

namespace wsbench {

namespace {

struct Fd {  // closes on scope exit; movable so it can be returned
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  Fd(Fd&& o) noexcept : fd(std::exchange(o.fd, -1)) {}
  Fd& operator=(Fd&&) = delete;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

std::string sys_error(const char* call) {
  return fmt::format("{}: {}", call, std::strerror(errno));
}

void set_int(int fd, int level, int opt, int value, const char* name) {
  if (::setsockopt(fd, level, opt, &value, sizeof value) != 0) fail(sys_error(name));
}
int get_int(int fd, int level, int opt) {
  int v = 0;
  socklen_t len = sizeof v;
  return ::getsockopt(fd, level, opt, &v, &len) == 0 ? v : -1;
}

void apply(int fd, const LinuxOptions& o) {
  if (o.buffer != 0) {
    set_int(fd, SOL_SOCKET, SO_SNDBUF, static_cast<int>(o.buffer), "SO_SNDBUF");
    set_int(fd, SOL_SOCKET, SO_RCVBUF, static_cast<int>(o.buffer), "SO_RCVBUF");
  }
  if (o.maxseg != 0) set_int(fd, IPPROTO_TCP, TCP_MAXSEG, o.maxseg, "TCP_MAXSEG");
}

// A listening socket on 127.0.0.1 with a kernel-chosen port. Options set
// before listen() are inherited by accepted sockets (and size the window).
std::pair<Fd, sockaddr_in> linux_listener(const LinuxOptions& o, int backlog) {
  Fd l(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (l.fd < 0) fail(sys_error("socket"));
  apply(l.fd, o);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);  // port 0: the kernel picks one
  socklen_t len = sizeof a;
  if (::bind(l.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) fail(sys_error("bind"));
  if (::listen(l.fd, backlog) != 0) fail(sys_error("listen"));
  if (::getsockname(l.fd, reinterpret_cast<sockaddr*>(&a), &len) != 0)
    fail(sys_error("getsockname"));
  return {std::move(l), a};
}

Fd linux_connect(const sockaddr_in& to, const LinuxOptions& o) {
  Fd c(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (c.fd < 0) fail(sys_error("socket"));
  apply(c.fd, o);
  if (::connect(c.fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0)
    fail(sys_error("connect"));
  return c;
}

}  // namespace

// The client connects before the server thread starts (the kernel finishes
// the handshake from the backlog), so a failed setup never leaves a thread
// to join; once both run, a failure on one side ends the other's calls.
LinuxBulkResult linux_bulk(const Pattern& pat, std::uint64_t total, const LinuxOptions& o) {
  LinuxBulkResult res;
  auto [l, addr] = linux_listener(o, 16);
  Fd c = linux_connect(addr, o);
  const timeval limit{10, 0};  // a server thread that died must not hang the run
  ::setsockopt(c.fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
  std::string server_error, client_error;
  std::uint64_t received = 0, sent = 0;
  Clock::time_point t_end;
  const double cpu0 = process_cpu_seconds();
  const auto t0 = Clock::now();
  std::thread server([&, lfd = l.fd] {
    Fd s(::accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC));
    if (s.fd < 0) {
      server_error = sys_error("accept");
      return;
    }
    res.rcvbuf = get_int(s.fd, SOL_SOCKET, SO_RCVBUF);
    std::vector<std::uint8_t> buf(kUserBuffer);
    for (;;) {
      const ssize_t r = ::recv(s.fd, buf.data(), buf.size(), 0);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) {
        if (r < 0) server_error = sys_error("recv");
        break;
      }
      if (!pat.matches(received, buf.data(), static_cast<std::size_t>(r))) {
        server_error = fmt::format("CORRUPT: bytes at offset {} differ from those sent", received);
        break;
      }
      received += static_cast<std::uint64_t>(r);
    }
    t_end = Clock::now();
  });
  while (sent < total) {
    const std::size_t len =
        static_cast<std::size_t>(std::min<std::uint64_t>(kUserBuffer, total - sent));
    const ssize_t r = ::send(c.fd, pat.at(sent), len, MSG_NOSIGNAL);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      client_error = sys_error("send");
      break;
    }
    sent += static_cast<std::uint64_t>(r);
  }
  res.mss =
      get_int(c.fd, IPPROTO_TCP, TCP_MAXSEG);  // after the transfer: it follows the peer's window
  res.sndbuf = get_int(c.fd, SOL_SOCKET, SO_SNDBUF);
  ::shutdown(c.fd, SHUT_WR);  // the FIN: the server's end of stream stops the clock
  server.join();
  res.fig.cpu_s_per_gib = (process_cpu_seconds() - cpu0) / (static_cast<double>(total) / (1u << 30));
  if (!client_error.empty() || !server_error.empty())
    fail(server_error.empty() ? client_error : server_error);
  if (received != total) fail(fmt::format("received {} of {} bytes", received, total));
  res.fig.value =
      static_cast<double>(total) * 8 / std::chrono::duration<double>(t_end - t0).count() / 1e9;
  return res;
}

LinuxConnResult linux_connections(std::size_t count) {
  LinuxConnResult res;
  auto [l, addr] = linux_listener({}, 128);
  std::string server_error, client_error;
  const auto t0 = Clock::now();
  std::thread server([&, lfd = l.fd] {
    for (std::size_t i = 0; i < count; ++i) {
      Fd s(::accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC));
      char b = 0;
      if (s.fd < 0 || ::recv(s.fd, &b, 1, 0) != 1 || ::send(s.fd, &b, 1, MSG_NOSIGNAL) != 1 ||
          ::recv(s.fd, &b, 1, 0) != 0) {  // the last recv sees the client's FIN
        server_error = sys_error("server");
        return;
      }
    }
  });
  for (std::size_t i = 0; i < count && client_error.empty(); ++i) {
    try {
      Fd c = linux_connect(addr, {});
      const timeval limit{10, 0};  // a dead server thread must not hang the run
      ::setsockopt(c.fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
      char b = 'x';
      if (::send(c.fd, &b, 1, MSG_NOSIGNAL) != 1 || ::recv(c.fd, &b, 1, 0) != 1)
        client_error = sys_error("client");
    } catch (const std::exception& e) {
      client_error = e.what();
    }
  }
  if (!client_error.empty()) ::shutdown(l.fd, SHUT_RDWR);  // wakes the server's accept
  server.join();
  const double secs = seconds_since(t0);
  if (!client_error.empty() || !server_error.empty())
    fail(server_error.empty() ? client_error : server_error);
  res.fig.value = static_cast<double>(count) / secs;
  return res;
}

}  // namespace wsbench
