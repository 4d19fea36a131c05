// `wirestack nc`: netcat over wirestack on a TAP device.
//
// TCP: stdin goes to the socket and the socket to stdout, at once in both
// directions. At the end of stdin the sending side is shut down (a FIN:
// the half-close of seed 000 §四次挥手) and nc keeps reading until the
// peer closes; it exits when both directions are done — so either side
// may go on sending after the other's FIN. -l accepts one connection.
// UDP (-u): every read from stdin is one datagram; datagrams received are
// written to stdout; nc exits --wait seconds after stdin ends (-l: the
// first sender becomes the peer).
// Exit status: 0, or 1 with "wirestack nc: <what>: ECONNREFUSED (...)".
#include <fmt/format.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <string>

#include "app/socket.hpp"
#include "real_net.hpp"

namespace ws::cli {

namespace {

constexpr std::size_t kChunk = 65536;

struct NcRun {
  bool failed = false;
  bool stdin_done = false;
  bool socket_done = false;
};

void fail(NcRun& run, const std::string& what, SockError e) {
  if (!run.failed) fmt::print(stderr, "wirestack nc: {}: {}\n", what, app::describe(e));
  run.failed = true;
}

// Writes all of `data` to stdout (blocking: stdout is the user's).
bool write_stdout(std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(STDOUT_FILENO, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {  // a nonblocking stdout (shared with someone's stdin)
        pollfd p{STDOUT_FILENO, POLLOUT, 0};
        ::poll(&p, 1, -1);
        continue;
      }
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// One read from stdin once it is readable: the bytes, empty at EOF.
app::Task<std::optional<std::string>> read_stdin(runtime::RealtimeLoop& loop) {
  co_await runtime::readable(loop, STDIN_FILENO);
  std::string buf(kChunk, '\0');
  for (;;) {
    const ssize_t n = ::read(STDIN_FILENO, buf.data(), buf.size());
    if (n >= 0) {
      buf.resize(static_cast<std::size_t>(n));
      co_return buf;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN) {
      co_await runtime::readable(loop, STDIN_FILENO);
      continue;
    }
    co_return std::nullopt;  // an error reading stdin: treat as its end
  }
}

app::Task<void> stdin_to_stream(runtime::RealtimeLoop& loop, app::Socket& sock, NcRun& run) {
  for (;;) {
    auto data = co_await read_stdin(loop);
    if (run.failed) break;
    if (!data || data->empty()) {
      if (auto r = sock.shutdown(ShutdownHow::Write); !r) {  // FIN after everything queued
        fail(run, "shutdown", r.error());
      }
      loop.wake(sock.stack());
      break;
    }
    auto sent = co_await sock.sendall(*data);
    if (!sent) {
      fail(run, "send", sent.error());
      break;
    }
  }
  run.stdin_done = true;
  if (run.socket_done || run.failed) loop.stop();
}

app::Task<void> stream_to_stdout(runtime::RealtimeLoop& loop, app::Socket& sock, NcRun& run) {
  for (;;) {
    auto data = co_await sock.recv(kChunk);
    if (!data) {
      fail(run, "recv", data.error());
      break;
    }
    if (data->empty()) break;  // the peer's FIN
    if (!write_stdout(*data)) {
      fmt::print(stderr, "wirestack nc: stdout: {}\n", std::strerror(errno));
      run.failed = true;
      break;
    }
  }
  run.socket_done = true;
  if (run.stdin_done || run.failed) {
    loop.stop();
    co_return;
  }
  // The peer has finished sending, we have not: if it resets the
  // connection now (say it closed without reading), nothing else would
  // notice while stdin is idle.
  while (!run.stdin_done && !run.failed) {
    co_await app::sleep(loop, Duration::millis(100));
    if (sock.stack().readiness(sock.id()).error) {
      auto r = sock.stack().take_error(sock.id());
      fail(run, "connection", r.value_or(SockError::ConnReset));
      loop.stop();
    }
  }
}

app::Task<void> tcp_main(RealHost& h, const NcOptions& o, SocketAddress addr, NcRun& run) {
  auto& loop = h.loop();
  auto s = app::socket(loop, h.stack(), SocketType::Stream);
  if (!s) {
    fail(run, "socket", s.error());
    loop.stop();
    co_return;
  }
  app::Socket conn = std::move(*s);
  if (o.listen) {
    (void)conn.set_reuseaddr();
    if (auto b = conn.bind(addr); !b) {
      fail(run, "bind " + addr.to_string(), b.error());
      loop.stop();
      co_return;
    }
    if (auto l = conn.listen(1); !l) {
      fail(run, "listen", l.error());
      loop.stop();
      co_return;
    }
    fmt::print(stderr, "listening on {}\n", SocketAddress{h.address().address(), addr.port}.to_string());
    auto a = co_await conn.accept();
    if (!a) {
      fail(run, "accept", a.error());
      loop.stop();
      co_return;
    }
    fmt::print(stderr, "connection from {}\n", a->addr.to_string());
    conn = std::move(a->conn);  // the listening socket closes here (one connection, as nc)
  } else {
    if (auto c = co_await conn.connect(addr); !c) {
      fail(run, "connect " + addr.to_string(), c.error());
      loop.stop();
      co_return;
    }
  }
  app::Task<void> up = stdin_to_stream(loop, conn, run);
  app::Task<void> down = stream_to_stdout(loop, conn, run);
  const app::TaskId up_id = loop.spawn(std::move(up));
  const app::TaskId down_id = loop.spawn(std::move(down));
  // Stay alive (the socket lives in this frame) until both are done.
  while (loop.running(up_id) || loop.running(down_id)) {
    co_await app::sleep(loop, Duration::millis(50));
  }
}

app::Task<void> udp_main(RealHost& h, const NcOptions& o, SocketAddress addr, NcRun& run) {
  auto& loop = h.loop();
  auto s = app::socket(loop, h.stack(), SocketType::Datagram);
  if (!s) {
    fail(run, "socket", s.error());
    loop.stop();
    co_return;
  }
  app::Socket sock = std::move(*s);
  if (o.listen) {
    if (auto b = sock.bind(addr); !b) {
      fail(run, "bind " + addr.to_string(), b.error());
      loop.stop();
      co_return;
    }
    fmt::print(stderr, "listening on {} (udp)\n", SocketAddress{h.address().address(), addr.port}.to_string());
    auto first = co_await sock.recvfrom(kChunk);
    if (!first) {
      fail(run, "recvfrom", first.error());
      loop.stop();
      co_return;
    }
    write_stdout(first->data);
    (void)co_await sock.connect(first->addr);
  } else if (auto c = co_await sock.connect(addr); !c) {
    fail(run, "connect " + addr.to_string(), c.error());
    loop.stop();
    co_return;
  }
  // Datagrams in, to stdout, in a task of their own.
  auto receiver = [](app::Socket& so, NcRun& r, runtime::RealtimeLoop& l) -> app::Task<void> {
    for (;;) {
      auto d = co_await so.recv(kChunk);
      if (!d) {
        fail(r, "recv", d.error());
        l.stop();
        co_return;
      }
      write_stdout(*d);
    }
  };
  const app::TaskId rx = loop.spawn(receiver(sock, run, loop));
  for (;;) {
    auto data = co_await read_stdin(loop);
    if (!data || data->empty() || run.failed) break;
    if (auto sent = co_await sock.send(*data); !sent) {
      fail(run, "send", sent.error());
      break;
    }
  }
  co_await app::sleep(loop, Duration::micros(static_cast<std::int64_t>(o.wait_s * 1e6)));
  loop.cancel(rx);
  loop.stop();
}

}  // namespace

int run_nc(const NcOptions& o) {
  Ipv4Address ip = Ipv4Address::any();
  if (!o.host.empty()) {
    auto a = Ipv4Address::parse(o.host);
    if (!a) {
      fmt::print(stderr, "wirestack nc: {}: not an IPv4 address (names are not resolved)\n", o.host);
      return 2;
    }
    ip = *a;
  } else if (!o.listen) {
    fmt::print(stderr, "wirestack nc: HOST is required without -l\n");
    return 2;
  }
  if (o.port == 0) {
    fmt::print(stderr, "wirestack nc: PORT must be 1..65535\n");
    return 2;
  }
  auto rh = RealHost::open(o.net);
  if (!rh) {
    fmt::print(stderr, "wirestack nc: {}\n", rh.error());
    return 2;
  }
  RealHost& h = **rh;
  NcRun run;
  const SocketAddress addr{ip, o.port};
  h.loop().spawn(o.udp ? udp_main(h, o, addr, run) : tcp_main(h, o, addr, run));
  int signo = 0;
  h.on_interrupt([&](int s) {
    signo = s;
    h.loop().stop();
  });
  h.loop().run();
  if (!h.device_error().empty()) {
    fmt::print(stderr, "wirestack nc: {}\n", h.device_error());
    return 1;
  }
  // Let the data still queued, the FIN and the last ACKs out before the
  // process (and the stack with it) ends.
  const bool finished = h.close_gracefully(Duration::seconds(30));
  if (signo != 0) return 128 + signo;
  if (!run.failed && !finished) {
    fmt::print(stderr, "wirestack nc: the peer did not acknowledge everything within 30 s\n");
    return 1;
  }
  return run.failed ? 1 : 0;
}

}  // namespace ws::cli
