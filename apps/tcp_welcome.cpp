#include "apps/tcp_welcome.hpp"

#include <fmt/format.h>

namespace ws::apps {

using app::socket;
using app::Task;

namespace {

constexpr std::string_view kWelcome = "Welcome!";
constexpr std::string_view kExit = "exit";

// '%s:%s' % addr
std::string host_port(const SocketAddress& a) {
  return fmt::format("{}:{}", a.ip.to_string(), a.port);
}

// def tcplink(sock, addr): one connection, from accept() to close(). Takes
// the socket (and copies of everything else): it outlives the accept loop
// that spawned it, as the notes' thread does.
Task<void> tcplink(app::Socket sock, SocketAddress addr, WelcomeServerConfig config, Print print) {
  print(fmt::format("Accept new connection from {}...", host_port(addr)));
  // sock.send('Welcome!')
  auto welcomed = co_await sock.sendall(kWelcome);
  if (!welcomed) print(fmt::format("send: {}", app::describe(welcomed.error())));
  while (welcomed) {
    // data = sock.recv(1024)
    auto data = co_await sock.recv(config.bufsize);
    // time.sleep(1): only this connection waits; the others go on.
    co_await app::sleep(sock.loop(), config.think);
    if (!data) {
      // The notes' thread would die here with a traceback.
      print(fmt::format("recv: {}", app::describe(data.error())));
      break;
    }
    // if data == 'exit' or not data: break
    if (*data == kExit || data->empty()) break;
    // sock.send('Hello, %s!' % data)
    if (auto sent = co_await sock.sendall(fmt::format("Hello, {}!", *data)); !sent) {
      print(fmt::format("send: {}", app::describe(sent.error())));
      break;
    }
  }
  (void)sock.close();  // sock.close()
  print(fmt::format("Connection from {} closed.", host_port(addr)));
}

// print(s.recv(1024)). One recv per answer: each is one short segment and
// the client waits for it before sending again (seed 004 §三 一收一发), so
// answers never run together in the stream. nullopt: the connection ended.
Task<std::optional<std::string>> recv_answer(app::Socket& s, std::size_t bufsize,
                                             const Print& print, TcpClientReport& r) {
  auto data = co_await s.recv(bufsize);
  if (!data) {
    print(fmt::format("recv: {}", app::describe(data.error())));
    r.error = data.error();
    co_return std::nullopt;
  }
  if (data->empty()) {
    print("the server closed the connection");
    co_return std::nullopt;
  }
  print(*data);
  co_return std::move(*data);
}

}  // namespace

Task<void> welcome_server(app::Loop& loop, Stack& stack, WelcomeServerConfig config, Print print) {
  // s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
  auto s = socket(loop, stack, SocketType::Stream);
  if (!s) {
    print(fmt::format("socket: {}", app::describe(s.error())));
    co_return;
  }
  // s.bind(('127.0.0.1', 9999))
  if (auto r = s->bind(config.bind); !r) {
    print(fmt::format("bind {}: {}", config.bind.to_string(), app::describe(r.error())));
    co_return;
  }
  // s.listen(5)
  if (auto r = s->listen(config.backlog); !r) {
    print(fmt::format("listen: {}", app::describe(r.error())));
    co_return;
  }
  print("Waiting for connection...");
  for (int accepted_count = 0; config.max_clients == 0 || accepted_count < config.max_clients;) {
    // sock, addr = s.accept()
    auto accepted = co_await s->accept();
    if (!accepted) {
      print(fmt::format("accept: {}", app::describe(accepted.error())));
      if (is_transient(accepted.error()) || accepted.error() == SockError::ConnAborted) continue;
      break;
    }
    ++accepted_count;
    // t = threading.Thread(target=tcplink, args=(sock, addr)); t.start()
    // (inside the loop: in the notes t.start() sits after it, where no
    // thread would ever start).
    loop.spawn(tcplink(std::move(accepted->conn), accepted->addr, config, print));
  }
  (void)s->close();
}

Task<WelcomeClientReport> welcome_client(app::Loop& loop, Stack& stack, WelcomeClientConfig config,
                                         Print print) {
  WelcomeClientReport report;
  TcpClientReport& r = report.client;
  // s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
  auto s = socket(loop, stack, SocketType::Stream);
  if (!s) {
    print(fmt::format("socket: {}", app::describe(s.error())));
    r.error = s.error();
    co_return report;
  }
  // s.connect(('127.0.0.1', 9999))
  if (auto c = co_await s->connect(config.server); !c) {
    print(fmt::format("connect {}: {}", config.server.to_string(), app::describe(c.error())));
    r.error = c.error();
    co_return report;
  }
  r.connected = true;
  // print(s.recv(1024)): the greeting
  auto greeting = co_await recv_answer(*s, config.bufsize, print, r);
  report.welcomed = greeting == kWelcome;
  bool ok = greeting.has_value();
  for (std::size_t i = 0; ok && i < config.names.size(); ++i) {
    const std::string& data = config.names[i];
    if (config.typing > Duration::zero()) co_await app::sleep(loop, config.typing);
    if (data.empty()) continue;  // would send nothing and wait for ever
    // s.send(data)
    print(fmt::format("send({})", py_bytes(data)));
    if (auto sent = co_await s->sendall(data); !sent) {
      print(fmt::format("send: {}", app::describe(sent.error())));
      r.error = sent.error();
      break;
    }
    ++r.sent;
    // print(s.recv(1024))
    ok = (co_await recv_answer(*s, config.bufsize, print, r)).has_value();
    if (ok) ++r.answered;
  }
  if (ok) {
    // s.send('exit')
    print(fmt::format("send({})", py_bytes(kExit)));
    if (auto sent = co_await s->sendall(kExit); !sent) {
      print(fmt::format("send: {}", app::describe(sent.error())));
      r.error = sent.error();
    }
  }
  print("close()");
  (void)s->close();  // s.close()
  co_return report;
}

}  // namespace ws::apps
