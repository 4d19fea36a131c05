#include "apps/tcp_upper.hpp"

#include <fmt/format.h>

namespace ws::apps {

using app::socket;
using app::Task;

namespace {

// Reads until `want` bytes have arrived. A TCP stream has no message
// boundaries (seed 004 §三 "面向流"): one recv may return part of what
// the peer sent in one send. Short (fewer bytes) at end of stream.
Task<SockResult<std::string>> recv_exactly(app::Socket& sock, std::size_t want,
                                           std::size_t bufsize) {
  std::string data;
  while (data.size() < want) {
    auto part = co_await sock.recv(std::min(bufsize, want - data.size()));
    if (!part) co_return Unexpected<SockError>{part.error()};
    if (part->empty()) break;
    data += *part;
  }
  co_return data;
}

}  // namespace

Task<TcpUpperServerReport> tcp_upper_server(app::Loop& loop, Stack& stack,
                                            TcpUpperServerConfig config, Print print) {
  TcpUpperServerReport report;
  // server = socket.socket(family=socket.AF_INET, type=socket.SOCK_STREAM)
  auto server = socket(loop, stack, SocketType::Stream);
  if (!server) {
    print(fmt::format("socket: {}", app::describe(server.error())));
    co_return report;
  }
  // server.bind(('127.0.0.1', 81))
  if (auto r = server->bind(config.bind); !r) {
    print(fmt::format("bind {}: {}", config.bind.to_string(), app::describe(r.error())));
    co_return report;
  }
  // server.listen(1)
  if (auto r = server->listen(config.backlog); !r) {
    print(fmt::format("listen: {}", app::describe(r.error())));
    co_return report;
  }
  print("waiting for clients to connect");  // print('开始等待客户端连接了')
  // §7: the connection loop — one client after another.
  while (config.max_clients == 0 || report.clients < config.max_clients) {
    // sock, addr = server.accept()
    auto accepted = co_await server->accept();
    if (!accepted) {
      print(fmt::format("accept: {}", app::describe(accepted.error())));
      // A connection reset while it waited in the queue is Linux's
      // ECONNABORTED: take the next one.
      if (is_transient(accepted.error()) || accepted.error() == SockError::ConnAborted) continue;
      break;
    }
    ++report.clients;
    app::Socket& sock = accepted->conn;
    if (const auto& ka = config.keepalive) {
      (void)sock.setsockopt(SockOpt::KeepIdle, ka->idle_s);
      (void)sock.setsockopt(SockOpt::KeepIntvl, ka->interval_s);
      (void)sock.setsockopt(SockOpt::KeepCnt, ka->probes);
      (void)sock.setsockopt(SockOpt::KeepAlive, 1);
    }
    print(py_socket(sock));  // print(sock)
    print(fmt::format("client address: {}",
                      py_addr(accepted->addr)));  // print('客户端的地址是：', addr)
    // §8: the communication loop — this client until it leaves.
    while (true) {
      // data = sock.recv(1024): waits until the client sends something
      auto data = co_await sock.recv(config.bufsize);
      if (!data) {
        // except Exception as e: print(e); break — 客户端非正常断开 (an RST)
        print(fmt::format("recv: {}", app::describe(data.error())));
        ++report.errors;
        break;
      }
      if (data->empty()) {
        // if len(data) == 0: break — 客户端正常断开 (its FIN)
        print("the client closed the connection (recv returned b'')");
        ++report.closed;
        break;
      }
      print(*data);  // print(data.decode('utf-8'))
      // sock.send(data.upper()). sendall: a stream send may take only part.
      const std::string reply = upper(*data);
      print(fmt::format("send({})", py_bytes(reply)));
      if (auto sent = co_await sock.sendall(reply); !sent) {
        print(fmt::format("send: {}", app::describe(sent.error())));
        ++report.errors;
        break;
      }
      report.echoed += reply.size();
    }
    (void)sock.close();  // sock.close(); then back to accept()
  }
  (void)server->close();  // server.close()
  co_return report;
}

Task<TcpClientReport> tcp_upper_client(app::Loop& loop, Stack& stack, TcpUpperClientConfig config,
                                       Print print) {
  TcpClientReport report;
  // client = socket.socket()
  auto client = socket(loop, stack, SocketType::Stream);
  if (!client) {
    print(fmt::format("socket: {}", app::describe(client.error())));
    report.error = client.error();
    co_return report;
  }
  // client.connect(('127.0.0.1', 81))
  if (auto r = co_await client->connect(config.server); !r) {
    print(fmt::format("connect {}: {}", config.server.to_string(), app::describe(r.error())));
    report.error = r.error();
    co_return report;
  }
  report.connected = true;
  for (const std::string& input_data : config.inputs) {
    // input_data = input('请输入发送给客户端的内容（输入q退出）：')
    if (config.typing > Duration::zero()) co_await app::sleep(loop, config.typing);
    if (input_data == "q") break;  // if input_data == 'q': break
    // An empty line sends nothing, and the notes' client would then wait
    // in recv for ever for its answer: skip it.
    if (input_data.empty()) continue;
    // client.send(input_data.encode('utf-8'))
    print(fmt::format("send({})", py_bytes(input_data)));
    if (auto sent = co_await client->sendall(input_data); !sent) {
      print(fmt::format("send: {}", app::describe(sent.error())));
      report.error = sent.error();
      break;
    }
    ++report.sent;
    // data = client.recv(1024); upper() keeps the length, so the whole
    // answer is as long as the line.
    auto data = co_await recv_exactly(*client, input_data.size(), config.bufsize);
    if (!data) {
      print(fmt::format("recv: {}", app::describe(data.error())));
      report.error = data.error();
      break;
    }
    if (data->size() < input_data.size()) {
      print(fmt::format("the server closed the connection after {}", py_bytes(*data)));
      break;
    }
    print(*data);  // print(data.decode('utf-8'))
    ++report.answered;
  }
  if (config.reset) {
    // SO_LINGER {on, 0 s}: close() aborts the connection with an RST.
    (void)client->setsockopt(SockOpt::Linger, 0);
    print("close() with SO_LINGER 0: RST");
  } else {
    print("close()");
  }
  (void)client->close();  // client.close()
  co_return report;
}

}  // namespace ws::apps
